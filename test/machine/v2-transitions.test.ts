/**
 * SPEC Part 2, "Rows added" and "Cases the rows leave open, decided": one
 * test per row, named after it, on the real cache with a clock the test
 * drives. Late timers for every new timed state are at the end.
 */
import { describe, expect, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import type { BackgroundCacheOptions } from '../../src/index.js';
import { controlledCache, flush, isSettled, ManualClock, stateOf } from '../helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const FRESH_FOR = TTL - WINDOW;

const setup = (options: Partial<BackgroundCacheOptions<string>> = {}) =>
  controlledCache({ ttl: TTL, refreshWindow: WINDOW, ...options });

/** A cache holding `v1` stored at time 0, now `age` ms old. */
function holding(age: number, options: Partial<BackgroundCacheOptions<string>> = {}) {
  const s = setup(options);
  s.cache.seed('v1');
  s.clock.advance(age);
  return s;
}

describe('SPEC v2 rows: seed with an age', () => {
  it('any + seed(v, { age }), age < ttl(v): current.fresh or current.stale as the age says, stored age ms ago; returns true', () => {
    const { cache, clock, state } = setup();
    clock.advance(50_000);
    expect(cache.seed('young', { age: FRESH_FOR - 1 })).toBe(true);
    expect(state()).toBe('current.fresh');
    expect(cache.actor.getSnapshot().context.storedAt).toBe(50_000 - (FRESH_FOR - 1));
    clock.advance(1);
    expect(state()).toBe('current.stale');
    expect(cache.seed('in window', { age: FRESH_FOR })).toBe(true);
    expect(state()).toBe('current.stale');
    clock.advance(WINDOW - 1);
    expect(cache.peek().value).toBe('in window');
    clock.advance(1);
    expect(state()).toBe('empty');
  });

  it('any + seed(v, { age }) supersedes a fetch in flight', async () => {
    const { cache, fetch, state } = setup();
    const waiting = cache.get();
    expect(cache.seed('seeded', { age: 1 })).toBe(true);
    expect(state()).toBe('current.fresh');
    fetch.resolve('superseded');
    expect(await waiting).toBe('superseded');
    expect(cache.tryGet()).toBe('seeded');
  });

  it('any + seed(v, { age }), age >= ttl(v): stays, nothing changes, returns false', () => {
    const { cache, state } = holding(1_000);
    expect(cache.seed('too old', { age: TTL })).toBe(false);
    expect(state()).toBe('current.fresh');
    expect(cache.tryGet()).toBe('v1');
    const lifetimes = setup({ ttl: (value) => value.length * 1_000, refreshWindow: 0 });
    expect(lifetimes.cache.seed('abc', { age: 3_000 })).toBe(false);
    expect(lifetimes.cache.seed('abcd', { age: 3_000 })).toBe(true);
  });

  it('seed checks age first (RangeError naming age), then the lifetime; after stop() it returns false', () => {
    const { cache } = setup({ ttl: () => Number.NaN });
    for (const age of [-1, Number.NaN, Infinity, '5' as unknown as number]) {
      expect(() => cache.seed('v', { age })).toThrow(/`age`/);
    }
    expect(() => cache.seed('v', { age: 1 })).toThrow(RangeError);
    expect(() => cache.seed('v', { age: 1 })).toThrow(/`ttl`/);
    cache.stop();
    expect(cache.seed('v')).toBe(false);
  });

  it('a seed that stores clears a remembered failure: it lands in current.fresh or current.stale', async () => {
    const { cache, fetch, state } = setup({ errorTtl: 5_000 });
    const failing = cache.get();
    fetch.reject(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    expect(state()).toBe('failed');
    cache.seed('back', { age: FRESH_FOR });
    expect(state()).toBe('current.stale');
    expect(cache.actor.getSnapshot().context.failedUntil).toBeUndefined();
  });
});

describe('SPEC v2 rows: refresh()', () => {
  it('empty + refresh(): refreshing.withoutPrevious, like get', async () => {
    const { cache, fetch, state } = setup();
    const refreshed = cache.refresh();
    expect(state()).toBe('refreshing.withoutPrevious');
    fetch.resolve('v1');
    expect(await refreshed).toBe('v1');
    expect(fetch.calls).toBe(1);
  });

  it('failed + refresh(): refreshing.withoutPrevious; the pending failed is left', async () => {
    const { cache, fetch, state } = setup({ errorTtl: 60_000 });
    void cache.get().catch(() => {});
    fetch.reject(new Error('down'));
    await flush();
    expect(state()).toBe('failed');
    const refreshed = cache.refresh();
    expect(state()).toBe('refreshing.withoutPrevious');
    fetch.resolve('v2');
    expect(await refreshed).toBe('v2');
    expect(state()).toBe('current.fresh');
  });

  it('current.* + refresh(): refreshing.withPrevious; the promise waits for the new value, readers get the previous', async () => {
    const { cache, fetch, state } = holding(1_000);
    const refreshed = cache.refresh();
    expect(state()).toBe('refreshing.withPrevious');
    expect(await cache.get()).toBe('v1');
    expect(await isSettled(refreshed)).toBe(false);
    fetch.resolve('v2');
    expect(await refreshed).toBe('v2');
    expect(fetch.calls).toBe(1);
  });

  it('refreshing.*, retrying.* + refresh(): stays, joins the fetch in flight', async () => {
    const { cache, fetch, clock, state } = setup({ retry: 1, retryDelay: 100 });
    const first = cache.get();
    const joined = cache.refresh();
    expect(state()).toBe('refreshing.withoutPrevious');
    fetch.reject(new Error('once'));
    await flush();
    expect(state()).toBe('retrying.withoutPrevious');
    const joinedWhileRetrying = cache.refresh();
    expect(state()).toBe('retrying.withoutPrevious');
    clock.advance(100);
    fetch.resolve('v1');
    expect(await Promise.all([first, joined, joinedWhileRetrying])).toEqual(['v1', 'v1', 'v1']);
    expect(fetch.calls).toBe(2);
  });

  it('refresh() always waits for the new value, also in refreshing.withPrevious', async () => {
    const { cache, fetch, state } = holding(FRESH_FOR + 1);
    expect(await cache.get()).toBe('v1');
    expect(state()).toBe('refreshing.withPrevious');
    const refreshed = cache.refresh();
    fetch.resolve('v2');
    expect(await refreshed).toBe('v2');
  });

  it('refresh() with no fetch option rejects with a TypeError naming fetch', async () => {
    const cache = createBackgroundCache<string>({ ttl: TTL, refreshWindow: WINDOW, clock: new ManualClock() });
    await expect(cache.refresh()).rejects.toThrow(TypeError);
    await expect(cache.refresh()).rejects.toThrow(/`fetch`/);
    await expect(cache.get()).rejects.toThrow(/`fetch`/);
  });
});

describe('SPEC v2 rows: timeouts and retries', () => {
  it('refreshing.* + fetchTimeout ms after the attempt started: a failure with a TimeoutError; its signal aborts with the same reason', async () => {
    const { cache, fetch, clock, state } = setup({ fetchTimeout: 500 });
    const waiting = cache.get();
    clock.advance(499);
    expect(await isSettled(waiting)).toBe(false);
    clock.advance(1);
    const reason = (await waiting.catch((error: unknown) => error)) as DOMException;
    expect(reason).toBeInstanceOf(DOMException);
    expect(reason.name).toBe('TimeoutError');
    expect(fetch.signals[0]!.aborted).toBe(true);
    expect(fetch.signals[0]!.reason).toBe(reason);
    expect(state()).toBe('empty');
    // A result that arrives later is ignored.
    fetch.resolve('late');
    await flush();
    expect(cache.tryGet()).toBeUndefined();
  });

  it('refreshing.withPrevious + the fetch fails (no retry left, errorTtl 0): current.fresh or current.stale as the previous value’s age says', async () => {
    const { cache, fetch, state } = holding(1_000);
    const refreshed = cache.refresh();
    fetch.reject(new Error('down'));
    await expect(refreshed).rejects.toThrow('down');
    expect(state()).toBe('current.fresh');
    expect(cache.tryGet()).toBe('v1');
    const stale = holding(FRESH_FOR + 1);
    await stale.cache.get();
    stale.fetch.reject(new Error('down'));
    await flush();
    expect(stale.state()).toBe('current.stale');
  });

  it('refreshing.X + an attempt fails, retry allows another: retrying.X; waiters keep waiting; the previous is still served', async () => {
    const without = setup({ retry: 2, retryDelay: 100 });
    const waiting = without.cache.get();
    without.fetch.reject(new Error('1'));
    await flush();
    expect(without.state()).toBe('retrying.withoutPrevious');
    expect(await isSettled(waiting)).toBe(false);

    const withPrevious = holding(FRESH_FOR + 1, { retry: 1, retryDelay: 100 });
    await withPrevious.cache.get();
    withPrevious.fetch.reject(new Error('1'));
    await flush();
    expect(withPrevious.state()).toBe('retrying.withPrevious');
    expect(await withPrevious.cache.get()).toBe('v1');
    expect(withPrevious.fetch.calls).toBe(1);
  });

  it('retrying.X + retryDelay(failureCount, reason) elapsed: refreshing.X; the fetch is called again with a new signal', async () => {
    const delays: [number, unknown][] = [];
    const reasons = [new Error('1'), new Error('2')];
    const { cache, fetch, clock, state } = setup({
      retry: 2,
      retryDelay: (failureCount, reason) => {
        delays.push([failureCount, reason]);
        return failureCount * 100;
      },
    });
    const waiting = cache.get();
    fetch.reject(reasons[0]);
    await flush();
    clock.advance(99);
    expect(state()).toBe('retrying.withoutPrevious');
    clock.advance(1);
    expect(state()).toBe('refreshing.withoutPrevious');
    expect(fetch.calls).toBe(2);
    expect(fetch.signals[1]).not.toBe(fetch.signals[0]);
    fetch.reject(reasons[1]);
    await flush();
    clock.advance(200);
    fetch.resolve('v1');
    expect(await waiting).toBe('v1');
    expect(delays).toEqual([
      [1, reasons[0]],
      [2, reasons[1]],
    ]);
  });

  it('retrying.withPrevious + previous’s age reaches ttl: retrying.withoutPrevious; later callers wait', async () => {
    const { cache, fetch, clock, state } = holding(TTL - 100, { retry: 1, retryDelay: 1_000 });
    await cache.get();
    fetch.reject(new Error('1'));
    await flush();
    expect(state()).toBe('retrying.withPrevious');
    clock.advance(100);
    expect(state()).toBe('retrying.withoutPrevious');
    const waiting = cache.get();
    expect(await isSettled(waiting)).toBe(false);
    clock.advance(900);
    fetch.resolve('v2');
    expect(await waiting).toBe('v2');
  });

  it('retry as a function allows one more attempt each time it returns true; one that throws allows none', async () => {
    const { cache, fetch, clock } = setup({ retry: (count) => count < 3, retryDelay: 0 });
    const waiting = cache.get();
    for (let i = 0; i < 3; i++) {
      fetch.reject(new Error(`attempt ${i + 1}`));
      await flush();
      clock.advance(0);
    }
    await expect(waiting).rejects.toThrow('attempt 3');
    expect(fetch.calls).toBe(3);
    const throwing = setup({
      retry: () => {
        throw new Error('policy bug');
      },
    });
    const failing = throwing.cache.get();
    throwing.fetch.reject(new Error('only'));
    await expect(failing).rejects.toThrow('only');
  });

  it('a retried flight is still one flight: no second fetch while retrying, however many readers', async () => {
    const { cache, fetch, clock } = setup({ retry: 1, retryDelay: 50 });
    const readers = Array.from({ length: 50 }, () => cache.get());
    fetch.reject(new Error('1'));
    await flush();
    readers.push(...Array.from({ length: 50 }, () => cache.get()));
    clock.advance(50);
    fetch.resolve('v1');
    expect(new Set(await Promise.all(readers))).toEqual(new Set(['v1']));
    expect(fetch.calls).toBe(2);
  });

  it('a flight superseded while waiting to retry makes no further attempt; its waiters reject with its last failure’s reason', async () => {
    const { cache, fetch, clock } = setup({ retry: 3, retryDelay: 100 });
    const waiting = cache.get();
    const reason = new Error('last');
    fetch.reject(reason);
    await flush();
    cache.invalidate();
    expect(await waiting.catch((error: unknown) => error)).toBe(reason);
    clock.advance(1_000);
    expect(fetch.calls).toBe(1);
  });

  it('a value whose computed lifetime breaks the rules is a failed attempt that retry may retry', async () => {
    const { cache, fetch, clock } = setup({ ttl: (value) => (value === 'bad' ? -1 : TTL), retry: 1, retryDelay: 10 });
    const waiting = cache.get();
    fetch.resolve('bad');
    await flush();
    expect(stateOf(cache.actor)).toBe('retrying.withoutPrevious');
    clock.advance(10);
    fetch.resolve('good');
    expect(await waiting).toBe('good');
  });
});

describe('SPEC v2 rows: errorTtl', () => {
  it('refreshing.withPrevious + the last attempt fails, errorTtl > 0: current.backingOff; reads serve it and start no refresh', async () => {
    const { cache, fetch, state } = holding(FRESH_FOR + 1, { errorTtl: 2_000 });
    await cache.get();
    fetch.reject(new Error('down'));
    await flush();
    expect(state()).toBe('current.backingOff');
    for (let i = 0; i < 20; i++) expect(await cache.get()).toBe('v1');
    expect(fetch.calls).toBe(1);
  });

  it('refreshing.withPrevious + the last attempt fails, errorTtl > 0, previous still fresh: current.fresh, then backingOff in its window', async () => {
    const { cache, fetch, clock, state } = holding(1_000, { errorTtl: 6_000 });
    const refreshed = cache.refresh();
    fetch.reject(new Error('down'));
    await expect(refreshed).rejects.toThrow('down');
    expect(state()).toBe('current.fresh');
    clock.advance(FRESH_FOR - 1_000);
    expect(state()).toBe('current.backingOff');
    expect(await cache.get()).toBe('v1');
    expect(fetch.calls).toBe(1);
  });

  it('current.backingOff + errorTtl ms after the failure: current.stale; the next read refreshes', async () => {
    const { cache, fetch, clock, state } = holding(FRESH_FOR + 1, { errorTtl: 2_000 });
    await cache.get();
    fetch.reject(new Error('down'));
    await flush();
    clock.advance(1_999);
    expect(state()).toBe('current.backingOff');
    clock.advance(1);
    expect(state()).toBe('current.stale');
    await cache.get();
    expect(fetch.calls).toBe(2);
    expect(state()).toBe('refreshing.withPrevious');
  });

  it('current.backingOff + age reaches ttl: failed until errorTtl ms after the failure, then empty', async () => {
    const { cache, fetch, clock, state } = holding(FRESH_FOR + 1, { errorTtl: 5_000 });
    await cache.get();
    const reason = new Error('down');
    fetch.reject(reason);
    await flush();
    // Failed at FRESH_FOR + 1; the value expires at TTL; the failure is remembered until FRESH_FOR + 1 + 5_000.
    clock.advance(TTL - (FRESH_FOR + 1));
    expect(state()).toBe('failed');
    expect(await cache.get().catch((error: unknown) => error)).toBe(reason);
    clock.advance(FRESH_FOR + 1 + 5_000 - TTL - 1);
    expect(state()).toBe('failed');
    clock.advance(1);
    expect(state()).toBe('empty');
    expect(fetch.calls).toBe(1);
  });

  it('refreshing.withoutPrevious + the last attempt fails, errorTtl > 0: failed; every waiter rejects with the same reason object', async () => {
    const { cache, fetch, state } = setup({ errorTtl: 1_000 });
    const waiters = [cache.get(), cache.get(), cache.get()];
    const reason = { code: 503 };
    fetch.reject(reason);
    const outcomes = await Promise.all(waiters.map((waiter) => waiter.catch((error: unknown) => error)));
    expect(outcomes).toEqual([reason, reason, reason]);
    for (const outcome of outcomes) expect(outcome).toBe(reason);
    expect(state()).toBe('failed');
  });

  it('failed + get: stays; rejects at once with that same reason object; no fetch', async () => {
    const { cache, fetch, state } = setup({ errorTtl: 1_000 });
    const reason = new Error('down');
    void cache.get().catch(() => {});
    fetch.reject(reason);
    await flush();
    for (let i = 0; i < 100; i++) expect(await cache.get().catch((error: unknown) => error)).toBe(reason);
    expect(fetch.calls).toBe(1);
    expect(state()).toBe('failed');
  });

  it('failed + errorTtl ms after the failure: empty', async () => {
    const { cache, fetch, clock, state } = setup({ errorTtl: 1_000 });
    void cache.get().catch(() => {});
    fetch.reject(new Error('down'));
    await flush();
    clock.advance(999);
    expect(state()).toBe('failed');
    clock.advance(1);
    expect(state()).toBe('empty');
  });

  it('failed + seed, invalidate, refresh(): as their rows', async () => {
    const fail = async (s: ReturnType<typeof setup>) => {
      void s.cache.get().catch(() => {});
      s.fetch.reject(new Error('down'));
      await flush();
      expect(s.state()).toBe('failed');
    };
    const seeded = setup({ errorTtl: 1_000 });
    await fail(seeded);
    seeded.cache.seed('v');
    expect(seeded.state()).toBe('current.fresh');
    const invalidated = setup({ errorTtl: 1_000 });
    await fail(invalidated);
    invalidated.cache.invalidate();
    expect(invalidated.state()).toBe('empty');
    void invalidated.cache.get();
    expect(invalidated.fetch.calls).toBe(2);
    const refreshed = setup({ errorTtl: 1_000 });
    await fail(refreshed);
    void refreshed.cache.refresh();
    expect(refreshed.state()).toBe('refreshing.withoutPrevious');
  });

  it('errorTtl counts from the flight’s final failure, after its retries; a failed refresh() starts it too', async () => {
    const { cache, fetch, clock, state } = setup({ retry: 1, retryDelay: 500, errorTtl: 1_000 });
    void cache.get().catch(() => {});
    fetch.reject(new Error('1'));
    await flush();
    clock.advance(500);
    fetch.reject(new Error('2'));
    await flush();
    expect(state()).toBe('failed');
    clock.advance(999);
    expect(state()).toBe('failed');
    clock.advance(1);
    expect(state()).toBe('empty');
    const refreshed = holding(1_000, { errorTtl: 3_000 });
    void refreshed.cache.refresh().catch(() => {});
    refreshed.fetch.reject(new Error('refresh failed'));
    await flush();
    expect(refreshed.cache.actor.getSnapshot().context.failedUntil).toBe(1_000 + 3_000);
  });
});

describe('SPEC v2 decided cases: get(x) and signals', () => {
  it('get(x) with x a non-null object and no second argument is get(options); null, numbers and strings reject with a TypeError', async () => {
    const { cache, fetch } = setup();
    const viaOptions = cache.get({});
    fetch.resolve('v1');
    expect(await viaOptions).toBe('v1');
    for (const bad of [null, 1, 'f']) {
      await expect(cache.get(bad as never)).rejects.toThrow(TypeError);
    }
  });

  it('a get whose signal is already aborted rejects with signal.reason whatever the state, and starts nothing', async () => {
    const { cache, fetch } = setup();
    const reason = new Error('gone');
    const signal = AbortSignal.abort(reason);
    expect(await cache.get({ signal }).catch((error: unknown) => error)).toBe(reason);
    expect(fetch.calls).toBe(0);
    cache.seed('fresh');
    expect(await cache.get(fetch, { signal }).catch((error: unknown) => error)).toBe(reason);
  });

  it('a signal that aborts after its caller settled changes nothing', async () => {
    const { cache, fetch } = setup();
    const controller = new AbortController();
    const waiting = cache.get({ signal: controller.signal });
    fetch.resolve('v1');
    expect(await waiting).toBe('v1');
    controller.abort();
    await flush();
    expect(cache.tryGet()).toBe('v1');
    expect(fetch.signals[0]!.aborted).toBe(false);
  });
});

describe('SPEC v2 late timers: a get acts as the row its age implies', () => {
  it('failed whose errorTtl has passed acts as empty: a new flight', async () => {
    const { cache, fetch, clock } = setup({ errorTtl: 1_000 });
    void cache.get().catch(() => {});
    fetch.reject(new Error('down'));
    await flush();
    clock.skip(1_000);
    const waiting = cache.get();
    expect(fetch.calls).toBe(2);
    fetch.resolve('v2');
    expect(await waiting).toBe('v2');
  });

  it('current.backingOff whose errorTtl has passed acts as current.stale: serves, starts the refresh', async () => {
    const { cache, fetch, clock, state } = holding(FRESH_FOR + 1, { errorTtl: 1_000 });
    await cache.get();
    fetch.reject(new Error('down'));
    await flush();
    clock.skip(1_000);
    expect(await cache.get()).toBe('v1');
    expect(state()).toBe('refreshing.withPrevious');
    expect(fetch.calls).toBe(2);
  });

  it('current.backingOff whose value has reached ttl, failure still remembered, acts as failed: rejects at once', async () => {
    const { cache, fetch, clock, state } = holding(FRESH_FOR + 1, { errorTtl: 10_000 });
    await cache.get();
    const reason = new Error('down');
    fetch.reject(reason);
    await flush();
    clock.skip(WINDOW);
    expect(await cache.get().catch((error: unknown) => error)).toBe(reason);
    expect(state()).toBe('failed');
    expect(fetch.calls).toBe(1);
  });

  it('current.fresh in its window with a failure remembered acts as current.backingOff: serves, no refresh', async () => {
    const { cache, fetch, clock, state } = holding(1_000, { errorTtl: 10_000 });
    void cache.refresh().catch(() => {});
    fetch.reject(new Error('down'));
    await flush();
    clock.skip(FRESH_FOR);
    expect(await cache.get()).toBe('v1');
    expect(fetch.calls).toBe(1);
    expect(state()).toBe('current.fresh');
  });

  it('retrying.withPrevious whose previous has reached ttl: the caller waits for the flight', async () => {
    const { cache, fetch, clock, state } = holding(FRESH_FOR + 1, { retry: 1, retryDelay: 10_000 });
    await cache.get();
    fetch.reject(new Error('1'));
    await flush();
    clock.skip(WINDOW);
    const waiting = cache.get();
    expect(state()).toBe('retrying.withoutPrevious');
    expect(await isSettled(waiting)).toBe(false);
  });
});
