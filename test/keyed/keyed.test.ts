/**
 * The keyed cache's API and SPEC's guarantees per key: options, keys as
 * data, single flight per key, errors, cancellation, stop, re-entrance,
 * long lifetimes and inspection. (Transitions: keyed-transitions.test.ts;
 * eviction and the bound: keyed-eviction.test.ts.)
 */
import { createInspector } from '@statelyai/inspect';
import type { InspectionEvent } from 'xstate';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { CacheStoppedError, createKeyedBackgroundCache, MAX_TIMER_DELAY } from '../../src/index.js';
import type { KeyedBackgroundCache, KeyedBackgroundCacheOptions } from '../../src/index.js';
import { flush, ManualClock, nextMacrotask, watchStrayErrors } from '../helpers.js';
import { heldKeys, keyedSetup, keyState } from './helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const FRESH_FOR = TTL - WINDOW;

function setup(options: Partial<KeyedBackgroundCacheOptions<string, string>> = {}) {
  return keyedSetup({ ttl: TTL, refreshWindow: WINDOW, ...options });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createKeyedBackgroundCache: options', () => {
  const base = { ttl: TTL, refreshWindow: WINDOW, maxEntries: 10, fetch: (key: string) => key };

  it('should throw a RangeError naming maxEntries unless it is a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', undefined, null]) {
      expect(() => createKeyedBackgroundCache({ ...base, maxEntries: maxEntries as number })).toThrow(RangeError);
      expect(() => createKeyedBackgroundCache({ ...base, maxEntries: maxEntries as number })).toThrow(/`maxEntries`/);
    }
    expect(() => createKeyedBackgroundCache({ ...base, maxEntries: 1 }).stop()).not.toThrow();
  });

  it('should throw a TypeError unless fetch is a function', () => {
    for (const fetch of [undefined, 'fetch', {}]) {
      expect(() => createKeyedBackgroundCache({ ...base, fetch: fetch as never })).toThrow(TypeError);
      expect(() => createKeyedBackgroundCache({ ...base, fetch: fetch as never })).toThrow(/`fetch`/);
    }
  });

  it('should throw a TypeError unless keyToString is a function', () => {
    expect(() => createKeyedBackgroundCache({ ...base, keyToString: 'json' as never })).toThrow(
      /Expected `keyToString` to be a function/,
    );
  });

  it('should check ttl, refreshWindow, clock, inspect and redact as the single cache does', () => {
    expect(() => createKeyedBackgroundCache({ ...base, ttl: 0 })).toThrow(RangeError);
    expect(() => createKeyedBackgroundCache({ ...base, refreshWindow: TTL })).toThrow(/`refreshWindow`/);
    expect(() => createKeyedBackgroundCache({ ...base, clock: {} as never })).toThrow(/`clock`/);
    expect(() => createKeyedBackgroundCache(null as never)).toThrow(TypeError);
  });

  it('should infer the key and value types from fetch', () => {
    const cache = createKeyedBackgroundCache({
      ...base,
      fetch: async (id: number) => ({ id }),
    });
    expectTypeOf(cache).toEqualTypeOf<KeyedBackgroundCache<number, { id: number }>>();
    expectTypeOf(cache.get(1)).resolves.toEqualTypeOf<{ id: number }>();
    cache.stop();
  });
});

