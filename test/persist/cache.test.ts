/**
 * A cache with `persist` (SPEC guarantee 16), against the real adapter: the
 * restore is a seed with the saved age, synchronous over a `Storage`; what
 * cannot be served is removed; every stored value is saved, `invalidate`
 * removes it; a storage or persister that throws never reaches a caller and
 * never loses the value in memory; an asynchronous `load` answers the gets
 * issued before it settles as if it had settled first.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createBackgroundCache } from '../../src/index.js';
import { storagePersister } from '../../src/persist/index.js';
import type { CachePersister, StoredEntry } from '../../src/persist/index.js';
import {
  controlledFetch,
  countingFetch,
  defer,
  flush,
  isSettled,
  nextMacrotask,
  stateOf,
  watchStrayErrors,
} from '../helpers.js';
import { DisabledStorage, FullStorage, MemoryStorage } from './memoryStorage.js';

const KEY = 'value';
const TTL = 60_000;
const WINDOW = 10_000;
/** Wall-clock "now" of every test (Date is faked). */
const NOW = Date.UTC(2026, 11, 2, 4, 0, 0);

let stray: ReturnType<typeof watchStrayErrors>;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  stray = watchStrayErrors();
});

afterEach(async () => {
  await nextMacrotask();
  stray.stop();
  vi.useRealTimers();
  expect(stray.stray).toEqual([]);
});

const entry = (value: unknown, storedAt: number, v = 1) => JSON.stringify({ v, storedAt, value });

function setup<V = string>(saved?: string, options: { storage?: MemoryStorage | DisabledStorage; value?: V } = {}) {
  const storage = options.storage ?? new MemoryStorage();
  if (saved !== undefined && storage instanceof MemoryStorage) storage.items.set(KEY, saved);
  const errors: unknown[] = [];
  const clock = new SimulatedClock();
  const fetch = countingFetch<V>((options.value ?? 'fetched') as V);
  const persist = storagePersister<V>(KEY, { storage, onError: (error) => errors.push(error) });
  const cache = createBackgroundCache<V>({ ttl: TTL, refreshWindow: WINDOW, clock, fetch, persist });
  /** The saved entry, parsed, or undefined. */
  const stored = () => {
    const text = storage instanceof MemoryStorage ? storage.items.get(KEY) : undefined;
    return text === undefined ? undefined : (JSON.parse(text) as { v: number; storedAt: number; value: V });
  };
  /** The held value's age on the cache clock. */
  const age = () => {
    const { storedAt } = cache.actor.getSnapshot().context;
    return storedAt === undefined ? undefined : clock.now() - storedAt;
  };
  return { storage, errors, clock, fetch, cache, stored, age };
}

