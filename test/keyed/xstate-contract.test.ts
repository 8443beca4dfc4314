/**
 * The XState behaviour the keyed cache relies on beyond its typed API, each
 * named and pinned here (see src/keyed/xstateSeams.ts), and what happens when
 * it breaks: a loud failure (the registry goes to `error`, waiting callers
 * reject), never a hang.
 */
import { createActor } from 'xstate';
import type { ActorLogic, AnyActorScope, EventObject, ExecutableActionObject, Snapshot } from 'xstate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backgroundCacheMachine } from '../../src/index.js';
import { chartFor } from '../../src/machine/backgroundCacheMachine.js';
import { createChartScope, shareEmptyTags, STOP_EVENT_TYPE } from '../../src/keyed/xstateSeams.js';
import type { ChartEffects } from '../../src/keyed/xstateSeams.js';
import { flush } from '../helpers.js';
import { keyedSetup } from './helpers.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** An actor scope that records every action the chart's transition hands to `actionExecutor`. */
function recordingScope() {
  const actions: ExecutableActionObject[] = [];
  const deferred: (() => void)[] = [];
  const emitted: EventObject[] = [];
  const host = createActor(backgroundCacheMachine, { input: { ttl: 100, refreshWindow: 10 } });
  const scope: AnyActorScope = {
    self: host,
    id: 'contract',
    sessionId: 'contract',
    logger: () => {},
    system: host.system,
    stopChild: () => {},
    defer: (effect) => deferred.push(effect),
    emit: (event: EventObject) => emitted.push(event),
    actionExecutor: (action) => {
      actions.push(action);
      if (action.type !== 'xstate.raise' && action.type !== 'xstate.cancel') action.exec?.(action.info, action.params);
    },
  };
  return { actions, deferred, emitted, scope, initial: host.getSnapshot() };
}

describe('XState behaviour the keyed cache relies on', () => {
  it("a root actor delivers its stop to its logic's transition as an event of type 'xstate.stop', and shows the snapshot the logic returns", () => {
    const seen: string[] = [];
    const logic: ActorLogic<Snapshot<undefined>, EventObject> = {
      getInitialSnapshot: () => ({ status: 'active', output: undefined, error: undefined }),
      transition: (snapshot, event) => {
        seen.push(event.type);
        return event.type === STOP_EVENT_TYPE ? { status: 'stopped', output: undefined, error: undefined } : snapshot;
      },
      getPersistedSnapshot: (snapshot) => snapshot,
    };
    const actor = createActor(logic).start();
    actor.send({ type: 'ping' });
    actor.stop();
    expect(seen).toEqual(['ping', 'xstate.stop']);
    expect(STOP_EVENT_TYPE).toBe('xstate.stop');
    expect(actor.getSnapshot().status).toBe('stopped');
  });

  it("ActorLogic.transition of a machine runs a delayed raise (an `after`) as 'xstate.raise' with params event, id and a numeric delay, and its cancellation as 'xstate.cancel' with params sendId", () => {
    const { actions, scope, initial } = recordingScope();
    const seeded = backgroundCacheMachine.transition(initial, { type: 'seed', now: 0, value: 'v' }, scope);
    const raises = actions.filter((action) => action.type === 'xstate.raise');
    const params = raises.map((action) => action.params as { event: EventObject; id: string; delay: number });
    expect(params.map(({ event, id, delay }) => [event.type, typeof id, delay])).toEqual([
      [expect.stringContaining('expireAfter'), 'string', 100],
      [expect.stringContaining('refreshAfter'), 'string', 90],
    ]);
    actions.length = 0;
    backgroundCacheMachine.transition(seeded, { type: 'invalidate' }, scope);
    const cancels = actions.filter((action) => action.type === 'xstate.cancel').map((action) => action.params);
    expect(cancels).toEqual(
      expect.arrayContaining(raises.map((raise) => ({ sendId: (raise.params as { id: string }).id }))),
    );
  });

  it('ActorLogic.transition of a machine runs `emit` as an action whose exec defers actorScope.emit(event) through actorScope.defer', () => {
    const { deferred, emitted, scope, initial } = recordingScope();
    const fetch = () => 'v';
    backgroundCacheMachine.transition(initial, { type: 'get', now: 0, fetch }, scope);
    expect(emitted).toEqual([]);
    for (const effect of deferred) effect();
    expect(emitted).toEqual([expect.objectContaining({ type: 'flight.start', flight: 1, fetch })]);
  });

  it("a machine snapshot's tags is a Set derived from its state nodes: every transition builds its own, so a shared empty one changes nothing", () => {
    const { scope, initial } = recordingScope();
    const seeded = backgroundCacheMachine.transition(initial, { type: 'seed', now: 0, value: 'v' }, scope);
    const own = seeded.tags;
    expect(own).toEqual(new Set());
    shareEmptyTags(seeded);
    expect(seeded.tags).not.toBe(own);
    expect(seeded.hasTag('anything')).toBe(false);
    const next = backgroundCacheMachine.transition(seeded, { type: 'get', now: 95, fetch: () => 'w' }, scope);
    expect(next.tags).toBeInstanceOf(Set);
    expect(next.tags).not.toBe(seeded.tags);
    const tagged = { tags: new Set(['kept']) };
    shareEmptyTags(tagged);
    expect(tagged.tags).toEqual(new Set(['kept']));
  });
});

describe('when that behaviour breaks: loud, never a hang', () => {
  const effects = (): ChartEffects => ({ schedule: vi.fn(), cancel: vi.fn(), emit: vi.fn(), defer: vi.fn() });

  it('should throw, naming XState, for a delayed raise or a cancel of another shape', () => {
    const { scope: registry } = recordingScope();
    const scope = createChartScope(registry, effects());
    const action = (type: string, params: unknown) =>
      ({ type, params, info: {}, exec: undefined }) as unknown as ExecutableActionObject;
    expect(() => scope.actionExecutor(action('xstate.raise', { delay: 5 }))).toThrow(/XState's delayed raise changed/);
    expect(() => scope.actionExecutor(action('xstate.raise', { event: { type: 'x' }, id: 'x', delay: '5' }))).toThrow(
      /delayed raise/,
    );
    expect(() => scope.actionExecutor(action('xstate.cancel', {}))).toThrow(/XState's cancel changed/);
    // A raise with no delay was queued by XState itself; nothing to schedule.
    expect(() => scope.actionExecutor(action('xstate.raise', { event: { type: 'x' } }))).not.toThrow();
  });

  it("should put the registry in `error` when a key's step throws, reject every later get with that error, and still settle callers already waiting", async () => {
    const s = keyedSetup({ ttl: 10_000, refreshWindow: 4_000 });
    const waiting = s.cache.get('b');
    await Promise.resolve();
    const broken = new Error('XState changed');
    // The chart a cache without `fetchTimeout` runs.
    vi.spyOn(chartFor(undefined), 'transition').mockImplementation(() => {
      throw broken;
    });
    const first = s.cache.get('a');
    await expect(first).rejects.toBe(broken);
    expect(s.cache.actor.getSnapshot()).toMatchObject({ status: 'error', error: broken });
    await expect(s.cache.get('c')).rejects.toBe(broken);
    await expect(s.cache.refresh('c')).rejects.toBe(broken);
    // The key's flight was let go: its caller still gets the fetch's outcome.
    s.fetch.resolve('b', 'b1');
    expect(await waiting).toBe('b1');
    await flush();
    expect(s.cache.size).toBe(0);
  });
});