describe('keys are data, never code paths', () => {
  const specialKeys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'fetch', 'x:0'];

  it('should hold keys that name Object.prototype members, the empty string and internal names as ordinary keys', async () => {
    const cache = createKeyedBackgroundCache<string, string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      maxEntries: 100,
      clock: new ManualClock(),
      fetch: (key) => `value of ${JSON.stringify(key)}`,
    });
    const got = await Promise.all(specialKeys.map((key) => cache.get(key)));
    expect(got).toEqual(specialKeys.map((key) => `value of ${JSON.stringify(key)}`));
    expect(cache.size).toBe(specialKeys.length);
    expect(heldKeys(cache, specialKeys)).toEqual(specialKeys);
    cache.seed('__proto__', 'polluted?');
    expect(cache.tryGet('__proto__')).toBe('polluted?');
    expect(cache.tryGet('constructor')).toBe('value of "constructor"');
    expect(({} as Record<string, unknown>)['polluted?']).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    cache.stop();
  });

  it('should hold a very long string key, and tell it apart from its prefix', async () => {
    const long = 'k'.repeat(1_000_000);
    const { cache, fetch } = setup();
    const got = cache.get(long);
    const prefix = cache.get(long.slice(0, -1));
    fetch.resolve(long, 'long');
    fetch.resolve(long.slice(0, -1), 'prefix');
    expect([await got, await prefix]).toEqual(['long', 'prefix']);
    cache.stop();
  });

  it('should compare primitive keys as Map keys: 1 and "1" differ, NaN is a key, symbols and null work', async () => {
    const symbol = Symbol('key');
    const keys: unknown[] = [1, '1', Number.NaN, symbol, null, undefined, true, 10n];
    const cache = createKeyedBackgroundCache<unknown, string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      maxEntries: 100,
      clock: new ManualClock(),
      fetch: (key) => (typeof key === 'symbol' ? 'symbol' : `${typeof key}:${String(key)}`),
    });
    for (const key of keys) await cache.get(key);
    expect(cache.size).toBe(keys.length);
    expect(cache.tryGet(1)).toBe('number:1');
    expect(cache.tryGet('1')).toBe('string:1');
    expect(cache.tryGet(Number.NaN)).toBe('number:NaN');
    expect(cache.tryGet(symbol)).toBe('symbol');
    expect(cache.tryGet(Symbol('key'))).toBeUndefined();
    expect(heldKeys(cache, keys)).toEqual(keys);
    expect(cache.peek(Symbol('key'))).toBeUndefined();
    cache.stop();
  });

  it('should reject or throw a TypeError for an object key without keyToString, and hold nothing', async () => {
    const { cache } = setup();
    const objectKey = { id: 1 } as unknown as string;
    await expect(cache.get(objectKey)).rejects.toThrow(TypeError);
    await expect(cache.get(objectKey)).rejects.toThrow(
      /Expected `key` to be a primitive.*`keyToString`.*got an object/,
    );
    await expect(cache.get((() => 'k') as unknown as string)).rejects.toThrow(/got a function/);
    expect(() => cache.tryGet(objectKey)).toThrow(TypeError);
    expect(() => cache.seed(objectKey, 'v')).toThrow(TypeError);
    expect(() => cache.invalidate(objectKey)).toThrow(TypeError);
    expect(() => cache.delete(objectKey)).toThrow(TypeError);
    expect(cache.size).toBe(0);
    cache.stop();
  });

  it('should file keys under keyToString, hand fetch the original key, and share entries between equal renderings', async () => {
    interface Row {
      table: string;
      id: number;
    }
    const seen: Row[] = [];
    const cache = createKeyedBackgroundCache<Row, string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      maxEntries: 10,
      clock: new ManualClock(),
      keyToString: (row) => `${row.table}/${row.id}`,
      fetch: (row) => {
        seen.push(row);
        return `${row.table}#${row.id}`;
      },
    });
    const first = { table: 'users', id: 7 };
    expect(await cache.get(first)).toBe('users#7');
    expect(await cache.get({ table: 'users', id: 7 })).toBe('users#7');
    expect(seen).toEqual([first]);
    expect(seen[0]).toBe(first);
    expect(cache.size).toBe(1);
    expect(cache.peek({ table: 'users', id: 7 })?.value).toBe('users#7');
    cache.stop();
  });

  it('should turn a key that keyToString cannot handle into a TypeError, with the cause', async () => {
    const cause = new Error('no id');
    const cache = createKeyedBackgroundCache<{ id?: number }, string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      maxEntries: 10,
      clock: new ManualClock(),
      keyToString: (key) => {
        if (key.id === undefined) throw cause;
        return key.id === 0 ? (0 as unknown as string) : String(key.id);
      },
      fetch: () => 'v',
    });
    const error = await cache.get({}).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe(
      'Expected `keyToString` to be a function that returns a string, got undefined',
    );
    expect((error as TypeError).cause).toBe(cause);
    await expect(cache.get({ id: 0 })).rejects.toThrow(/returns a string, got 0$/);
    expect(() => cache.seed({}, 'v')).toThrow(TypeError);
    expect(cache.size).toBe(0);
    cache.stop();
  });
});

describe('guarantee 1: single flight, per key', () => {
  it('should own one fetch per key for 1,000 concurrent cold readers over 10 keys', async () => {
    const { cache, fetch } = setup();
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const readers = Array.from({ length: 1_000 }, (_, i) => cache.get(keys[i % 10]!));
    expect(fetch.log).toEqual(keys);
    for (const key of keys) fetch.resolve(key, key.toUpperCase());
    const values = await Promise.all(readers);
    expect(values.every((value, i) => value === keys[i % 10]!.toUpperCase())).toBe(true);
  });
});