describe('restore', () => {
  it('should hold a fresh saved value when createBackgroundCache returns, with its age, and not fetch', async () => {
    const { cache, fetch, age, errors } = setup(entry('saved', NOW - 20_000));
    expect(cache.tryGet()).toBe('saved');
    expect(stateOf(cache.actor)).toBe('current.fresh');
    expect(age()).toBe(20_000);
    await expect(cache.get()).resolves.toBe('saved');
    expect(fetch.calls).toBe(0);
    expect(errors).toEqual([]);
  });

  it('should hold a saved value in its window as stale: served, and the first read refreshes it once', async () => {
    const { cache, fetch, age, stored } = setup(entry('saved', NOW - 55_000));
    expect(stateOf(cache.actor)).toBe('current.stale');
    expect(cache.peek().value).toBe('saved');
    expect(cache.tryGet()).toBeUndefined();
    expect(age()).toBe(55_000);
    await expect(Promise.all([cache.get(), cache.get()])).resolves.toEqual(['saved', 'saved']);
    await flush();
    expect(fetch.calls).toBe(1);
    expect(cache.tryGet()).toBe('fetched');
    expect(stored()).toEqual({ v: 1, storedAt: NOW, value: 'fetched' });
  });

  it('should keep the age moving on the cache clock after the restore', () => {
    const { cache, clock } = setup(entry('saved', NOW - 45_000));
    expect(stateOf(cache.actor)).toBe('current.fresh');
    clock.increment(5_000);
    expect(stateOf(cache.actor)).toBe('current.stale');
    clock.increment(10_000);
    expect(stateOf(cache.actor)).toBe('empty');
  });

  it.each([
    ['as old as ttl', NOW - TTL],
    ['older than ttl', NOW - TTL - 1],
    ['a day old', NOW - 86_400_000],
  ])('should not serve a saved value %s: it is removed, and a get fetches once', async (_, storedAt) => {
    const { cache, fetch, stored } = setup(entry('saved', storedAt));
    expect(stateOf(cache.actor)).toBe('empty');
    expect(cache.peek().value).toBeUndefined();
    expect(stored()).toBeUndefined();
    await expect(cache.get()).resolves.toBe('fetched');
    expect(fetch.calls).toBe(1);
    expect(stored()).toEqual({ v: 1, storedAt: NOW, value: 'fetched' });
  });

  it('should not serve a saved value dated in the future (the clock was set back): it is removed', async () => {
    const { cache, fetch, stored } = setup(entry('saved', NOW + 1));
    expect(stateOf(cache.actor)).toBe('empty');
    expect(stored()).toBeUndefined();
    await expect(cache.get()).resolves.toBe('fetched');
    expect(fetch.calls).toBe(1);
  });

  it.each([
    ['text that is not JSON', '{"v":1,'],
    ['the wrong shape', JSON.stringify(['saved', NOW])],
    ['another format version', entry('saved', NOW - 1_000, 2)],
    ['a storedAt that is not a finite number', '{"v":1,"storedAt":"yesterday","value":"saved"}'],
  ])('should not serve an entry with %s: it is removed and reported, and a get fetches', async (_, text) => {
    const { cache, fetch, stored, errors } = setup(text);
    expect(stateOf(cache.actor)).toBe('empty');
    expect(stored()).toBeUndefined();
    expect(errors).toHaveLength(1);
    await expect(cache.get()).resolves.toBe('fetched');
    expect(fetch.calls).toBe(1);
  });

  it('should not serve a value deserialize rejects', () => {
    const storage = new MemoryStorage();
    storage.items.set(KEY, entry(42, NOW - 1_000));
    const errors: unknown[] = [];
    const cache = createBackgroundCache<string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      clock: new SimulatedClock(),
      fetch: () => 'fetched',
      persist: storagePersister(KEY, {
        storage,
        onError: (error) => errors.push(error),
        deserialize: (data) => {
          if (typeof data !== 'string') throw new TypeError('not a string');
          return data;
        },
      }),
    });
    expect(stateOf(cache.actor)).toBe('empty');
    expect(storage.items.size).toBe(0);
    expect(errors).toEqual([new TypeError('not a string')]);
  });

  it('should create the cache empty when nothing is saved', () => {
    const { cache, errors, stored } = setup();
    expect(stateOf(cache.actor)).toBe('empty');
    expect(errors).toEqual([]);
    expect(stored()).toBeUndefined();
  });
});

describe('save and remove', () => {
  it('should save every fetched value with its storedAt', async () => {
    const { cache, stored, clock } = setup();
    await cache.get();
    expect(stored()).toEqual({ v: 1, storedAt: NOW, value: 'fetched' });
    clock.increment(55_000);
    vi.setSystemTime(NOW + 55_000);
    await cache.refresh();
    expect(stored()).toEqual({ v: 1, storedAt: NOW + 55_000, value: 'fetched' });
  });

  it('should save a seed with its age (storedAt = Date.now() - age)', () => {
    const { cache, stored } = setup();
    expect(cache.seed('seeded', { age: 5_000 })).toBe(true);
    expect(stored()).toEqual({ v: 1, storedAt: NOW - 5_000, value: 'seeded' });
    cache.seed('now');
    expect(stored()).toEqual({ v: 1, storedAt: NOW, value: 'now' });
  });

  it('should not save a seed the cache refuses (too old)', () => {
    const { cache, stored } = setup(entry('saved', NOW - 1_000));
    expect(cache.seed('too old', { age: TTL })).toBe(false);
    expect(stored()?.value).toBe('saved');
  });

  it('should keep a restored entry as it was saved (never younger)', () => {
    const { stored } = setup(entry('saved', NOW - 20_000));
    expect(stored()).toEqual({ v: 1, storedAt: NOW - 20_000, value: 'saved' });
  });

  it('should remove the entry on invalidate', () => {
    const { cache, stored } = setup(entry('saved', NOW - 1_000));
    cache.invalidate();
    expect(stored()).toBeUndefined();
    expect(stateOf(cache.actor)).toBe('empty');
  });

  it('should not save the value of a flight superseded by invalidate', async () => {
    const storage = new MemoryStorage();
    const fetch = controlledFetch<string>();
    const cache = createBackgroundCache<string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      clock: new SimulatedClock(),
      fetch,
      persist: storagePersister(KEY, { storage }),
    });
    const waiting = cache.get();
    cache.invalidate();
    fetch.resolve('superseded');
    await expect(waiting).resolves.toBe('superseded');
    expect(storage.items.size).toBe(0);
  });

  it('should leave storage alone after stop()', async () => {
    const { cache, stored } = setup(entry('saved', NOW - 1_000));
    cache.stop();
    cache.invalidate();
    expect(cache.seed('after stop')).toBe(false);
    await expect(cache.get()).rejects.toThrow();
    expect(stored()?.value).toBe('saved');
  });
});

