/**
 * The keyed cache's bound: which entry goes when it is full (least recently
 * used, never one with a fetch in flight), what happens when every entry is
 * fetching, that expired and invalidated entries leave at once, and that
 * `size` never passes `maxEntries` over 10,000 random operations on 1,000 keys
 * (`npm run bench:keyed` runs 1,000,000 on 100,000).
 */
import { describe, expect, it } from 'vitest';
import { createKeyedBackgroundCache } from '../../src/index.js';
import type { KeyedBackgroundCache } from '../../src/index.js';
import { flush, ManualClock } from '../helpers.js';
import { heldKeys, keyedSetup } from './helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const FRESH_FOR = TTL - WINDOW;

function setup(maxEntries: number) {
  return keyedSetup({ ttl: TTL, refreshWindow: WINDOW, maxEntries });
}

/** The keys held among a to f, in alphabetical order (which ones go shows the order of use). */
const keysOf = (cache: KeyedBackgroundCache<string, string>) => heldKeys(cache, ['a', 'b', 'c', 'd', 'e', 'f']);

describe('eviction order', () => {
  it('should evict the least recently used key; get, tryGet and seed count as use', async () => {
    const { cache } = setup(3);
    cache.seed('a', 'a1');
    cache.seed('b', 'b1');
    cache.seed('c', 'c1');
    expect(await cache.get('a')).toBe('a1');
    cache.seed('d', 'd1');
    expect(keysOf(cache)).toEqual(['a', 'c', 'd']);
    expect(cache.tryGet('b')).toBeUndefined();
    expect(cache.tryGet('c')).toBe('c1');
    cache.seed('a', 'a2');
    cache.seed('e', 'e1');
    expect(keysOf(cache)).toEqual(['a', 'c', 'e']);
    // A tryGet that finds nothing fresh is no use: `c` goes stale and stays least recent.
    cache.seed('f', 'f1');
    expect(keysOf(cache)).toEqual(['a', 'e', 'f']);
    expect(cache.size).toBe(3);
  });

  it('should count a read in the refresh window as use, and not count an invalidate of another key', async () => {
    const { cache, clock } = setup(2);
    cache.seed('a', 'a1');
    clock.advance(1);
    cache.seed('b', 'b1');
    clock.advance(FRESH_FOR);
    expect(await cache.get('a')).toBe('a1');
    cache.invalidate('missing');
    expect(keysOf(cache)).toEqual(['a', 'b']);
    // `b` is now the least recently used: a new key evicts it.
    cache.seed('c', 'c1');
    expect(keysOf(cache)).toEqual(['a', 'c']);
  });

  it("should drop an evicted key's deadlines with it: they never touch the key's next entry", () => {
    const { cache, clock } = setup(2);
    cache.seed('a', 'a1');
    cache.seed('b', 'b1');
    cache.seed('c', 'c1');
    expect(keysOf(cache)).toEqual(['b', 'c']);
    clock.advance(FRESH_FOR - 1);
    cache.seed('a', 'a2');
    // The first `a` would have gone stale and expired by now.
    clock.advance(TTL - FRESH_FOR + 1);
    expect(keysOf(cache)).toEqual(['a']);
    expect(cache.tryGet('a')).toBe('a2');
  });

  it('should never evict a key with a fetch in flight, and leave its waiters and single flight whole', async () => {
    const { cache, fetch } = setup(2);
    const waiter = cache.get('a');
    cache.seed('b', 'b1');
    cache.seed('c', 'c1');
    expect(keysOf(cache)).toEqual(['a', 'c']);
    expect(await Promise.race([cache.get('a'), flush().then(() => 'pending')])).toBe('pending');
    expect(fetch.calls('a')).toBe(1);
    fetch.resolve('a', 'a1');
    expect(await waiter).toBe('a1');
    expect(cache.tryGet('a')).toBe('a1');
  });

  it("should leave a superseded fetch's waiters unaffected when its key is evicted", async () => {
    const { cache, fetch } = setup(1);
    const waiter = cache.get('a');
    cache.seed('a', 'a-seeded');
    cache.seed('b', 'b1');
    expect(keysOf(cache)).toEqual(['b']);
    fetch.resolve('a', 'a-fetched');
    expect(await waiter).toBe('a-fetched');
    expect(keysOf(cache)).toEqual(['b']);
  });
});

