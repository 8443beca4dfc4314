/**
 * SPEC Part 2 for the keyed cache: its rows and guarantees 11 to 15 per key
 * (lifetimes per value and key, seed with an age, refresh, callers that
 * leave, fetch timeouts, retries, remembered failures), the late-timer rule
 * for every new timed state, and the options that carry them.
 */
import { describe, expect, it } from 'vitest';
import { CacheStoppedError, createKeyedBackgroundCache } from '../../src/index.js';
import type { KeyedBackgroundCacheOptions } from '../../src/index.js';
import { flush, isSettled, ManualClock } from '../helpers.js';
import { keyedSetup } from './helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const FRESH_FOR = TTL - WINDOW;

function setup(options: Partial<KeyedBackgroundCacheOptions<string, string>> = {}) {
  return keyedSetup({ ttl: TTL, refreshWindow: WINDOW, ...options });
}

type Setup = ReturnType<typeof setup>;

/** Stores `key`'s first value through a fetch. */
async function fetchInto(s: Setup, key: string, value = `${key}1`) {
  const got = s.cache.get(key);
  s.fetch.resolve(key, value);
  expect(await got).toBe(value);
}

describe('options', () => {
  const base = { ttl: TTL, refreshWindow: WINDOW, maxEntries: 10, fetch: (key: string) => key };

  it('should throw a TypeError naming unknown options, before anything else', () => {
    expect(() => createKeyedBackgroundCache({ ...base, refreshWindows: 1 } as never)).toThrow(TypeError);
    expect(() => createKeyedBackgroundCache({ ...base, refreshWindows: 1, persist: {} } as never)).toThrow(
      /Unknown options `refreshWindows`, `persist`/,
    );
    expect(() => createKeyedBackgroundCache({ ...base, ttl: -1, share: {} } as never)).toThrow(
      /Unknown option `share`/,
    );
  });

  it('should throw a RangeError naming fetchTimeout, retry, retryDelay or errorTtl out of bounds', () => {
    const bad = { fetchTimeout: 0, retry: 1.5, retryDelay: -1, errorTtl: Number.POSITIVE_INFINITY };
    for (const [name, value] of Object.entries(bad)) {
      expect(() => createKeyedBackgroundCache({ ...base, [name]: value })).toThrow(RangeError);
      expect(() => createKeyedBackgroundCache({ ...base, [name]: value })).toThrow(new RegExp(`\`${name}\``));
    }
    expect(() => createKeyedBackgroundCache({ ...base, retry: 'twice' as never })).toThrow(TypeError);
  });

  it('should take ttl and refreshWindow as functions, checking what can be checked alone', () => {
    expect(() => createKeyedBackgroundCache({ ...base, ttl: () => 1, refreshWindow: -1 })).toThrow(/`refreshWindow`/);
    expect(() => createKeyedBackgroundCache({ ...base, ttl: 0, refreshWindow: () => 1 })).toThrow(/`ttl`/);
    createKeyedBackgroundCache({ ...base, ttl: () => 1, refreshWindow: () => 0 }).stop();
  });
});