describe('a storage that throws never reaches a caller', () => {
  it('should keep a value a full storage cannot save in memory, and report QuotaExceededError', async () => {
    const storage = new FullStorage();
    const { cache, errors } = setup(undefined, { storage });
    await expect(cache.get()).resolves.toBe('fetched');
    expect(cache.tryGet()).toBe('fetched');
    expect(cache.seed('seeded')).toBe(true);
    expect(cache.tryGet()).toBe('seeded');
    expect(errors).toHaveLength(2);
    expect(errors.every((error) => (error as DOMException).name === 'QuotaExceededError')).toBe(true);
  });

  it('should work as memory only over a disabled storage', async () => {
    const { cache, errors } = setup(undefined, { storage: new DisabledStorage() });
    expect(stateOf(cache.actor)).toBe('empty');
    await expect(cache.get()).resolves.toBe('fetched');
    expect(cache.tryGet()).toBe('fetched');
    cache.invalidate();
    expect(stateOf(cache.actor)).toBe('empty');
    expect(errors.length).toBeGreaterThanOrEqual(3);
  });

  it("should send what a persister's own methods throw to its onError, and keep the value", async () => {
    const failure = new Error('persister broke');
    const onError = vi.fn();
    const persist: CachePersister<string> = {
      load: () => {
        throw failure;
      },
      save: () => {
        throw failure;
      },
      remove: () => {
        throw failure;
      },
      onError,
    };
    const cache = createBackgroundCache<string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      clock: new SimulatedClock(),
      fetch: () => 'fetched',
      persist,
    });
    await expect(cache.get()).resolves.toBe('fetched');
    expect(cache.tryGet()).toBe('fetched');
    cache.invalidate();
    expect(onError.mock.calls).toEqual([[failure], [failure], [failure]]);
  });

  it('should swallow what a persister without onError throws', async () => {
    const persist: CachePersister<string> = {
      load: () => {
        throw new Error('load');
      },
      save: () => {
        throw new Error('save');
      },
      remove: () => {
        throw new Error('remove');
      },
    };
    const cache = createBackgroundCache<string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      clock: new SimulatedClock(),
      fetch: () => 'fetched',
      persist,
    });
    await expect(cache.get()).resolves.toBe('fetched');
    cache.invalidate();
    expect(stateOf(cache.actor)).toBe('empty');
  });
});

