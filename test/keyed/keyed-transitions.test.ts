/**
 * Every row of SPEC.md's transitions table and its late-timer rule, per key:
 * each test drives two keys through the same row, interleaved (the second
 * key a little behind the first), and checks that each key sees exactly what
 * the single-key cache's caller sees, while the other key stays where it was.
 */
import { describe, expect, it } from 'vitest';
import { flush, isSettled } from '../helpers.js';
import { keyedSetup } from './helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const FRESH_FOR = TTL - WINDOW;
/** How far the second key runs behind the first. */
const LAG = 1_000;

function setup() {
  return keyedSetup({ ttl: TTL, refreshWindow: WINDOW });
}

type Setup = ReturnType<typeof setup>;

/** Stores `key`'s first value through a fetch, now. */
async function fetchInto(s: Setup, key: string, value = `${key}1`) {
  const got = s.cache.get(key);
  s.fetch.resolve(key, value);
  expect(await got).toBe(value);
  expect(s.state(key)).toBe('current.fresh');
}

/** `a` stored at the current time, `b` stored LAG ms later. */
async function bothFresh(s: Setup) {
  await fetchInto(s, 'a');
  s.clock.advance(LAG);
  await fetchInto(s, 'b');
}

/** Both keys in their window: `a` `into` ms in, `b` LAG ms less. */
async function bothStale(s: Setup, into = LAG + 500) {
  await bothFresh(s);
  s.clock.advance(FRESH_FOR - LAG + into);
  expect([s.state('a'), s.state('b')]).toEqual(['current.stale', 'current.stale']);
}

/** Both keys refreshing with their previous value. */
async function bothWithPrevious(s: Setup) {
  await bothStale(s);
  expect(await s.cache.get('a')).toBe('a1');
  expect(await s.cache.get('b')).toBe('b1');
  expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withPrevious', 'refreshing.withPrevious']);
  expect([s.fetch.calls('a'), s.fetch.calls('b')]).toEqual([2, 2]);
}

