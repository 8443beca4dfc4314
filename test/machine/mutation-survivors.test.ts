/**
 * Behaviours of the chart and its flights that mutation testing
 * (`npm run test:mutation`) found no test watching: each test kills one or
 * more surviving mutants of src/machine. Named after the behaviour, not the
 * mutant.
 */
import { describe, expect, it, vi } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { backgroundCacheMachine } from '../../src/index.js';
import { FlightRunner } from '../../src/machine/flights.js';
import type { AttemptResult } from '../../src/machine/flights.js';
import type { BackgroundCacheInput, BackgroundCacheOptions } from '../../src/index.js';
import { controlledCache, defer, flush, isSettled, stateOf } from '../helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const FRESH_FOR = TTL - WINDOW;

const setup = (options: Partial<BackgroundCacheOptions<string>> = {}) =>
  controlledCache({ ttl: TTL, refreshWindow: WINDOW, ...options });

/** Fails the attempt in flight, then returns after how many ms the next attempt started. */
async function delayBeforeNextAttempt(
  s: ReturnType<typeof setup>,
  reason: unknown = new Error('down'),
): Promise<number> {
  const calls = s.fetch.calls;
  s.fetch.reject(reason);
  await flush();
  let waited = 0;
  while (s.fetch.calls === calls) {
    if (waited > 60_000) throw new Error('no retry within a minute');
    s.clock.advance(1);
    waited++;
  }
  return waited;
}