describe('guarantee 11: lifetimes follow the value, and its key', () => {
  it('should judge each fetched value by the lifetime computed for it and its key', async () => {
    const seen: [string, string][] = [];
    const s = setup({
      ttl: (value, key) => {
        seen.push([value, key]);
        return key === 'short' ? 1_000 : TTL;
      },
      refreshWindow: (value) => (value === 'no window' ? 0 : 500),
    });
    await fetchInto(s, 'short', 'no window');
    await fetchInto(s, 'long');
    expect(seen).toEqual([
      ['no window', 'short'],
      ['long1', 'long'],
    ]);
    s.clock.advance(999);
    expect([s.state('short'), s.state('long')]).toEqual(['current.fresh', 'current.fresh']);
    s.clock.advance(1);
    expect([s.state('short'), s.state('long')]).toEqual(['empty', 'current.fresh']);
    s.clock.advance(TTL - 1_000 - 500);
    expect(s.state('long')).toBe('current.stale');
  });

  it('should hand the lifetime functions the key as the caller gave it, with keyToString', async () => {
    const keys: unknown[] = [];
    const clock = new ManualClock();
    const row = { id: 7 };
    const cache = createKeyedBackgroundCache<{ id: number }, string>({
      ttl: (_value, key) => {
        keys.push(key);
        return TTL;
      },
      refreshWindow: WINDOW,
      maxEntries: 10,
      clock,
      keyToString: (key) => String(key.id),
      fetch: (key) => `row ${key.id}`,
    });
    expect(await cache.get(row)).toBe('row 7');
    expect(cache.seed({ id: 8 }, 'seeded')).toBe(true);
    expect(keys).toEqual([row, { id: 8 }]);
    expect(keys[0]).toBe(row);
    cache.stop();
  });

  it('should fail a fetch whose lifetime breaks the rules, with a RangeError naming it, and keep the previous value', async () => {
    const cause = new Error('no expires_in');
    const s = setup({
      ttl: (value) => {
        if (value === 'throws') throw cause;
        return value === 'zero' ? 0 : TTL;
      },
    });
    const zero = s.cache.get('a');
    s.fetch.resolve('a', 'zero');
    await expect(zero).rejects.toThrow(/`ttl`/);
    const throws = s.cache.get('a');
    s.fetch.resolve('a', 'throws');
    const error = await throws.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RangeError).cause).toBe(cause);
    expect(s.cache.size).toBe(0);
    await fetchInto(s, 'b');
    s.clock.advance(FRESH_FOR);
    const refreshed = s.cache.refresh('b').catch((reason: unknown) => reason);
    s.fetch.resolve('b', 'zero');
    expect(await refreshed).toBeInstanceOf(RangeError);
    await flush();
    expect(s.cache.peek('b')).toMatchObject({ state: { current: 'stale' }, value: 'b1' });
    expect(() => s.cache.seed('c', 'throws')).toThrow(RangeError);
    expect(s.cache.peek('c')).toBeUndefined();
  });
});

describe('guarantee 12: seed with an age', () => {
  it('any + seed(v, { age }), age < ttl: current.fresh or current.stale as the age says, stored age ms ago; returns true', () => {
    const s = setup();
    expect(s.cache.seed('young', 'y', { age: FRESH_FOR - 1 })).toBe(true);
    expect(s.cache.seed('old', 'o', { age: FRESH_FOR })).toBe(true);
    expect([s.state('young'), s.state('old')]).toEqual(['current.fresh', 'current.stale']);
    expect(s.actorEntry('old')?.context.storedAt).toBe(-FRESH_FOR);
    s.clock.advance(1);
    expect(s.state('young')).toBe('current.stale');
    s.clock.advance(WINDOW - 1);
    expect(s.state('old')).toBe('empty');
  });

  it('any + seed(v, { age }), age >= ttl: nothing changes; returns false', async () => {
    const s = setup();
    await fetchInto(s, 'a');
    expect(s.cache.seed('a', 'too old', { age: TTL })).toBe(false);
    expect(s.cache.seed('b', 'too old', { age: TTL + 1 })).toBe(false);
    expect(s.cache.peek('a')?.value).toBe('a1');
    expect(s.cache.peek('b')).toBeUndefined();
  });

  it('should supersede a flight in flight and forget a remembered failure', async () => {
    const s = setup({ errorTtl: 60_000 });
    const waiter = s.cache.get('a');
    expect(s.cache.seed('a', 'seeded', { age: 10 })).toBe(true);
    s.fetch.resolve('a', 'fetched');
    expect(await waiter).toBe('fetched');
    expect(s.cache.peek('a')?.value).toBe('seeded');
    const failing = s.cache.get('b');
    s.fetch.reject('b', new Error('down'));
    await expect(failing).rejects.toThrow('down');
    expect(s.state('b')).toBe('failed');
    expect(s.cache.seed('b', 'b-seeded')).toBe(true);
    expect(s.cache.peek('b')).toEqual({ state: { current: 'fresh' }, value: 'b-seeded', error: undefined });
  });

  it('should throw a RangeError naming age unless it is finite and >= 0, and return false after stop', () => {
    const s = setup();
    for (const age of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
      expect(() => s.cache.seed('a', 'v', { age: age as number })).toThrow(/`age`/);
    }
    s.cache.stop();
    expect(s.cache.seed('a', 'v')).toBe(false);
  });

  it('should return false for a seed that cannot be kept because every entry is fetching', () => {
    const s = setup({ maxEntries: 1 });
    void s.cache.get('a');
    expect(s.cache.seed('b', 'b1')).toBe(false);
    expect(s.cache.peek('b')).toBeUndefined();
  });

  it('should return true for a seed queued behind the event being handled', async () => {
    const s = setup();
    const results: boolean[] = [];
    const subscription = s.cache.actor.subscribe(() => {
      if (results.length === 0) results.push(s.cache.seed('b', 'b1'));
    });
    s.cache.seed('a', 'a1');
    subscription.unsubscribe();
    expect(results).toEqual([true]);
    expect(await s.cache.get('b')).toBe('b1');
  });
});

