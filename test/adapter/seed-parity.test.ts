/**
 * The fifteen tests of LanceDB's `BackgroundCache` (background_cache.rs),
 * translated one by one and named after the Rust tests. Rust's mock clock
 * becomes a `ManualClock`; where a Rust test relies on tokio not having run a
 * spawned task yet, the fetch is one the test settles itself. The four
 * poisoned-lock tests become a fetch that throws synchronously, one that
 * rejects with a non-Error, and fetches and observers that re-enter the cache.
 */
import { describe, expect, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import type { BackgroundCache } from '../../src/index.js';
import { controlledFetch, countingFetch, flush, ManualClock } from '../helpers.js';

const TTL = 30_000;
const REFRESH_WINDOW = 5_000;

function newCache(): { cache: BackgroundCache<string>; clock: ManualClock } {
  const clock = new ManualClock();
  return { cache: createBackgroundCache<string>({ ttl: TTL, refreshWindow: REFRESH_WINDOW, clock }), clock };
}

/** A fetch counting into a shared counter, like the Rust `ok_fetcher`. */
function okFetcher(count: { n: number }, value: string) {
  return async (): Promise<string> => {
    count.n++;
    return value;
  };
}

/** Like the Rust `err_fetcher`. */
function errFetcher(count: { n: number }, message: string) {
  return async (): Promise<string> => {
    count.n++;
    throw new Error(message);
  };
}

describe('seed parity: background_cache.rs', () => {
  it('test_basic_caching', async () => {
    const { cache } = newCache();
    const count = { n: 0 };
    expect(await cache.get(okFetcher(count, 'hello'))).toBe('hello');
    expect(count.n).toBe(1);
    expect(await cache.get(okFetcher(count, 'hello'))).toBe('hello');
    expect(count.n).toBe(1);
    expect(await cache.get(okFetcher(count, 'hello'))).toBe('hello');
    expect(count.n).toBe(1);
  });

  it('test_try_get_returns_none_when_empty', () => {
    const { cache } = newCache();
    expect(cache.tryGet()).toBeUndefined();
  });

  it('test_try_get_returns_value_when_fresh', async () => {
    const { cache } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'hello'));
    await cache.get(okFetcher(count, 'hello'));
    expect(cache.tryGet()).toBe('hello');
  });

  it('test_try_get_returns_none_in_refresh_window', async () => {
    const { cache, clock } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'hello'));
    await cache.get(okFetcher(count, 'hello'));
    clock.advance(26_000);
    expect(cache.tryGet()).toBeUndefined();
  });

  it('test_ttl_expiration', async () => {
    const { cache, clock } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'v1'));
    await cache.get(okFetcher(count, 'v1'));
    expect(count.n).toBe(1);
    clock.advance(31_000);
    expect(await cache.get(okFetcher(count, 'v2'))).toBe('v2');
    expect(count.n).toBe(2);
  });

  it('test_invalidate_forces_refetch', async () => {
    const { cache } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'v1'));
    await cache.get(okFetcher(count, 'v1'));
    expect(count.n).toBe(1);
    cache.invalidate();
    expect(await cache.get(okFetcher(count, 'v2'))).toBe('v2');
    expect(count.n).toBe(2);
  });

  it('test_concurrent_get_single_fetch', async () => {
    const { cache } = newCache();
    const count = { n: 0 };
    const results = await Promise.all(Array.from({ length: 10 }, () => cache.get(okFetcher(count, 'hello'))));
    expect(results).toEqual(Array(10).fill('hello'));
    expect(count.n).toBe(1);
  });

  it('test_background_refresh_in_window', async () => {
    const { cache, clock } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'v1'));
    await cache.get(okFetcher(count, 'v1'));
    expect(count.n).toBe(1);
    clock.advance(26_000);
    // The Rust test reads the count before tokio runs the spawned fetch; a
    // fetch the test settles itself keeps the refresh in flight instead.
    const refresh = controlledFetch<string>();
    expect(await cache.get(refresh)).toBe('v1');
    expect(refresh.calls).toBe(1);
    // Past the old value's ttl (without timers firing, as with Rust's mock
    // clock), readers wait on the refresh in flight.
    clock.skip(30_000);
    const waiting = cache.get(okFetcher(count, 'v3'));
    refresh.resolve('v2');
    expect(await waiting).toBe('v2');
    expect(count.n + refresh.calls).toBe(2);
  });

  it('test_no_duplicate_background_refreshes', async () => {
    const { cache, clock } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'v1'));
    await cache.get(okFetcher(count, 'v1'));
    expect(count.n).toBe(1);
    clock.advance(26_000);
    const refresh = controlledFetch<string>();
    for (let i = 0; i < 5; i++) expect(await cache.get(refresh)).toBe('v1');
    clock.skip(30_000);
    const waiting = cache.get(okFetcher(count, 'v3'));
    refresh.resolve('v2');
    await waiting;
    // Only one additional fetch: the background refresh.
    expect(count.n + refresh.calls).toBe(2);
  });

  it('test_background_refresh_error_preserves_cache', async () => {
    const { cache, clock } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'v1'));
    await cache.get(okFetcher(count, 'v1'));
    expect(count.n).toBe(1);
    clock.advance(26_000);
    // Start a background refresh that will fail; the caller gets v1 at once.
    const failing = controlledFetch<string>();
    expect(await cache.get(failing)).toBe('v1');
    // Still in the window, the previous value is served; no second fetch.
    expect(await cache.get(errFetcher(count, 'fail'))).toBe('v1');
    expect(count.n + failing.calls).toBe(2);
    // The refresh fails: nothing is thrown, the previous value is kept.
    failing.reject(new Error('fail'));
    await flush();
    expect(cache.actor.getSnapshot().value).toEqual({ current: 'stale' });
    // Past the ttl the previous is gone, so a new fetch is needed; it fails too.
    clock.advance(30_000);
    await expect(cache.get(errFetcher(count, 'fail again'))).rejects.toThrow('fail again');
    expect(count.n + failing.calls).toBe(3);
  });

  it('test_invalidation_during_fetch_prevents_stale_update', async () => {
    const { cache, clock } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'v1'));
    await cache.get(okFetcher(count, 'v1'));
    clock.advance(26_000);
    const stale = controlledFetch<string>();
    await cache.get(stale);
    cache.invalidate();
    stale.resolve('stale');
    clock.advance(30_000);
    expect(await cache.get(okFetcher(count, 'fresh'))).toBe('fresh');
  });

  // Rust poisons the mutex with a panic; the TypeScript counterparts of a
  // panic are a fetch that throws synchronously, one that rejects with a
  // non-Error, and code that re-enters the cache mid-transition.

  it('test_try_get_recovers_from_poisoned_lock', async () => {
    const { cache } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'hello'));
    await cache.get(okFetcher(count, 'hello'));
    // An observer that throws and re-enters the cache on every snapshot.
    const seen: unknown[] = [];
    cache.actor.subscribe(() => {
      seen.push(cache.tryGet());
      throw new Error('observer panic');
    });
    const unhandled: unknown[] = [];
    const onError = (error: unknown) => unhandled.push(error);
    process.on('uncaughtException', onError);
    try {
      cache.seed('again');
      await new Promise((resolve) => setTimeout(resolve, 0));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(seen).toEqual(['again']);
    // XState reports the observer's own throw in a later macrotask; the cache is unharmed.
    expect(unhandled).toHaveLength(1);
    expect(cache.tryGet()).toBe('again');
  });

  it('test_get_recovers_from_poisoned_lock', async () => {
    const { cache } = newCache();
    // A fetch that throws synchronously, then one that rejects with a non-Error.
    await expect(
      cache.get(() => {
        throw new Error('panic inside fetch');
      }),
    ).rejects.toThrow('panic inside fetch');
    await expect(cache.get(() => Promise.reject('not an error'))).rejects.toBe('not an error');
    expect(cache.actor.getSnapshot().value).toBe('empty');
    // The cache still fetches.
    expect(await cache.get(countingFetch('recovered'))).toBe('recovered');
  });

  it('test_seed_recovers_from_poisoned_lock', async () => {
    const { cache } = newCache();
    // A fetch that re-enters the cache with seed() while it runs.
    const value = await cache.get(() => {
      cache.seed('seeded');
      return 'fetched';
    });
    // The caller waits on the fetch it started, even though it was superseded.
    expect(value).toBe('fetched');
    expect(cache.tryGet()).toBe('seeded');
  });

  it('test_invalidate_recovers_from_poisoned_lock', async () => {
    const { cache } = newCache();
    const count = { n: 0 };
    await cache.get(okFetcher(count, 'hello'));
    // An observer that re-enters the cache with invalidate() mid-transition.
    let reentered = false;
    const subscription = cache.actor.subscribe((snapshot) => {
      if (!reentered && snapshot.matches({ current: 'fresh' })) {
        reentered = true;
        cache.invalidate();
      }
    });
    cache.seed('seeded');
    subscription.unsubscribe();
    expect(reentered).toBe(true);
    expect(cache.actor.getSnapshot().value).toBe('empty');
    expect(await cache.get(okFetcher(count, 'again'))).toBe('again');
  });
});