describe('guarantee 3: resolved means stored, per key', () => {
  it("should show a fetched value in tryGet in the get caller's continuation", async () => {
    const { cache, fetch } = setup();
    const seen = new Map<string, string | undefined>();
    const a = cache.get('a').then(() => seen.set('a', cache.tryGet('a')));
    const b = cache.get('b').then(() => seen.set('b', cache.tryGet('b')));
    fetch.resolve('b', 'b1');
    fetch.resolve('a', 'a1');
    await Promise.all([a, b]);
    expect(Object.fromEntries(seen)).toEqual({ a: 'a1', b: 'b1' });
  });
});

describe('guarantees 4 and 5: errors pass through, and no stray errors', () => {
  it('should count a synchronous throw as a rejection, pass a non-Error reason unchanged, resolve a plain value', async () => {
    const reason = { code: 'E_NOPE' };
    const cache = createKeyedBackgroundCache<string, string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      maxEntries: 10,
      clock: new ManualClock(),
      fetch: (key) => {
        if (key === 'throws') throw new Error('sync');
        if (key === 'rejects') return Promise.reject(reason);
        return `plain ${key}`;
      },
    });
    await expect(cache.get('throws')).rejects.toThrow('sync');
    await expect(cache.get('rejects')).rejects.toBe(reason);
    expect(await cache.get('fine')).toBe('plain fine');
    expect([keyState(cache, 'throws'), keyState(cache, 'rejects')]).toEqual(['empty', 'empty']);
    cache.stop();
  });

  it('should keep a failed background refresh silent: no unhandled rejection, the reason visible in the snapshot', async () => {
    const watch = watchStrayErrors();
    try {
      const { cache, fetch, clock } = setup();
      const first = cache.get('a');
      fetch.resolve('a', 'a1');
      await first;
      clock.advance(FRESH_FOR + 1);
      expect(await cache.get('a')).toBe('a1');
      const reason = new Error('refresh failed');
      fetch.reject('a', reason);
      await flush();
      await nextMacrotask();
      expect(watch.stray).toEqual([]);
      expect(cache.peek('a')?.error).toBe(reason);
      expect(keyState(cache, 'a')).toBe('current.stale');
    } finally {
      watch.stop();
    }
  });
});

describe('guarantee 6: cancellation, per key', () => {
  it('should abort a superseded background refresh nobody waits on, and not the other key', async () => {
    const { cache, fetch, clock } = setup();
    for (const key of ['a', 'b']) {
      const got = cache.get(key);
      fetch.resolve(key, `${key}1`);
      await got;
    }
    clock.advance(FRESH_FOR + 1);
    await cache.get('a');
    await cache.get('b');
    cache.invalidate('a');
    await flush();
    expect(fetch.signals('a')[1]!.aborted).toBe(true);
    expect(fetch.signals('b')[1]!.aborted).toBe(false);
    cache.seed('b', 'b-seeded');
    await flush();
    expect(fetch.signals('b')[1]!.aborted).toBe(true);
  });

  it('should not abort a superseded fetch while a caller waits on it; the caller gets its outcome', async () => {
    const { cache, fetch } = setup();
    const waiter = cache.get('a');
    expect(cache.delete('a')).toBe(true);
    await flush();
    expect(fetch.signals('a')[0]!.aborted).toBe(false);
    fetch.resolve('a', 'a1');
    expect(await waiter).toBe('a1');
    expect(cache.size).toBe(0);
  });
});