describe('every entry fetching', () => {
  it('should still serve a new key, holding one entry per fetch in flight, and shrink back as they settle', async () => {
    const { cache, fetch } = setup(2);
    const a = cache.get('a');
    const b = cache.get('b');
    const c = [cache.get('c'), cache.get('c')];
    expect(fetch.log).toEqual(['a', 'b', 'c']);
    expect(cache.size).toBe(3);
    // `b` settles first: it is now the least recently used entry with nothing
    // in flight, so it goes at once; its waiter still gets the value.
    fetch.resolve('b', 'b1');
    expect(await b).toBe('b1');
    expect(cache.size).toBe(2);
    expect(cache.tryGet('b')).toBeUndefined();
    fetch.resolve('a', 'a1');
    fetch.resolve('c', 'c1');
    expect([await a, ...(await Promise.all(c))]).toEqual(['a1', 'c1', 'c1']);
    expect(keysOf(cache)).toEqual(['a', 'c']);
  });

  it('should drop a seed into a cache whose every entry is fetching: nothing else can make room', async () => {
    const { cache, fetch } = setup(1);
    const a = cache.get('a');
    cache.seed('b', 'b1');
    expect(cache.tryGet('b')).toBeUndefined();
    expect(keysOf(cache)).toEqual(['a']);
    fetch.resolve('a', 'a1');
    expect(await a).toBe('a1');
  });
});

describe('entries leave when their chart is empty', () => {
  it('should remove an expired key and an invalidated key at once', () => {
    const { cache, clock } = setup(10);
    cache.seed('a', 'a1');
    cache.seed('b', 'b1');
    cache.invalidate('b');
    expect(keysOf(cache)).toEqual(['a']);
    clock.advance(TTL);
    expect(cache.size).toBe(0);
    expect(clock.pendingDelays).toEqual([]);
  });
});

describe('the bound', () => {
  it('should never hold more than maxEntries over 10,000 operations on 1,000 keys', async () => {
    // Sized to take well under a fifth of its timeout on a loaded 2-core machine (100,000 operations took 3-8 s,
    // 20,000 up to 8.4 s under a load of 15).
    const operations = 10_000;
    const keys = 1_000;
    const maxEntries = 100;
    const clock = new ManualClock();
    let fetches = 0;
    const cache = createKeyedBackgroundCache<number, number>({
      // Time moves ~5 ms per operation: a value lives ~1,000 operations, a tenth of the run.
      ttl: 5_000,
      refreshWindow: 1_000,
      maxEntries,
      clock,
      fetch: (key) => {
        fetches++;
        // Every 50th fetch fails; the rest resolve with a plain value.
        if (fetches % 50 === 0) throw new Error(`fetch ${key} failed`);
        return key * 2;
      },
    });
    // A small deterministic generator (xorshift), so a failure replays.
    let seed = 0x2545f491;
    const next = (bound: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % bound;
    };
    let largest = 0;
    let served = 0;
    for (let op = 0; op < operations; op++) {
      const key = next(keys);
      const kind = next(100);
      if (kind < 30) {
        // Settles within a few microtasks: a plain value or a synchronous throw.
        const value = await cache.get(key).catch(() => undefined);
        if (value === key * 2) served++;
      } else if (kind < 45) cache.seed(key, key * 2);
      else if (kind < 85) cache.tryGet(key);
      else if (kind < 90) cache.invalidate(key);
      else if (kind < 95) clock.advance(next(200));
      else cache.delete(key);
      largest = Math.max(largest, cache.size);
    }
    expect(largest).toBe(maxEntries);
    expect(served).toBeGreaterThan(operations / 4);
    cache.stop();
  }, 60_000);
});
