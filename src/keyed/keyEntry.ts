import { backgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { BackgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { AnyActorRef, AnyActorScope, EventObject, ExecutableActionObject, SnapshotFrom } from 'xstate';
import type { FlightCommand } from '../machine/backgroundCacheMachine.js';
import { FlightRunner, runFetch } from '../machine/flights.js';
import type { FlightHost } from '../machine/flights.js';
import type { Deadline, Deadlines } from './deadlines.js';
import type { EntryKey } from './keys.js';

/** One key's state: a snapshot of {@link backgroundCacheMachine}. */
export type KeySnapshot<V> = SnapshotFrom<BackgroundCacheMachine<V>>;

/** The registry's actor, as its entries see it. */
export type RegistryRef = AnyActorRef;

/** The params of XState's `raise` (a delayed one is an `after` transition) and `cancel` actions. */
interface DelayParams {
  readonly event: EventObject;
  readonly id: string;
  readonly delay?: number;
  readonly sendId: string;
}

const NO_DEADLINES: readonly never[] = [];

/**
 * One key: its chart's snapshot, advanced with the chart's own transition
 * function (the public `ActorLogic.transition`), plus the registry's
 * bookkeeping (recency links, pending deadlines) and, while the key has a
 * flight, the runner that carries out its chart's flight commands. An idle
 * key is this object and its snapshot, nothing more.
 *
 * @internal
 */
export class KeyEntry<V> {
  readonly key: EntryKey;
  snapshot: KeySnapshot<V>;
  /** The entry used just before this one (toward the eviction end). */
  older: KeyEntry<V> | undefined;
  /** The entry used just after this one. */
  newer: KeyEntry<V> | undefined;
  /** The chart's delayed events that have not fired yet (replaced, never grown: a few each, kept tight). */
  deadlines: readonly Deadline<KeyEntry<V>>[] = NO_DEADLINES;
  /** Carries out the chart's flight commands; made at the key's first flight. */
  runner: FlightRunner<V> | undefined;
  /** The registry: it hears the outcomes of this key's fetches. */
  readonly #registry: RegistryRef;
  readonly #host: Omit<FlightHost<V>, 'report'>;

  constructor(key: EntryKey, registry: RegistryRef, snapshot: KeySnapshot<V>, host: Omit<FlightHost<V>, 'report'>) {
    this.key = key;
    this.#registry = registry;
    this.snapshot = snapshot;
    this.#host = host;
  }

  /** True while the key's chart owns a flight (its entry must not be evicted). */
  get inFlight(): boolean {
    return this.runner?.current !== undefined;
  }

  /**
   * Advances the key's chart by `event` with the chart's transition function,
   * then runs what the transition asks for as XState's own actor would: its
   * delayed events become deadlines, its flight commands go to the runner.
   */
  step(event: EventObject, deadlines: Deadlines<KeyEntry<V>>): void {
    const deferred: (() => void)[] = [];
    const registry = this.#registry;
    // An actor scope (XState's public `ActorScope`) for one key's chart. The
    // chart spawns no actor and logs nothing: its effects are delayed events,
    // their cancellation, and emitted flight commands.
    const scope: AnyActorScope = {
      self: registry,
      id: String(this.key),
      sessionId: registry.sessionId,
      logger: noop,
      defer: (effect) => deferred.push(effect),
      system: registry.system,
      stopChild: noop,
      emit: (command) => this.#command(command as FlightCommand<V>),
      actionExecutor: (action) => this.#execute(action, deadlines),
    };
    this.snapshot = (backgroundCacheMachine as unknown as BackgroundCacheMachine<V>).transition(
      this.snapshot,
      event as never,
      scope,
    );
    // As in XState's actor: the snapshot is current before any effect runs,
    // so a fetch that re-enters the cache sees it.
    for (const effect of deferred) effect();
  }

  /** Lets go of the key's flight: the registry stopped or dropped the key. */
  release(): void {
    this.runner?.release();
  }

  #command(command: FlightCommand<V>): void {
    if (this.runner === undefined) {
      const registry = this.#registry;
      const key = this.key;
      this.runner = new FlightRunner<V>({
        ...this.#host,
        report: (event) => registry.send({ ...event, key }),
      });
    }
    this.runner.command(command);
  }

  #execute(action: ExecutableActionObject, deadlines: Deadlines<KeyEntry<V>>): void {
    const params = action.params as DelayParams;
    if (action.type === 'xstate.raise' && params.delay !== undefined) {
      this.deadlines = [...this.deadlines, deadlines.add(this, params.id, params.event, params.delay)];
    } else if (action.type === 'xstate.cancel') {
      // A deadline that already fired is gone from the list: nothing to cancel.
      for (const deadline of this.deadlines) {
        if (deadline.id === params.sendId) {
          deadlines.remove(deadline);
          this.fired(deadline);
        }
      }
    } else {
      // Emitting a flight command (deferred through the scope), bound to it by XState.
      action.exec?.(action.info, action.params);
    }
  }

  /** Forgets a deadline that fired or was cancelled. */
  fired(deadline: Deadline<KeyEntry<V>>): void {
    this.deadlines = this.deadlines.filter((other) => other !== deadline);
  }
}

const noop = (): void => {};

/** The plain attempt, for hosts without tab sharing. */
export const plainAttempt = <V>(fetch: Parameters<FlightHost<V>['attempt']>[0], signal: AbortSignal) =>
  runFetch(fetch, signal).then((value) => ({ value }));
