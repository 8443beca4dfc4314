/**
 * The chart on its own: no adapter, just `createActor` with a clock and
 * events stamped with its time, as the inspector, diagrams and path
 * generation see it.
 */
import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { backgroundCacheMachine, FETCH_ACTOR_ID } from '../../src/index.js';
import { defer, flush, stateOf } from '../helpers.js';

const input = { ttl: 10_000, refreshWindow: 4_000 };

function start() {
  const clock = new SimulatedClock();
  const actor = createActor(backgroundCacheMachine, { input, clock }).start();
  return { clock, actor };
}

describe('backgroundCacheMachine on its own', () => {
  it('starts empty, with the times from its input', () => {
    const { actor } = start();
    expect(actor.getSnapshot().value).toBe('empty');
    expect(actor.getSnapshot().context).toEqual({ ...input, value: undefined, storedAt: undefined, error: undefined });
  });

  it('fetches on get, stamps the value with the clock that drives its timers, and moves by its delays', async () => {
    const { clock, actor } = start();
    const pending = defer<string>();
    actor.send({ type: 'get', now: clock.now(), fetch: () => pending.promise });
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    expect(actor.getSnapshot().children[FETCH_ACTOR_ID]).toBeDefined();
    clock.increment(1_500);
    pending.resolve('v1');
    await flush();
    expect(stateOf(actor)).toBe('current.fresh');
    expect(actor.getSnapshot().context).toMatchObject({ value: 'v1', storedAt: 1_500 });
    clock.increment(5_999);
    expect(stateOf(actor)).toBe('current.fresh');
    clock.increment(1);
    expect(stateOf(actor)).toBe('current.stale');
    clock.increment(4_000);
    expect(stateOf(actor)).toBe('empty');
  });

  it('drops the previous at its own ttl: entered 2 s into a 4 s window, it leaves 2 s later, not 4', () => {
    const { clock, actor } = start();
    actor.send({ type: 'seed', now: clock.now(), value: 'v1' });
    clock.increment(6_000 + 2_000);
    actor.send({ type: 'get', now: clock.now(), fetch: () => new Promise<never>(() => {}) });
    expect(stateOf(actor)).toBe('refreshing.withPrevious');
    clock.increment(1_999);
    expect(stateOf(actor)).toBe('refreshing.withPrevious');
    clock.increment(1);
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    expect(actor.getSnapshot().context.storedAt).toBeUndefined();
  });

  it('judges a get by the time it carries, whatever the timers did (late timers)', () => {
    const { actor } = start();
    actor.send({ type: 'seed', now: 0, value: 'v1' });
    actor.send({ type: 'get', now: 7_000, fetch: () => new Promise<never>(() => {}) });
    expect(stateOf(actor)).toBe('refreshing.withPrevious');
    actor.send({ type: 'get', now: 10_000, fetch: () => 'unused' });
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
  });

  it('keeps the previous with its timestamp when a refresh fails, and the reason in context', async () => {
    const { clock, actor } = start();
    actor.send({ type: 'seed', now: clock.now(), value: 'v1' });
    clock.increment(7_000);
    const reason = new Error('down');
    actor.send({ type: 'get', now: clock.now(), fetch: () => Promise.reject(reason) });
    await flush();
    expect(stateOf(actor)).toBe('current.stale');
    expect(actor.getSnapshot().context).toMatchObject({ value: 'v1', storedAt: 0, error: reason });
    clock.increment(2_999);
    expect(stateOf(actor)).toBe('current.stale');
    clock.increment(1);
    expect(stateOf(actor)).toBe('empty');
  });

  it('with a clock that has no now() (XState default), stamps a fetched value with the time of its get', async () => {
    const actor = createActor(backgroundCacheMachine, { input }).start();
    actor.send({ type: 'get', now: 123, fetch: () => 'v' });
    await flush();
    expect(actor.getSnapshot().context).toMatchObject({ value: 'v', storedAt: 123 });
    actor.stop();
  });

  it('reports done and error events carrying the outcome and its time', async () => {
    const { clock, actor } = start();
    const events: unknown[] = [];
    const inspected = createActor(backgroundCacheMachine, {
      input,
      clock,
      inspect: (inspection) => {
        if (inspection.type === '@xstate.event' && inspection.event.type.startsWith('xstate.')) {
          events.push(inspection.event);
        }
      },
    }).start();
    inspected.send({ type: 'get', now: clock.now(), fetch: () => 'ok' });
    await flush();
    inspected.send({ type: 'invalidate' });
    const reason = new Error('no');
    inspected.send({ type: 'get', now: clock.now(), fetch: () => Promise.reject(reason) });
    await flush();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'xstate.done.actor.fetch', output: { value: 'ok', fetchedAt: 0 } }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'xstate.error.actor.fetch', error: { reason, fetchedAt: 0 } }),
    );
    actor.stop();
  });
});