describe('guarantee 8: stop, and the methods around it', () => {
  it('should clear every timer, reject get with CacheStoppedError, and make the other methods no-ops', async () => {
    const { cache, fetch, clock } = setup();
    const got = cache.get('a');
    fetch.resolve('a', 'a1');
    await got;
    cache.seed('b', 'b1');
    expect(clock.pendingDelays.length).toBe(1);
    cache.stop();
    expect(clock.pendingDelays).toEqual([]);
    expect(cache.actor.getSnapshot().status).toBe('stopped');
    await expect(cache.get('a')).rejects.toBeInstanceOf(CacheStoppedError);
    await expect(cache.get('c')).rejects.toThrow(/stopped/);
    expect(cache.tryGet('a')).toBeUndefined();
    cache.seed('a', 'x');
    cache.invalidate('a');
    cache.invalidateAll();
    expect(cache.delete('a')).toBe(false);
    expect(cache.size).toBe(0);
    expect(() => cache.stop()).not.toThrow();
    expect(() => cache[Symbol.dispose]()).not.toThrow();
  });

  it('should let callers already waiting get their outcome, and abort a fetch nobody waits on', async () => {
    const { cache, fetch, clock } = setup();
    const seeded = cache.get('b');
    fetch.resolve('b', 'b1');
    await seeded;
    clock.advance(FRESH_FOR + 1);
    const waiter = cache.get('a');
    expect(await cache.get('b')).toBe('b1');
    cache[Symbol.dispose]();
    await flush();
    expect(fetch.signals('a')[0]!.aborted).toBe(false);
    expect(fetch.signals('b')[1]!.aborted).toBe(true);
    fetch.resolve('a', 'a1');
    expect(await waiter).toBe('a1');
    expect(cache.size).toBe(0);
  });

  it('should release every key however the registry stops, also by actor.stop()', async () => {
    const { cache, fetch, clock } = setup();
    const first = cache.get('a');
    cache.seed('a', 'a1');
    clock.advance(FRESH_FOR + 1);
    expect(await cache.get('a')).toBe('a1');
    cache.actor.stop();
    await flush();
    // The superseded first fetch has a waiter; the refresh has none.
    expect(fetch.signals('a').map((signal) => signal.aborted)).toEqual([false, true]);
    expect(clock.pendingDelays).toEqual([]);
    expect(cache.size).toBe(0);
    fetch.resolve('a', 'a0');
    expect(await first).toBe('a0');
  });

  it('should tell with delete whether the key was held, and empty the cache with invalidateAll', async () => {
    const { cache, fetch } = setup();
    cache.seed('a', 'a1');
    cache.seed('b', 'b1');
    const inFlight = cache.get('c');
    expect(cache.size).toBe(3);
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    expect(cache.delete('never')).toBe(false);
    cache.invalidate('never');
    cache.invalidateAll();
    expect(cache.size).toBe(0);
    expect(cache.tryGet('b')).toBeUndefined();
    fetch.resolve('c', 'c1');
    expect(await inFlight).toBe('c1');
    expect(cache.size).toBe(0);
    cache.invalidateAll();
    expect(cache.size).toBe(0);
  });
});

describe('re-entrance', () => {
  it('should serve a fetch that re-enters the cache for another key and supersedes its own', async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const cache: KeyedBackgroundCache<string, string> = createKeyedBackgroundCache<string, string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      maxEntries: 10,
      clock,
      fetch: async (key) => {
        log.push(key);
        if (key === 'outer') {
          cache.seed('outer', 'seeded while fetching');
          return `${await cache.get('inner')} then outer`;
        }
        return key;
      },
    });
    expect(await cache.get('outer')).toBe('inner then outer');
    expect(log).toEqual(['outer', 'inner']);
    expect(cache.tryGet('outer')).toBe('seeded while fetching');
    cache.stop();
  });

  it('should answer a get sent by an observer while the registry is busy, once it is processed', async () => {
    const { cache, fetch } = setup();
    const fromObserver: Promise<string>[] = [];
    const subscription = cache.actor.subscribe(() => {
      if (fromObserver.length === 0) fromObserver.push(cache.get('b'));
    });
    const a = cache.get('a');
    subscription.unsubscribe();
    expect(fromObserver).toHaveLength(1);
    fetch.resolve('a', 'a1');
    fetch.resolve('b', 'b1');
    expect([await a, await fromObserver[0]]).toEqual(['a1', 'b1']);
  });

  it('should serve a queued get from a value seeded just before it, with no fetch', async () => {
    const { cache, fetch } = setup();
    const fromObserver: Promise<string>[] = [];
    const subscription = cache.actor.subscribe(() => {
      if (fromObserver.length > 0) return;
      cache.seed('b', 'b-seeded');
      fromObserver.push(cache.get('b'));
    });
    cache.seed('a', 'a1');
    subscription.unsubscribe();
    expect(await fromObserver[0]).toBe('b-seeded');
    expect(fetch.calls('b')).toBe(0);
  });

  it('should answer a get queued behind a stop with CacheStoppedError', async () => {
    const { cache } = setup();
    const fromObserver: Promise<string>[] = [];
    cache.actor.subscribe(() => {
      if (fromObserver.length === 0) {
        cache.stop();
        fromObserver.push(cache.get('b'));
      }
    });
    void cache.get('a').catch(() => {});
    await expect(fromObserver[0]).rejects.toBeInstanceOf(CacheStoppedError);
  });
});

describe('guarantee 10: long lifetimes, per key', () => {
  it('should keep a key for a 60-day ttl on clamped timers, and drop it at its ttl, not before', async () => {
    const day = 24 * 60 * 60 * 1_000;
    const { cache, clock } = setup({ ttl: 60 * day, refreshWindow: day });
    cache.seed('a', 'a1');
    clock.advance(day);
    cache.seed('b', 'b1');
    expect(Math.max(...clock.pendingDelays)).toBeLessThanOrEqual(MAX_TIMER_DELAY);
    clock.advance(59 * day - 1);
    expect([keyState(cache, 'a'), keyState(cache, 'b')]).toEqual(['current.stale', 'current.fresh']);
    clock.advance(1);
    expect([keyState(cache, 'a'), keyState(cache, 'b')]).toEqual(['empty', 'current.stale']);
    clock.advance(day);
    expect(cache.size).toBe(0);
    expect(clock.pendingDelays).toEqual([]);
  });
});