describe('refresh(key)', () => {
  it('empty, failed + refresh(): refreshing.withoutPrevious, like get; a pending failed is left', async () => {
    const s = setup({ errorTtl: 60_000 });
    const first = s.cache.refresh('a');
    expect(s.state('a')).toBe('refreshing.withoutPrevious');
    s.fetch.reject('a', new Error('down'));
    await expect(first).rejects.toThrow('down');
    expect(s.state('a')).toBe('failed');
    const again = s.cache.refresh('a');
    expect(s.state('a')).toBe('refreshing.withoutPrevious');
    s.fetch.resolve('a', 'a1');
    expect(await again).toBe('a1');
    expect(s.fetch.calls('a')).toBe(2);
  });

  it('current.* + refresh(): refreshing.withPrevious; the promise waits for the new value, readers get the previous', async () => {
    const s = setup();
    await fetchInto(s, 'a');
    const refreshed = s.cache.refresh('a');
    expect(s.state('a')).toBe('refreshing.withPrevious');
    expect(await s.cache.get('a')).toBe('a1');
    expect(await isSettled(refreshed)).toBe(false);
    s.fetch.resolve('a', 'a2');
    expect(await refreshed).toBe('a2');
  });

  it('refreshing.*, retrying.* + refresh(): joins the fetch in flight', async () => {
    const s = setup({ retry: 1, retryDelay: 100 });
    const waiter = s.cache.get('a');
    const joined = s.cache.refresh('a');
    s.fetch.reject('a', new Error('first'));
    await flush();
    expect(s.state('a')).toBe('retrying.withoutPrevious');
    const joinedWhileRetrying = s.cache.refresh('a');
    s.clock.advance(100);
    s.fetch.resolve('a', 'a1');
    expect(await Promise.all([waiter, joined, joinedWhileRetrying])).toEqual(['a1', 'a1', 'a1']);
    expect(s.fetch.calls('a')).toBe(2);
  });

  it('should reject for a key it cannot file, and with CacheStoppedError after stop', async () => {
    const s = setup();
    await expect(s.cache.refresh({} as never)).rejects.toThrow(TypeError);
    s.cache.stop();
    await expect(s.cache.refresh('a')).rejects.toBeInstanceOf(CacheStoppedError);
  });

  it('should answer a refresh queued behind the event being handled', async () => {
    const s = setup();
    const queued: Promise<string>[] = [];
    const subscription = s.cache.actor.subscribe(() => {
      if (queued.length === 0) queued.push(s.cache.refresh('b'));
    });
    s.cache.seed('a', 'a1');
    subscription.unsubscribe();
    await flush();
    s.fetch.resolve('b', 'b1');
    expect(await queued[0]).toBe('b1');
  });
});