describe('SPEC transitions, per key, on two interleaved keys', () => {
  it('empty + get: goes to refreshing.withoutPrevious, calls fetch once, the caller waits for it', async () => {
    const s = setup();
    expect([s.state('a'), s.state('b')]).toEqual(['empty', 'empty']);
    const a = s.cache.get('a');
    expect(s.state('a')).toBe('refreshing.withoutPrevious');
    expect(s.state('b')).toBe('empty');
    const b = s.cache.get('b');
    expect(s.state('b')).toBe('refreshing.withoutPrevious');
    expect(s.fetch.log).toEqual(['a', 'b']);
    expect(await isSettled(a)).toBe(false);
    expect(await isSettled(b)).toBe(false);
    s.fetch.resolve('b', 'b1');
    expect(await b).toBe('b1');
    expect(await isSettled(a)).toBe(false);
    s.fetch.resolve('a', 'a1');
    expect(await a).toBe('a1');
  });

  it('current.fresh + get: stays, returns the value, does not fetch', async () => {
    const s = setup();
    await bothFresh(s);
    s.clock.advance(FRESH_FOR - LAG - 1);
    expect(await s.cache.get('a')).toBe('a1');
    expect(await s.cache.get('b')).toBe('b1');
    expect([s.state('a'), s.state('b')]).toEqual(['current.fresh', 'current.fresh']);
    expect(s.fetch.log).toEqual(['a', 'b']);
  });

  it('current.fresh + age reaches ttl - refreshWindow: goes to current.stale, each key on its own time', async () => {
    const s = setup();
    await bothFresh(s);
    s.clock.advance(FRESH_FOR - LAG - 1);
    expect([s.state('a'), s.state('b')]).toEqual(['current.fresh', 'current.fresh']);
    s.clock.advance(1);
    expect([s.state('a'), s.state('b')]).toEqual(['current.stale', 'current.fresh']);
    expect(s.cache.tryGet('a')).toBeUndefined();
    expect(s.cache.tryGet('b')).toBe('b1');
    s.clock.advance(LAG);
    expect([s.state('a'), s.state('b')]).toEqual(['current.stale', 'current.stale']);
  });

  it('current.stale + get: goes to refreshing.withPrevious, returns the value at once, fetches once in the background', async () => {
    const s = setup();
    await bothStale(s);
    const a = s.cache.get('a');
    expect(await isSettled(a)).toBe(true);
    expect(await a).toBe('a1');
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withPrevious', 'current.stale']);
    const b = s.cache.get('b');
    expect(await isSettled(b)).toBe(true);
    expect(await b).toBe('b1');
    expect(s.state('b')).toBe('refreshing.withPrevious');
    expect([s.fetch.calls('a'), s.fetch.calls('b')]).toEqual([2, 2]);
  });

  it('current.stale + age reaches ttl: goes to empty and drops the value, each key on its own time', async () => {
    const s = setup();
    await bothStale(s);
    // `a` is LAG + 500 into its window, `b` 500.
    s.clock.advance(WINDOW - LAG - 500 - 1);
    expect([s.state('a'), s.state('b')]).toEqual(['current.stale', 'current.stale']);
    s.clock.advance(1);
    expect([s.state('a'), s.state('b')]).toEqual(['empty', 'current.stale']);
    expect(s.cache.size).toBe(1);
    s.clock.advance(LAG);
    expect([s.state('a'), s.state('b')]).toEqual(['empty', 'empty']);
    expect(s.cache.size).toBe(0);
  });

  it('refreshing.withPrevious + get: stays, returns the previous value, does not fetch', async () => {
    const s = setup();
    await bothWithPrevious(s);
    expect(await s.cache.get('b')).toBe('b1');
    expect(await s.cache.get('a')).toBe('a1');
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withPrevious', 'refreshing.withPrevious']);
    expect([s.fetch.calls('a'), s.fetch.calls('b')]).toEqual([2, 2]);
  });

  it("refreshing.withPrevious + previous's age reaches ttl: goes to refreshing.withoutPrevious, later callers wait", async () => {
    const s = setup();
    await bothWithPrevious(s);
    s.clock.advance(WINDOW - LAG - 500);
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withoutPrevious', 'refreshing.withPrevious']);
    const a = s.cache.get('a');
    expect(await isSettled(a)).toBe(false);
    expect(await s.cache.get('b')).toBe('b1');
    s.clock.advance(LAG);
    expect(s.state('b')).toBe('refreshing.withoutPrevious');
    const b = s.cache.get('b');
    expect(await isSettled(b)).toBe(false);
    s.fetch.resolve('a', 'a2');
    s.fetch.resolve('b', 'b2');
    expect([await a, await b]).toEqual(['a2', 'b2']);
    expect([s.fetch.calls('a'), s.fetch.calls('b')]).toEqual([2, 2]);
  });

  it('refreshing.withoutPrevious + get: stays, joins the fetch in flight, does not fetch', async () => {
    const s = setup();
    const a1 = s.cache.get('a');
    const b1 = s.cache.get('b');
    const a2 = s.cache.get('a');
    const b2 = s.cache.get('b');
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withoutPrevious', 'refreshing.withoutPrevious']);
    expect(s.fetch.log).toEqual(['a', 'b']);
    s.fetch.resolve('a', 'a1');
    expect([await a1, await a2]).toEqual(['a1', 'a1']);
    expect(await isSettled(b2)).toBe(false);
    s.fetch.resolve('b', 'b1');
    expect([await b1, await b2]).toEqual(['b1', 'b1']);
  });

  it('refreshing.* + the fetch resolves: goes to current.fresh, stored now, every waiter gets the value', async () => {
    const s = setup();
    // `a` refreshes with its previous value; `b` fetches for the first time.
    await fetchInto(s, 'a');
    s.clock.advance(FRESH_FOR + 100);
    expect(await s.cache.get('a')).toBe('a1');
    const waiters = [s.cache.get('b'), s.cache.get('b')];
    s.clock.advance(LAG);
    s.fetch.resolve('a', 'a2');
    await flush();
    const a = s.actorEntry('a');
    expect([s.state('a'), s.state('b')]).toEqual(['current.fresh', 'refreshing.withoutPrevious']);
    expect(a?.context.storedAt).toBe(s.clock.now());
    s.clock.advance(LAG);
    s.fetch.resolve('b', 'b1');
    expect(await Promise.all(waiters)).toEqual(['b1', 'b1']);
    expect(s.state('b')).toBe('current.fresh');
    expect(s.actorEntry('b')?.context.storedAt).toBe(s.clock.now());
    expect([s.cache.tryGet('a'), s.cache.tryGet('b')]).toEqual(['a2', 'b1']);
  });

  it('refreshing.withPrevious + the fetch fails: back to current.stale with the original timestamp, nothing thrown; the next read refreshes', async () => {
    const s = setup();
    await bothWithPrevious(s);
    const storedAt = s.actorEntry('a')?.context.storedAt;
    s.fetch.reject('a', new Error('a down'));
    await flush();
    expect([s.state('a'), s.state('b')]).toEqual(['current.stale', 'refreshing.withPrevious']);
    expect(s.actorEntry('a')?.context.storedAt).toBe(storedAt);
    expect(s.actorEntry('a')?.context.error).toEqual(new Error('a down'));
    s.fetch.reject('b', 'b down');
    await flush();
    expect(s.state('b')).toBe('current.stale');
    expect(await s.cache.get('a')).toBe('a1');
    expect(await s.cache.get('b')).toBe('b1');
    expect([s.fetch.calls('a'), s.fetch.calls('b')]).toEqual([3, 3]);
  });

  it('refreshing.withoutPrevious + the fetch fails: goes to empty, every waiter rejects with the same reason', async () => {
    const s = setup();
    const reasonA = new Error('a down');
    const reasonB = { code: 503 };
    const a = [s.cache.get('a'), s.cache.get('a')];
    const b = [s.cache.get('b'), s.cache.get('b')];
    s.fetch.reject('a', reasonA);
    for (const waiter of a) await expect(waiter).rejects.toBe(reasonA);
    expect([s.state('a'), s.state('b')]).toEqual(['empty', 'refreshing.withoutPrevious']);
    s.fetch.reject('b', reasonB);
    for (const waiter of b) await expect(waiter).rejects.toBe(reasonB);
    expect(s.state('b')).toBe('empty');
    expect(s.cache.size).toBe(0);
  });

  it('any + seed: goes to current.fresh, stored now; a fetch in flight is superseded', async () => {
    const s = setup();
    const waiter = s.cache.get('a');
    await fetchInto(s, 'b');
    s.clock.advance(LAG);
    s.cache.seed('a', 'a-seeded');
    s.cache.seed('b', 'b-seeded');
    expect([s.state('a'), s.state('b')]).toEqual(['current.fresh', 'current.fresh']);
    expect(s.actorEntry('a')?.context.storedAt).toBe(s.clock.now());
    expect([s.cache.tryGet('a'), s.cache.tryGet('b')]).toEqual(['a-seeded', 'b-seeded']);
    // The superseded fetch still answers its waiter, but is not stored.
    s.fetch.resolve('a', 'a-fetched');
    expect(await waiter).toBe('a-fetched');
    expect(s.cache.tryGet('a')).toBe('a-seeded');
    // And a seed on an empty key creates it.
    s.cache.seed('c', 'c-seeded');
    expect(s.state('c')).toBe('current.fresh');
  });

  it('any + invalidate: goes to empty; a fetch in flight is superseded', async () => {
    const s = setup();
    await fetchInto(s, 'a');
    const waiter = s.cache.get('b');
    s.cache.invalidate('a');
    expect([s.state('a'), s.state('b')]).toEqual(['empty', 'refreshing.withoutPrevious']);
    s.cache.invalidate('b');
    expect(s.state('b')).toBe('empty');
    s.fetch.resolve('b', 'b-fetched');
    expect(await waiter).toBe('b-fetched');
    expect(s.state('b')).toBe('empty');
    // The next get starts a new fetch.
    const next = s.cache.get('b');
    expect(s.fetch.calls('b')).toBe(2);
    s.fetch.resolve('b', 'b2');
    expect(await next).toBe('b2');
  });
});