describe('inspection', () => {
  it("should show in the registry's snapshot a version, the size and the keys each change touched, never a value", async () => {
    const { cache, fetch, clock } = setup();
    cache.seed('a', 'secret-a');
    expect(cache.actor.getSnapshot().context).toEqual({
      version: 1,
      size: 1,
      changes: [{ key: 'a', state: { current: 'fresh' } }],
    });
    clock.advance(100);
    const b = cache.get('b');
    expect(cache.actor.getSnapshot().context).toEqual({
      version: 2,
      size: 2,
      changes: [{ key: 'b', state: { refreshing: 'withoutPrevious' } }],
    });
    fetch.resolve('b', 'secret-b');
    await b;
    cache.invalidate('a');
    expect(cache.actor.getSnapshot().context).toEqual({ version: 4, size: 1, changes: [{ key: 'a', state: 'empty' }] });
    expect(JSON.stringify(cache.actor.getSnapshot())).not.toContain('secret');
    cache.stop();
  });

  it('should hide values and reasons from inspect by default, show them with redact: false, and show each flight by its key and number', async () => {
    const run = async (redact: boolean | undefined) => {
      const raw: InspectionEvent[] = [];
      const sent: string[] = [];
      const stately = createInspector({ send: (event) => sent.push(JSON.stringify(event)) });
      const clock = new ManualClock();
      const cache = createKeyedBackgroundCache<string, string>({
        ttl: TTL,
        refreshWindow: WINDOW,
        maxEntries: 10,
        clock,
        fetch: async (key) => {
          if (key === 'c') throw new Error('secret-reason');
          return `fetched-${key}`;
        },
        inspect: (event) => {
          raw.push(event);
          stately.inspect.next?.(event);
        },
        ...(redact === undefined ? {} : { redact }),
      });
      await cache.get('a');
      cache.seed('b', 'seeded-b');
      await expect(cache.get('c')).rejects.toThrow('secret-reason');
      await new Promise((resolve) => setTimeout(resolve, 0));
      cache.stop();
      return { raw, sent };
    };
    const secrets = /fetched-a|seeded-b|secret-reason/;

    const redacted = await run(undefined);
    const rawText = redacted.raw.map((event) =>
      JSON.stringify({ ...event, actorRef: undefined, sourceRef: undefined }),
    );
    expect(rawText.filter((text) => secrets.test(text))).toEqual([]);
    expect(redacted.sent.filter((text) => secrets.test(text))).toEqual([]);
    // Each flight's outcome reaches the registry as an event naming its key and flight.
    const events = redacted.raw.flatMap((event) => (event.type === '@xstate.event' ? [event.event] : []));
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'fetch.done', key: 'a', flight: 1, value: '[redacted]' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'fetch.error', key: 'c', flight: 1, reason: '[redacted]' }),
    );

    const shown = await run(false);
    expect(shown.sent.some((text) => text.includes('seeded-b'))).toBe(true);
    expect(shown.sent.some((text) => text.includes('fetched-a'))).toBe(true);
  });

  it('should let redact choose what inspect sees of a value', async () => {
    const events: InspectionEvent[] = [];
    const cache = createKeyedBackgroundCache<string, string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      maxEntries: 10,
      clock: new ManualClock(),
      fetch: (key) => key,
      inspect: (event) => void events.push(event),
      redact: (secret, kind) => `<${kind} of length ${String(secret).length}>`,
    });
    cache.seed('a', 'secret');
    cache.stop();
    const seed = events.find((event) => event.type === '@xstate.event' && event.event.type === 'seed');
    expect(seed?.type === '@xstate.event' && seed.event).toMatchObject({ key: 'a', value: '<value of length 6>' });
  });
});

describe('the registry chart', () => {
  it('should ignore an invalidate sent straight to it for a key it does not hold', () => {
    const { cache } = setup();
    cache.seed('a', 'a1');
    cache.actor.send({ type: 'invalidate', key: 'missing' });
    expect(heldKeys(cache, ['a', 'missing'])).toEqual(['a']);
    cache.actor.send({ type: 'invalidate', key: 'a' });
    expect(cache.size).toBe(0);
    cache.stop();
  });
});