describe('guarantee 13: callers can leave, per key', () => {
  it('should reject a caller whose signal aborts with its reason at once, and keep the fetch for the others', async () => {
    const s = setup();
    const leaving = new AbortController();
    const left = s.cache.get('a', { signal: leaving.signal });
    const staying = s.cache.get('a');
    const reason = new Error('unmounted');
    leaving.abort(reason);
    await expect(left).rejects.toBe(reason);
    expect(s.fetch.signals('a')[0]!.aborted).toBe(false);
    s.fetch.resolve('a', 'a1');
    expect(await staying).toBe('a1');
  });

  it('should reject an already aborted signal before anything starts, even with a fresh value', async () => {
    const s = setup();
    await fetchInto(s, 'a');
    const signal = AbortSignal.abort(new Error('gone'));
    await expect(s.cache.get('a', { signal })).rejects.toThrow('gone');
    await expect(s.cache.get('b', { signal })).rejects.toThrow('gone');
    expect(s.fetch.calls('b')).toBe(0);
  });

  it('should abort a superseded fetch once its last caller leaves', async () => {
    const s = setup();
    const controller = new AbortController();
    const left = s.cache.get('a', { signal: controller.signal });
    s.cache.invalidate('a');
    await flush();
    expect(s.fetch.signals('a')[0]!.aborted).toBe(false);
    controller.abort();
    await expect(left).rejects.toThrow();
    expect(s.fetch.signals('a')[0]!.aborted).toBe(true);
  });
});

describe('guarantee 14: a hung fetch does not hang the key', () => {
  it('refreshing.* + fetchTimeout elapsed: fails with a TimeoutError, and that attempt’s signal aborts with the same reason', async () => {
    const s = setup({ fetchTimeout: 1_000 });
    const waiter = s.cache.get('a');
    const other = s.cache.get('b');
    s.clock.advance(1_000);
    const reason = await waiter.catch((error: unknown) => error);
    expect(reason).toBeInstanceOf(DOMException);
    expect((reason as DOMException).name).toBe('TimeoutError');
    expect(s.fetch.signals('a')[0]!.reason).toBe(reason);
    await expect(other).rejects.toBe(s.fetch.signals('b')[0]!.reason);
    // The late answer is ignored.
    s.fetch.resolve('a', 'late');
    await flush();
    expect(s.cache.peek('a')).toBeUndefined();
  });
});

describe('guarantee 14, superseded: an attempt the chart let go keeps its fetchTimeout', () => {
  it('should time out, for its waiters, an attempt superseded by invalidate or stop', async () => {
    const s = setup({ fetchTimeout: 1_000 });
    const waiter = s.cache.get('a');
    const other = s.cache.get('b');
    s.clock.advance(400);
    s.cache.invalidate('a');
    s.cache.stop();
    s.clock.advance(599);
    expect(await isSettled(waiter)).toBe(false);
    s.clock.advance(1);
    const reason = await waiter.catch((error: unknown) => error);
    expect((reason as DOMException).name).toBe('TimeoutError');
    await expect(other).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(s.fetch.signals('a')[0]!.aborted).toBe(true);
  });
});

