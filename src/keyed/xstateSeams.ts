import type { AnyActorScope, EventObject, ExecutableActionObject } from 'xstate';

/**
 * The one place where the keyed cache leans on XState behaviour beyond its
 * typed API. Each use is pinned by `test/keyed/xstate-contract.test.ts`,
 * which names the behaviour; a change in XState fails there first, and at
 * run time as a thrown error (the registry goes to `error` and every waiting
 * caller rejects), never as a hang.
 *
 * 1. A root actor delivers its stop to its logic's `transition` as an event
 *    of type {@link STOP_EVENT_TYPE}; the logic's answer is the stopped
 *    snapshot (XState's own `fromPromise` and `fromCallback` do the same).
 * 2. `ActorLogic.transition` of a state machine runs its actions through
 *    `actorScope.actionExecutor`: a delayed `raise` (an `after` transition)
 *    arrives as an {@link ExecutableActionObject} of type `xstate.raise`
 *    whose params carry `event`, `id` and a numeric `delay`; its
 *    cancellation as type `xstate.cancel` with params `sendId`; `emit` as an
 *    action whose `exec` defers `actorScope.emit(event)` through
 *    `actorScope.defer`.
 * 3. A machine snapshot's `tags` is a `Set` derived from its state nodes:
 *    every transition builds a new one, and nothing reads it back but
 *    `hasTag`. An idle key keeps one shared empty `Set` instead (see
 *    {@link shareEmptyTags}).
 */
export const STOP_EVENT_TYPE = 'xstate.stop';

/** What a key's chart asks of whoever runs it, besides its next snapshot. */
export interface ChartEffects {
  /** A delayed event (an `after` transition): deliver `event` in `delay` ms unless cancelled by `id`. */
  schedule(id: string, event: EventObject, delay: number): void;
  /** Cancels the pending delayed event `id`, if any. */
  cancel(id: string): void;
  /** An emitted command (the chart's `flight.*`). */
  emit(command: EventObject): void;
  /** Runs `effect` once the snapshot of the step is in place. */
  defer(effect: () => void): void;
}

interface DelayParams {
  readonly event?: EventObject;
  readonly id?: string;
  readonly delay?: number;
  readonly sendId?: string;
}

const noop = (): void => {};

/** An XState behaviour the cache relies on has changed: thrown so that it surfaces, never swallowed. */
const changed = (what: string): Error =>
  new Error(`xstate-background-cache: XState's ${what} changed shape; this version of XState is not supported`);

/**
 * One actor scope (XState's public `ActorScope`) for running key charts
 * with `ActorLogic.transition`, made once per registry and reused for every
 * step: the chart spawns nothing and logs nothing, so its effects are the
 * four of {@link ChartEffects}. `self` and `system` are the registry's, so
 * the registry's inspectors see each key's microsteps.
 */
export function createChartScope(registryScope: AnyActorScope, effects: ChartEffects): AnyActorScope {
  const scope: AnyActorScope = {
    self: registryScope.self,
    id: registryScope.id,
    sessionId: registryScope.sessionId,
    logger: noop,
    system: registryScope.system,
    stopChild: noop,
    defer: (effect) => effects.defer(effect),
    emit: (command: EventObject) => effects.emit(command),
    actionExecutor: (action: ExecutableActionObject) => {
      const params = action.params as DelayParams;
      if (action.type === 'xstate.raise') {
        // A raise without a delay was queued by XState during the step already.
        if (params.delay === undefined) return;
        if (typeof params.delay !== 'number' || params.event === undefined || params.id === undefined) {
          throw changed('delayed raise');
        }
        effects.schedule(params.id, params.event, params.delay);
      } else if (action.type === 'xstate.cancel') {
        if (params.sendId === undefined) throw changed('cancel');
        effects.cancel(params.sendId);
      } else {
        // `emit`: XState binds it to this scope (`defer`, then `emit`).
        action.exec?.(action.info, action.params);
      }
    },
  };
  return scope;
}

const NO_TAGS: ReadonlySet<string> = new Set<string>();

/**
 * Replaces a snapshot's own empty `tags` set with one shared empty set: the
 * chart has no tags, and an empty `Set` per key is a fifth of an idle key's
 * heap. A snapshot with tags keeps them.
 */
export function shareEmptyTags(snapshot: { tags: ReadonlySet<string> }): void {
  if (snapshot.tags.size === 0) snapshot.tags = NO_TAGS;
}