describe('SPEC late timers, per key, on two interleaved keys', () => {
  it('a get in current.fresh whose value is in its window acts as current.stale: served, refresh started', async () => {
    const s = setup();
    await bothFresh(s);
    s.clock.skip(FRESH_FOR + 100);
    expect([s.state('a'), s.state('b')]).toEqual(['current.fresh', 'current.fresh']);
    expect(await s.cache.get('a')).toBe('a1');
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withPrevious', 'current.fresh']);
    expect(await s.cache.get('b')).toBe('b1');
    expect(s.state('b')).toBe('refreshing.withPrevious');
    expect([s.fetch.calls('a'), s.fetch.calls('b')]).toEqual([2, 2]);
  });

  it('a get in current.fresh whose value reached ttl acts as empty: not served, the caller waits', async () => {
    const s = setup();
    await bothFresh(s);
    s.clock.skip(TTL - LAG);
    const a = s.cache.get('a');
    expect(await isSettled(a)).toBe(false);
    // `b` is LAG younger: in its window, still served.
    expect(await s.cache.get('b')).toBe('b1');
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withoutPrevious', 'refreshing.withPrevious']);
    s.fetch.resolve('a', 'a2');
    expect(await a).toBe('a2');
  });

  it('a get in current.stale whose value reached ttl acts as empty', async () => {
    const s = setup();
    await bothStale(s);
    s.clock.skip(WINDOW);
    const a = s.cache.get('a');
    const b = s.cache.get('b');
    expect(await isSettled(a)).toBe(false);
    expect(await isSettled(b)).toBe(false);
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withoutPrevious', 'refreshing.withoutPrevious']);
    s.fetch.resolve('b', 'b2');
    s.fetch.resolve('a', 'a2');
    expect([await a, await b]).toEqual(['a2', 'b2']);
  });

  it('a get in refreshing.withPrevious whose previous reached ttl waits for the fetch', async () => {
    const s = setup();
    await bothWithPrevious(s);
    s.clock.skip(WINDOW - LAG - 500);
    // `a` reached ttl, `b` has LAG to go.
    const a = s.cache.get('a');
    expect(await isSettled(a)).toBe(false);
    expect(await s.cache.get('b')).toBe('b1');
    expect([s.state('a'), s.state('b')]).toEqual(['refreshing.withoutPrevious', 'refreshing.withPrevious']);
    s.fetch.resolve('a', 'a2');
    expect(await a).toBe('a2');
  });

  it('late timers that finally fire change nothing a reader already saw', async () => {
    const s = setup();
    await bothFresh(s);
    s.clock.skip(TTL + LAG);
    s.clock.fireDue();
    expect([s.state('a'), s.state('b')]).toEqual(['empty', 'empty']);
    expect(s.clock.pendingDelays).toEqual([]);
  });
});