describe('guarantee 15: failures back off, per key', () => {
  it('refreshing.X + an attempt fails, retry allows another: retrying.X; retryDelay elapsed: refreshing.X with a new signal', async () => {
    const s = setup({ retry: 2, retryDelay: (failureCount) => failureCount * 100 });
    await fetchInto(s, 'a');
    s.clock.advance(FRESH_FOR);
    expect(await s.cache.get('a')).toBe('a1');
    const waiter = s.cache.get('b');
    s.fetch.reject('a', new Error('a first'));
    s.fetch.reject('b', new Error('b first'));
    await flush();
    expect([s.state('a'), s.state('b')]).toEqual(['retrying.withPrevious', 'retrying.withoutPrevious']);
    expect(await s.cache.get('a')).toBe('a1');
    s.clock.advance(99);
    expect(s.fetch.calls('b')).toBe(1);
    s.clock.advance(1);
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withPrevious', 'refreshing.withoutPrevious']);
    expect(s.fetch.signals('b')).toHaveLength(2);
    s.fetch.resolve('b', 'b1');
    expect(await waiter).toBe('b1');
  });

  it('retrying.withPrevious + previous reaches ttl: retrying.withoutPrevious; later callers wait', async () => {
    const s = setup({ retry: 1, retryDelay: WINDOW });
    await fetchInto(s, 'a');
    s.clock.advance(FRESH_FOR + 1);
    expect(await s.cache.get('a')).toBe('a1');
    s.fetch.reject('a', new Error('down'));
    await flush();
    expect(s.state('a')).toBe('retrying.withPrevious');
    s.clock.advance(WINDOW - 1);
    expect(s.state('a')).toBe('retrying.withoutPrevious');
    const waiter = s.cache.get('a');
    expect(await isSettled(waiter)).toBe(false);
    s.clock.advance(1);
    s.fetch.resolve('a', 'a2');
    expect(await waiter).toBe('a2');
  });

  it('refreshing.withoutPrevious + the last attempt fails, errorTtl > 0: failed; the key stays, a get rejects at once with the same reason and fetches nothing', async () => {
    const s = setup({ errorTtl: 5_000 });
    const reason = new Error('down');
    const waiter = s.cache.get('a');
    s.fetch.reject('a', reason);
    await expect(waiter).rejects.toBe(reason);
    expect(s.cache.size).toBe(1);
    expect(s.cache.peek('a')).toEqual({ state: 'failed', value: undefined, error: reason });
    for (let i = 0; i < 100; i++) await expect(s.cache.get('a')).rejects.toBe(reason);
    expect(s.fetch.calls('a')).toBe(1);
    expect(s.cache.delete('a')).toBe(true);
    expect(s.cache.size).toBe(0);
  });

  it('failed + errorTtl elapsed: empty, and the key leaves the table', async () => {
    const s = setup({ errorTtl: 5_000 });
    const waiter = s.cache.get('a');
    s.fetch.reject('a', new Error('down'));
    await expect(waiter).rejects.toThrow('down');
    s.clock.advance(4_999);
    expect(s.state('a')).toBe('failed');
    s.clock.advance(1);
    expect(s.cache.peek('a')).toBeUndefined();
    expect(s.cache.size).toBe(0);
    void s.cache.get('a');
    expect(s.fetch.calls('a')).toBe(2);
  });

  it('should count a failed key toward maxEntries, and evict it as the least recently used', async () => {
    const s = setup({ errorTtl: 60_000, maxEntries: 2 });
    const waiter = s.cache.get('a');
    s.fetch.reject('a', new Error('down'));
    await expect(waiter).rejects.toThrow('down');
    s.cache.seed('b', 'b1');
    expect(s.cache.size).toBe(2);
    s.cache.seed('c', 'c1');
    expect(s.cache.peek('a')).toBeUndefined();
    expect(s.cache.size).toBe(2);
  });

  it('refreshing.withPrevious + the last attempt fails, errorTtl > 0: current.backingOff; reads serve it and start no refresh; errorTtl elapsed: current.stale', async () => {
    const s = setup({ errorTtl: 1_000 });
    await fetchInto(s, 'a');
    s.clock.advance(FRESH_FOR);
    expect(await s.cache.get('a')).toBe('a1');
    const reason = new Error('refresh down');
    s.fetch.reject('a', reason);
    await flush();
    expect(s.cache.peek('a')).toEqual({ state: { current: 'backingOff' }, value: 'a1', error: reason });
    expect(await s.cache.get('a')).toBe('a1');
    expect(s.fetch.calls('a')).toBe(2);
    s.clock.advance(1_000);
    expect(s.state('a')).toBe('current.stale');
    expect(await s.cache.get('a')).toBe('a1');
    expect(s.fetch.calls('a')).toBe(3);
  });

  it('refreshing.withPrevious + a refresh of a fresh value fails: current.fresh, previous kept', async () => {
    const s = setup({ errorTtl: 1_000 });
    await fetchInto(s, 'a');
    const refreshed = s.cache.refresh('a');
    s.fetch.reject('a', new Error('down'));
    await expect(refreshed).rejects.toThrow('down');
    expect(s.cache.peek('a')).toMatchObject({ state: { current: 'fresh' }, value: 'a1' });
  });

  it('current.backingOff + age reaches ttl: failed until errorTtl after the failure', async () => {
    const s = setup({ errorTtl: WINDOW });
    await fetchInto(s, 'a');
    s.clock.advance(FRESH_FOR + 1_000);
    expect(await s.cache.get('a')).toBe('a1');
    s.fetch.reject('a', new Error('down'));
    await flush();
    expect(s.state('a')).toBe('current.backingOff');
    s.clock.advance(WINDOW - 1_000);
    expect(s.state('a')).toBe('failed');
    await expect(s.cache.get('a')).rejects.toThrow('down');
    s.clock.advance(1_000);
    expect(s.state('a')).toBe('empty');
  });
});

