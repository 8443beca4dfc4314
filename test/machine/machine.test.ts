/**
 * The chart on its own: no adapter, just `createActor` with a clock and
 * events stamped with its time, as the inspector, diagrams and path
 * generation see it. The chart runs no fetch itself: it emits flight
 * commands and takes each attempt's outcome as `fetch.done` / `fetch.error`.
 */
import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { backgroundCacheMachine } from '../../src/index.js';
import type { BackgroundCacheInput, FlightCommand } from '../../src/index.js';
import { stateOf } from '../helpers.js';

const input = { ttl: 10_000, refreshWindow: 4_000 };
const never = () => new Promise<never>(() => {});

function start(options: BackgroundCacheInput = input) {
  const clock = new SimulatedClock();
  const actor = createActor(backgroundCacheMachine, { input: options, clock });
  const commands: FlightCommand[] = [];
  for (const type of [
    'flight.start',
    'flight.retry',
    'flight.timeout',
    'flight.done',
    'flight.fail',
    'flight.release',
  ] as const) {
    actor.on(type, (command) => commands.push(command));
  }
  actor.start();
  return { clock, actor, commands };
}

describe('backgroundCacheMachine on its own', () => {
  it('starts empty, with the times and policy from its input', () => {
    const { actor } = start();
    expect(actor.getSnapshot().value).toBe('empty');
    expect(actor.getSnapshot().context).toMatchObject({
      ...input,
      value: undefined,
      storedAt: undefined,
      error: undefined,
    });
    expect(actor.getSnapshot().context.flight).toBe(0);
  });

  it('asks for a flight on get, stores its outcome as of the event, and moves by its delays', () => {
    const { clock, actor, commands } = start();
    const fetch = never;
    const get = { type: 'get', now: clock.now(), fetch } as const;
    actor.send(get);
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    expect(commands).toEqual([{ type: 'flight.start', flight: 1, fetch, request: get }]);
    clock.increment(1_500);
    actor.send({ type: 'fetch.done', flight: 1, now: clock.now(), value: 'v1' });
    expect(stateOf(actor)).toBe('current.fresh');
    expect(actor.getSnapshot().context).toMatchObject({ value: 'v1', storedAt: 1_500 });
    clock.increment(5_999);
    expect(stateOf(actor)).toBe('current.fresh');
    clock.increment(1);
    expect(stateOf(actor)).toBe('current.stale');
    clock.increment(4_000);
    expect(stateOf(actor)).toBe('empty');
  });

  it('ignores the outcome of a flight it no longer owns, and says when it lets one go', () => {
    const { clock, actor, commands } = start();
    actor.send({ type: 'get', now: clock.now(), fetch: never });
    actor.send({ type: 'invalidate' });
    expect(commands.at(-1)).toEqual({ type: 'flight.release', flight: 1 });
    actor.send({ type: 'get', now: clock.now(), fetch: never });
    actor.send({ type: 'fetch.done', flight: 1, now: clock.now(), value: 'stale news' });
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    actor.send({ type: 'fetch.error', flight: 1, now: clock.now(), reason: new Error('old') });
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    actor.send({ type: 'fetch.done', flight: 2, now: clock.now(), value: 'v2' });
    expect(actor.getSnapshot().context.value).toBe('v2');
  });

  it('drops the previous at its own ttl: entered 2 s into a 4 s window, it leaves 2 s later, not 4', () => {
    const { clock, actor } = start();
    actor.send({ type: 'seed', now: clock.now(), value: 'v1' });
    clock.increment(6_000 + 2_000);
    actor.send({ type: 'get', now: clock.now(), fetch: never });
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
    actor.send({ type: 'get', now: 7_000, fetch: never });
    expect(stateOf(actor)).toBe('refreshing.withPrevious');
    actor.send({ type: 'get', now: 10_000, fetch: () => 'unused' });
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
  });

  it('keeps the previous with its timestamp when a refresh fails, and the reason in context', () => {
    const { clock, actor, commands } = start();
    actor.send({ type: 'seed', now: clock.now(), value: 'v1' });
    clock.increment(7_000);
    const reason = new Error('down');
    actor.send({ type: 'get', now: clock.now(), fetch: never });
    actor.send({ type: 'fetch.error', flight: 1, now: clock.now(), reason });
    expect(commands.at(-1)).toEqual({ type: 'flight.fail', flight: 1, reason });
    expect(stateOf(actor)).toBe('current.stale');
    expect(actor.getSnapshot().context).toMatchObject({ value: 'v1', storedAt: 0, error: reason });
    clock.increment(2_999);
    expect(stateOf(actor)).toBe('current.stale');
    clock.increment(1);
    expect(stateOf(actor)).toBe('empty');
  });

  it('stores a value with the age it carries (seed with an age, a value adopted from another tab)', () => {
    const { clock, actor } = start();
    clock.increment(50_000);
    actor.send({ type: 'seed', now: clock.now(), value: 'old', storedAt: clock.now() - 7_000 });
    expect(stateOf(actor)).toBe('current.stale');
    clock.increment(2_999);
    expect(stateOf(actor)).toBe('current.stale');
    clock.increment(1);
    expect(stateOf(actor)).toBe('empty');
    actor.send({ type: 'seed', now: clock.now(), value: 'too old', storedAt: clock.now() - 10_000 });
    expect(stateOf(actor)).toBe('empty');
  });

  it('times an attempt out, retries after its delay, and fails for good with the timeout as reason', () => {
    const { clock, actor, commands } = start({ ...input, fetchTimeout: 500, retry: 1, retryDelay: 200 });
    actor.send({ type: 'get', now: clock.now(), fetch: never });
    clock.increment(500);
    expect(stateOf(actor)).toBe('retrying.withoutPrevious');
    const timeout = commands.find((command) => command.type === 'flight.timeout') as { reason: DOMException };
    expect(timeout.reason.name).toBe('TimeoutError');
    clock.increment(200);
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    expect(commands.at(-1)).toEqual({ type: 'flight.retry', flight: 1 });
    clock.increment(500);
    expect(stateOf(actor)).toBe('empty');
    expect(commands.at(-1)).toMatchObject({ type: 'flight.fail', flight: 1 });
  });
});