describe('the default retryDelay', () => {
  it('should wait 1 s after the first failure, doubling per failure, at most 30 s', async () => {
    const s = setup({ retry: 7 });
    void s.cache.get().catch(() => {});
    const delays = [];
    for (let i = 0; i < 7; i++) delays.push(await delayBeforeNextAttempt(s));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('should stand in for a retryDelay function that answers a delay that is not a finite number >= 0', async () => {
    const answers = [-1, Number.NaN, Infinity, -Infinity];
    const s = setup({ retry: answers.length, retryDelay: (failureCount) => answers[failureCount - 1]! });
    void s.cache.get().catch(() => {});
    const delays = [];
    for (let i = 0; i < answers.length; i++) delays.push(await delayBeforeNextAttempt(s));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
  });
});

/** Every state a subscriber of the cache's actor is shown, in order, repeats dropped. */
function statesShown(s: ReturnType<typeof setup>): string[] {
  const shown: string[] = [];
  s.cache.actor.subscribe(() => {
    const state = s.state();
    if (shown.at(-1) !== state) shown.push(state);
  });
  return shown;
}

/** A cache holding `v1` stored at 0 whose refresh at `failedAt` failed, remembered for `errorTtl`. */
async function refreshFailedAt(failedAt: number, errorTtl: number) {
  const s = setup({ errorTtl });
  s.cache.seed('v1');
  s.clock.advance(failedAt);
  const failing = s.cache.refresh();
  s.fetch.reject(new Error('down'));
  await expect(failing).rejects.toThrow('down');
  return s;
}

describe('a failure remembered while the value is still fresh', () => {
  it('should show subscribers current.stale at the window when the failure is over by then, never backingOff', async () => {
    // Failed at 1 s, remembered for 5 s: over at 6 s, as the window opens.
    const over = await refreshFailedAt(1_000, 5_000);
    const shown = statesShown(over);
    over.clock.advance(FRESH_FOR - 1_000);
    expect(shown).toEqual(['current.stale']);
  });

  it('should hold backingOff from the window until the failure is over', async () => {
    // Failed at 1 s, remembered for 6 s: over at 7 s, one second into the window.
    const remembered = await refreshFailedAt(1_000, 6_000);
    remembered.clock.advance(FRESH_FOR - 1_000);
    expect(remembered.state()).toBe('current.backingOff');
    remembered.clock.advance(999);
    expect(remembered.state()).toBe('current.backingOff');
    remembered.clock.advance(1);
    expect(remembered.state()).toBe('current.stale');
  });
});

describe('a failure remembered until the value expires', () => {
  it('should show subscribers empty at the expiry when the failure is over by then, never failed', async () => {
    // Failed at 7 s, remembered for 3 s: over at 10 s, as the value expires.
    const atExpiry = await refreshFailedAt(7_000, 3_000);
    const shown = statesShown(atExpiry);
    atExpiry.clock.advance(TTL - 7_000);
    expect(shown).toEqual(['empty']);
    // Over at 1 s, long before.
    const before = await refreshFailedAt(1_000, 1_000);
    const shownBefore = statesShown(before);
    before.clock.advance(TTL - 1_000);
    expect(shownBefore).toEqual(['current.stale', 'empty']);
  });

  it('should fail at the expiry when the failure outlasts the value', async () => {
    const outlasting = await refreshFailedAt(7_000, 3_001);
    outlasting.clock.advance(TTL - 7_000);
    expect(outlasting.state()).toBe('failed');
    outlasting.clock.advance(1);
    expect(outlasting.state()).toBe('empty');
  });
});

describe('a retried refresh of a value still held', () => {
  it('should serve the previous value at once during the next attempt', async () => {
    const { cache, clock, fetch, state } = setup({ retry: 1, retryDelay: 100 });
    cache.seed('v1');
    clock.advance(FRESH_FOR);
    expect(await cache.get()).toBe('v1');
    fetch.reject(new Error('down'));
    await flush();
    clock.advance(100);
    expect(fetch.calls).toBe(2);
    expect(state()).toBe('refreshing.withPrevious');
    expect(await isSettled(cache.get())).toBe(true);
  });
});

describe('fetchTimeout', () => {
  it('should count from the start of each attempt, retries included', async () => {
    const { cache, clock, fetch } = setup({ fetchTimeout: 1_000, retry: 1, retryDelay: 500 });
    const waiting = cache.get();
    clock.advance(1_000);
    // The first attempt timed out at 1 s; the second starts at 1.5 s and has its own second.
    clock.advance(500);
    expect(fetch.calls).toBe(2);
    clock.advance(999);
    expect(fetch.signals[1]!.aborted).toBe(false);
    clock.advance(1);
    expect(fetch.signals[1]!.aborted).toBe(true);
    await expect(waiting).rejects.toThrow(/fetchTimeout \(1000 ms\)/);
  });

  it('should remember a timed-out flight’s failure for errorTtl from the moment it timed out', async () => {
    const { cache, clock, fetch, state } = setup({ fetchTimeout: 1_000, errorTtl: 5_000 });
    const waiting = cache.get();
    clock.advance(1_000);
    await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(state()).toBe('failed');
    clock.advance(4_999);
    // Still remembered: a read rejects at once with the same TimeoutError and fetches nothing.
    await expect(cache.get()).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(fetch.calls).toBe(1);
    clock.advance(1);
    expect(state()).toBe('empty');
  });
});

describe('a flight that settles in the turn it is superseded', () => {
  it('should not abort the signal of a fetch that has already answered', async () => {
    const answer = defer<AttemptResult<string>>();
    const signals: AbortSignal[] = [];
    const flights = new FlightRunner<string>({
      report: () => {},
      now: () => 0,
      attempt: (_fetch, signal) => {
        signals.push(signal);
        return answer.promise;
      },
      lifetime: () => undefined,
    });
    flights.command({ type: 'flight.start', flight: 1, fetch: () => 'unused', request: { type: 'get' } as never });
    const flight = flights.current!;
    // The fetch answers, and the chart lets go of the flight before the answer is handled.
    answer.resolve({ value: 'v1' });
    flights.release();
    expect(await flight.promise).toBe('v1');
    await flush();
    expect(signals[0]!.aborted).toBe(false);
  });
});

describe('a caller that can leave', () => {
  it('should stop listening to its signal once it has its value', async () => {
    const { cache, fetch } = setup();
    const signal = new AbortController().signal;
    const removed = vi.spyOn(signal, 'removeEventListener');
    const waiting = cache.get({ signal });
    fetch.resolve('v1');
    expect(await waiting).toBe('v1');
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
  });
});

describe('the errors the cache makes', () => {
  it('should say why: a superseded fetch nobody waits for, a seed with a bad age', async () => {
    const { cache, fetch } = setup();
    const controller = new AbortController();
    const leaving = cache.get({ signal: controller.signal });
    cache.invalidate();
    controller.abort();
    await expect(leaving).rejects.toThrow();
    expect((fetch.signals[0]!.reason as DOMException).message).toMatch(/no longer needs/);
    expect(() => cache.seed('v', { age: -1 })).toThrow('Expected `age` to be a finite number >= 0, got -1');
  });
});

describe('an attempt that timed out', () => {
  it('should have its late answer ignored while the retry is in flight', async () => {
    const { cache, clock, fetch, state } = setup({ fetchTimeout: 1_000, retry: 1, retryDelay: 0 });
    const waiting = cache.get();
    clock.advance(1_000);
    await flush();
    expect(fetch.calls).toBe(2);
    fetch.resolve('late answer of the first attempt');
    await flush();
    expect(state()).toBe('refreshing.withoutPrevious');
    expect(await isSettled(waiting)).toBe(false);
    fetch.resolve('v2');
    expect(await waiting).toBe('v2');
  });

  it('should leave its waiters rejecting with the TimeoutError when the flight is superseded before the retry', async () => {
    const { cache, clock, fetch } = setup({ fetchTimeout: 1_000, retry: 1, retryDelay: 5_000 });
    const waiting = cache.get();
    clock.advance(1_000);
    cache.invalidate();
    await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' });
    clock.advance(5_000);
    expect(fetch.calls).toBe(1);
  });
});

describe('a superseded flight that answers while a newer one is in flight', () => {
  it('should answer its own callers and leave the newer flight to later readers', async () => {
    const { cache, fetch } = setup();
    const first = cache.get();
    cache.invalidate();
    const second = cache.get();
    fetch.resolve('old');
    expect(await first).toBe('old');
    const third = cache.get();
    expect(fetch.calls).toBe(2);
    fetch.resolve('new');
    expect(await second).toBe('new');
    expect(await third).toBe('new');
    expect(cache.tryGet()).toBe('new');
  });
});

describe('the flight runner', () => {
  it('should ignore every command about a flight other than its own, and any command when it has none', async () => {
    const signals: AbortSignal[] = [];
    const flights = new FlightRunner<string>({
      report: () => {},
      now: () => 0,
      attempt: (_fetch, signal) => {
        signals.push(signal);
        return new Promise(() => {});
      },
      lifetime: () => undefined,
    });
    const others = [
      { type: 'flight.retry', flight: 2 },
      { type: 'flight.timeout', flight: 2, reason: new Error('timeout') },
      { type: 'flight.fail', flight: 2, reason: new Error('fail') },
      { type: 'flight.release', flight: 2 },
    ] as const;
    for (const command of others) expect(() => flights.command(command)).not.toThrow();
    flights.command({ type: 'flight.start', flight: 1, fetch: () => 'unused', request: { type: 'get' } as never });
    const flight = flights.current!;
    for (const command of others) flights.command(command);
    expect(flights.current).toBe(flight);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(false);
    expect(await isSettled(flight.promise)).toBe(false);
    flights.command({ type: 'flight.fail', flight: 1, reason: new Error('down') });
    await expect(flight.promise).rejects.toThrow('down');
    for (const command of [...others, { type: 'flight.timeout', flight: 1, reason: 'late' } as const]) {
      expect(() => flights.command(command)).not.toThrow();
    }
  });
});

describe('a flight nobody waited on while it flew', () => {
  it('should still hand its outcome to whoever asks after it settled, and settle only once', async () => {
    for (const ok of [true, false]) {
      const flights = new FlightRunner<string>({ report: () => {}, now: () => 0, lifetime: () => undefined });
      flights.command({
        type: 'flight.start',
        flight: 1,
        fetch: () => new Promise(() => {}),
        request: { type: 'get' } as never,
      });
      const flight = flights.current!;
      // A background refresh: its outcome comes before anyone asks for its promise.
      flights.command(
        ok ? { type: 'flight.done', flight: 1, value: 'v1' } : { type: 'flight.fail', flight: 1, reason: 'down' },
      );
      flight.settle(!ok, 'second');
      if (ok) await expect(flight.promise).resolves.toBe('v1');
      else await expect(flight.promise).rejects.toBe('down');
      expect(flight.promise).toBe(flight.promise);
    }
  });
});

describe('a result that arrives once its attempt’s time is up', () => {
  it('should take an answer that comes in the very millisecond its timeout is due', async () => {
    const { cache, clock, fetch } = setup({ fetchTimeout: 1_000 });
    const waiting = cache.get();
    clock.skip(1_000);
    fetch.resolve('just in time');
    await expect(waiting).resolves.toBe('just in time');
  });

  it('should time the attempt out even when the timeout timer is late, from the millisecond after its time', async () => {
    // An answer in the very millisecond the timeout is due still counts, as it would before the timer fires.
    for (const late of [1_001, 1_500]) {
      const { cache, clock, fetch, state } = setup({ fetchTimeout: 1_000 });
      const waiting = cache.get();
      // The timer has not fired (a background tab); the answer comes `late` ms after the attempt started.
      clock.skip(late);
      fetch.resolve('too late');
      await expect(waiting).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(state()).toBe('empty');
      expect(cache.tryGet()).toBeUndefined();
    }
  });
});

describe('the chart alone, on a clock it is not given', () => {
  /** The bare chart with a SimulatedClock (no `now` input): delayed events stand for the moment they were due. */
  function bare(policy: Partial<BackgroundCacheInput> = {}) {
    const clock = new SimulatedClock();
    const actor = createActor(backgroundCacheMachine, {
      input: { ttl: TTL, refreshWindow: WINDOW, ...policy },
      clock,
    });
    actor.on('*', () => {});
    actor.start();
    return { clock, actor, now: () => clock.now() };
  }

  it('should time a retried attempt out fetchTimeout after the retry', () => {
    const { clock, actor, now } = bare({ fetchTimeout: 500, retry: 1, retryDelay: 200 });
    actor.send({ type: 'get', now: now(), fetch: () => new Promise(() => {}) });
    clock.increment(500);
    clock.increment(200);
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    clock.increment(499);
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    clock.increment(1);
    expect(stateOf(actor)).toBe('empty');
  });

  it('should stay failed on a read while the failure is remembered, and fetch on one once it is over', () => {
    const { clock, actor, now } = bare({ errorTtl: 1_000 });
    const fetches: unknown[] = [];
    actor.on('flight.start', (command) => fetches.push(command));
    actor.send({ type: 'get', now: now(), fetch: () => new Promise(() => {}) });
    actor.send({ type: 'fetch.error', flight: 1, now: now(), reason: new Error('down') });
    expect(stateOf(actor)).toBe('failed');
    clock.increment(999);
    actor.send({ type: 'get', now: now(), fetch: () => new Promise(() => {}) });
    expect(stateOf(actor)).toBe('failed');
    expect(fetches).toHaveLength(1);
    // A late errorTtl timer: the read itself sees the failure is over.
    actor.send({ type: 'get', now: now() + 1, fetch: () => new Promise(() => {}) });
    expect(stateOf(actor)).toBe('refreshing.withoutPrevious');
    expect(fetches).toHaveLength(2);
  });

  it('should keep a failure that outlasts the value until it is over, counted from the expiry', () => {
    const { clock, actor, now } = bare({ errorTtl: 3_000 });
    actor.send({ type: 'seed', now: now(), value: 'v1' });
    clock.increment(8_000);
    actor.send({ type: 'get', now: now(), fetch: () => new Promise(() => {}) });
    actor.send({ type: 'fetch.error', flight: 1, now: now(), reason: new Error('down') });
    expect(stateOf(actor)).toBe('current.backingOff');
    clock.increment(TTL - 8_000);
    expect(stateOf(actor)).toBe('failed');
    clock.increment(999);
    expect(stateOf(actor)).toBe('failed');
    clock.increment(1);
    expect(stateOf(actor)).toBe('empty');
  });
});

describe('outcomes the chart cannot take', () => {
  /** A runner whose chart throws `broken` on every report, and whose attempts answer `outcome`. */
  function brokenChart(outcome: { ok: boolean; value: unknown }) {
    const broken = new Error('the chart threw');
    const thrown: unknown[] = [];
    const flights = new FlightRunner<string>({
      report: () => {
        throw broken;
      },
      now: () => 0,
      // What the runner's outcome handler throws is caught here, where a promise would lose it.
      attempt: () =>
        ({
          then: (done: (result: unknown) => void, failed: (error: unknown) => void) => {
            queueMicrotask(() => {
              try {
                if (outcome.ok) done({ value: outcome.value });
                else failed(outcome.value);
              } catch (error) {
                thrown.push(error);
              }
            });
          },
        }) as never,
      lifetime: () => undefined,
    });
    flights.command({ type: 'flight.start', flight: 1, fetch: () => 'unused', request: { type: 'get' } as never });
    return { broken, thrown, waiting: flights.current!.join() };
  }

  it('should still resolve the waiters of a fetch that answered, and throw the chart’s error on', async () => {
    const { broken, thrown, waiting } = brokenChart({ ok: true, value: 'v1' });
    expect(await waiting).toBe('v1');
    expect(thrown).toEqual([broken]);
  });

  it('should still reject the waiters of a fetch that failed with its reason, and throw the chart’s error on', async () => {
    const reason = new Error('down');
    const { broken, thrown, waiting } = brokenChart({ ok: false, value: reason });
    await expect(waiting).rejects.toBe(reason);
    expect(thrown).toEqual([broken]);
  });
});

describe('more about callers and attempts', () => {
  it('should give a caller that could leave, and stayed, the fetch’s failure, and stop listening to its signal', async () => {
    const { cache, fetch } = setup();
    const signal = new AbortController().signal;
    const removed = vi.spyOn(signal, 'removeEventListener');
    const waiting = cache.get({ signal });
    const reason = new Error('down');
    fetch.reject(reason);
    await expect(waiting).rejects.toBe(reason);
    // And it stops listening to its signal.
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('should ignore the late failure of a timed-out attempt while its retry is in flight', async () => {
    const { cache, clock, fetch, state } = setup({ fetchTimeout: 1_000, retry: 1, retryDelay: 0 });
    const waiting = cache.get();
    clock.advance(1_000);
    await flush();
    expect(fetch.calls).toBe(2);
    fetch.reject(new Error('late failure of the first attempt'));
    await flush();
    expect(state()).toBe('refreshing.withoutPrevious');
    fetch.resolve('v2');
    expect(await waiting).toBe('v2');
  });

  it('should fall back to the default delay when retryDelay throws', async () => {
    const s = setup({
      retry: 1,
      retryDelay: () => {
        throw new Error('policy bug');
      },
    });
    void s.cache.get().catch(() => {});
    expect(await delayBeforeNextAttempt(s)).toBe(1_000);
  });

  it('should remember no failure with errorTtl 0: the context holds no failedUntil', async () => {
    const { cache, fetch } = setup({ errorTtl: 0 });
    const failing = cache.get();
    fetch.reject(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    expect(cache.actor.getSnapshot().context.failedUntil).toBeUndefined();
  });
});

describe('a superseded flight that callers still wait on', () => {
  it('should keep its fetchTimeout: its callers reject with the TimeoutError on time, and its signal aborts', async () => {
    const { cache, clock, fetch } = setup({ fetchTimeout: 1_000 });
    const waiting = cache.get();
    clock.advance(400);
    cache.invalidate();
    clock.advance(599);
    expect(await isSettled(waiting)).toBe(false);
    clock.advance(1);
    await expect(waiting).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'The fetch did not settle within fetchTimeout (1000 ms)',
    });
    expect(fetch.signals[0]!.aborted).toBe(true);
  });

  it('should arm no timer for a superseded flight nobody waits on: it is aborted', async () => {
    let fire!: () => void;
    const { cache, clock, fetch } = setup({
      fetchTimeout: 1_000,
      refreshOn: [{ subscribe: (trigger) => ((fire = trigger), () => {}) }],
    });
    fire();
    clock.advance(400);
    cache.invalidate();
    await flush();
    expect(fetch.signals[0]!.aborted).toBe(true);
    expect(clock.pendingDelays).toEqual([]);
  });

  it('should leave no timer behind once its fetch answers in time', async () => {
    const { cache, clock, fetch } = setup({ fetchTimeout: 1_000 });
    const waiting = cache.get();
    clock.advance(400);
    cache.invalidate();
    fetch.resolve('v1');
    expect(await waiting).toBe('v1');
    expect(clock.pendingDelays).toEqual([]);
  });
});