describe('an asynchronous load', () => {
  function asyncSetup() {
    const loading = defer<StoredEntry<string> | undefined>();
    const persist = { load: vi.fn(() => loading.promise), save: vi.fn(), remove: vi.fn(), onError: vi.fn() };
    const fetch = controlledFetch<string>();
    const clock = new SimulatedClock();
    const cache = createBackgroundCache<string>({ ttl: TTL, refreshWindow: WINDOW, clock, fetch, persist });
    return { loading, persist, fetch, clock, cache };
  }

  it('should answer a get issued before it settles with the loaded value, and not fetch', async () => {
    const { loading, fetch, cache, persist } = asyncSetup();
    expect(cache.tryGet()).toBeUndefined();
    const early = cache.get();
    await flush();
    expect(fetch.calls).toBe(0);
    expect(await isSettled(early)).toBe(false);
    loading.resolve({ value: 'saved', storedAt: NOW - 20_000 });
    await expect(early).resolves.toBe('saved');
    expect(fetch.calls).toBe(0);
    expect(cache.tryGet()).toBe('saved');
    expect(cache.actor.getSnapshot().context.storedAt).toBe(-20_000);
    expect(persist.onError).not.toHaveBeenCalled();
  });

  it('should fetch for the early get when the load finds nothing', async () => {
    const { loading, fetch, cache } = asyncSetup();
    const early = cache.get();
    loading.resolve(undefined);
    await flush();
    expect(fetch.calls).toBe(1);
    fetch.resolve('fetched');
    await expect(early).resolves.toBe('fetched');
  });

  it('should remove an expired loaded entry and fetch for the early get', async () => {
    const { loading, fetch, cache, persist } = asyncSetup();
    const early = cache.get();
    loading.resolve({ value: 'old', storedAt: NOW - TTL });
    await flush();
    expect(persist.remove).toHaveBeenCalledTimes(1);
    expect(fetch.calls).toBe(1);
    fetch.resolve('fetched');
    await expect(early).resolves.toBe('fetched');
  });

  it('should send a rejected load to onError and fetch for the early get', async () => {
    const { loading, fetch, cache, persist } = asyncSetup();
    const early = cache.get();
    const failure = new Error('IndexedDB blocked');
    loading.reject(failure);
    await flush();
    expect(persist.onError).toHaveBeenCalledWith(failure);
    expect(fetch.calls).toBe(1);
    fetch.resolve('fetched');
    await expect(early).resolves.toBe('fetched');
  });

  it('should serve a value in its window to the early get and refresh it once', async () => {
    const { loading, fetch, cache } = asyncSetup();
    const early = [cache.get(), cache.get()];
    loading.resolve({ value: 'saved', storedAt: NOW - 55_000 });
    await expect(Promise.all(early)).resolves.toEqual(['saved', 'saved']);
    await flush();
    expect(fetch.calls).toBe(1);
  });

  it('should let a seed made before it settles win over the older loaded value', async () => {
    const { loading, cache, persist } = asyncSetup();
    cache.seed('seeded');
    loading.resolve({ value: 'saved', storedAt: NOW - 20_000 });
    await flush();
    expect(cache.tryGet()).toBe('seeded');
    expect(persist.save).toHaveBeenLastCalledWith({ value: 'seeded', storedAt: NOW });
  });

  it('should let an invalidate made before it settles win: nothing is restored', async () => {
    const { loading, cache, persist, fetch } = asyncSetup();
    const early = cache.get();
    cache.invalidate();
    expect(persist.remove).toHaveBeenCalledTimes(1);
    loading.resolve({ value: 'saved', storedAt: NOW - 20_000 });
    await flush();
    expect(stateOf(cache.actor)).toBe('refreshing.withoutPrevious');
    expect(fetch.calls).toBe(1);
    fetch.resolve('fetched');
    await expect(early).resolves.toBe('fetched');
    expect(persist.save).toHaveBeenCalledWith({ value: 'fetched', storedAt: NOW });
  });

  it('should let an invalidate win over a load that then rejects, still reporting it', async () => {
    const { loading, cache, persist } = asyncSetup();
    cache.invalidate();
    const failure = new Error('IndexedDB blocked');
    loading.reject(failure);
    await flush();
    expect(persist.onError).toHaveBeenCalledWith(failure);
    expect(stateOf(cache.actor)).toBe('empty');
  });

  it('should neither restore nor remove the saved entry when the cache stops before it settles', async () => {
    const { loading, cache, persist } = asyncSetup();
    const early = cache.get();
    cache.stop();
    loading.resolve({ value: 'saved', storedAt: NOW - 20_000 });
    await expect(early).rejects.toThrow(/stopped/);
    expect(persist.remove).not.toHaveBeenCalled();
    expect(persist.save).not.toHaveBeenCalled();
  });

  it('should let a caller leave through its signal while the load is pending', async () => {
    const { loading, cache, fetch } = asyncSetup();
    const controller = new AbortController();
    const leaving = cache.get({ signal: controller.signal });
    const staying = cache.get({ signal: new AbortController().signal });
    const reason = new Error('left');
    controller.abort(reason);
    expect(await isSettled(leaving)).toBe(true);
    await expect(leaving).rejects.toBe(reason);
    loading.resolve(undefined);
    await flush();
    // Only the caller that stayed is waiting on the fetch.
    expect(fetch.calls).toBe(1);
    fetch.resolve('fetched');
    await expect(staying).resolves.toBe('fetched');
  });

  it('should keep the cache working when onError throws on a rejected load', async () => {
    const loading = defer<StoredEntry<string> | undefined>();
    const fetch = controlledFetch<string>();
    const cache = createBackgroundCache<string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      clock: new SimulatedClock(),
      fetch,
      persist: {
        load: () => loading.promise,
        save: () => {},
        remove: () => {},
        onError: () => {
          throw new Error('onError broke');
        },
      },
    });
    const early = cache.get();
    loading.reject(new Error('IndexedDB blocked'));
    await flush();
    expect(fetch.calls).toBe(1);
    fetch.resolve('fetched');
    await expect(early).resolves.toBe('fetched');
  });
});