describe('late timers, for the new timed states', () => {
  it('failed: a get after errorTtl, its timer late, fetches as from empty', async () => {
    const s = setup({ errorTtl: 1_000 });
    const waiter = s.cache.get('a');
    s.fetch.reject('a', new Error('down'));
    await expect(waiter).rejects.toThrow('down');
    s.clock.skip(1_000);
    expect(s.state('a')).toBe('failed');
    const again = s.cache.get('a');
    expect(s.state('a')).toBe('refreshing.withoutPrevious');
    s.fetch.resolve('a', 'a1');
    expect(await again).toBe('a1');
  });

  it('current.backingOff: a get at ttl, its timers late, never serves the value', async () => {
    const s = setup({ errorTtl: 60_000 });
    await fetchInto(s, 'a');
    s.clock.advance(FRESH_FOR);
    expect(await s.cache.get('a')).toBe('a1');
    const reason = new Error('down');
    s.fetch.reject('a', reason);
    await flush();
    expect(s.state('a')).toBe('current.backingOff');
    s.clock.skip(WINDOW);
    await expect(s.cache.get('a')).rejects.toBe(reason);
    expect(s.state('a')).toBe('failed');
    expect(s.fetch.calls('a')).toBe(2);
  });

  it('current.backingOff: a get after errorTtl, its timer late, starts the refresh', async () => {
    const s = setup({ errorTtl: 1_000 });
    await fetchInto(s, 'a');
    s.clock.advance(FRESH_FOR);
    expect(await s.cache.get('a')).toBe('a1');
    s.fetch.reject('a', new Error('down'));
    await flush();
    s.clock.skip(1_000);
    expect(s.state('a')).toBe('current.backingOff');
    expect(await s.cache.get('a')).toBe('a1');
    expect(s.state('a')).toBe('refreshing.withPrevious');
  });

  it('retrying.withPrevious: a get at ttl, its timer late, waits for the flight', async () => {
    const s = setup({ retry: 1, retryDelay: TTL });
    await fetchInto(s, 'a');
    s.clock.advance(FRESH_FOR);
    expect(await s.cache.get('a')).toBe('a1');
    s.fetch.reject('a', new Error('down'));
    await flush();
    s.clock.skip(WINDOW);
    const waiter = s.cache.get('a');
    expect(s.state('a')).toBe('retrying.withoutPrevious');
    expect(await isSettled(waiter)).toBe(false);
    s.clock.advance(TTL);
    s.fetch.resolve('a', 'a2');
    expect(await waiter).toBe('a2');
  });
});
