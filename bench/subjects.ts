/**
 * The caches the benchmarks compare, each behind one small interface: ours,
 * the hand-written floor (with our clock, and with bare `performance.now()`),
 * lru-cache's `fetch()` and TanStack Query's `ensureQueryData`.
 */
import { QueryClient } from '@tanstack/query-core';
import { LRUCache } from 'lru-cache';
import { createBackgroundCache, createSystemClock } from '../src/index.js';
import type { BackgroundCache, FetchFn } from '../src/index.js';
import { createFloorCache } from './floorCache.js';
import type { PeekableCache, SameSemanticsCache } from './floorCache.js';

/** The value type every benchmark caches. */
export type Value = number;

/** Lifetimes, in ms, as `createBackgroundCache` takes them. */
export interface Lifetimes {
  ttl: number;
  refreshWindow: number;
}

/** One cache under test, driven the same way whatever its library. */
export type BenchCache = SameSemanticsCache<Value>;

/** A peer's cache behind the common interface, with its own way to peek. */
type PeerCache = PeekableCache<Value>;

/** A library (or the floor) that can make caches for the benchmarks. */
export interface BenchSubject {
  /** Short name for the table. */
  readonly name: string;
  /** `'ours' | 'floor' | 'peer'`: what the row is compared as. */
  readonly role: 'ours' | 'floor' | 'peer';
  create(lifetimes: Lifetimes): BenchCache;
  /**
   * The value `cache` stores, whatever its age: how the benchmarks see a
   * refresh land without racing its freshness on a slow machine.
   */
  peek(cache: BenchCache): Value | undefined;
}

const peekPeer = (cache: BenchCache): Value | undefined => (cache as PeerCache).peek();

/** Ours, as users get it: the default (sleep-counting, never backwards) clock and real timers. */
export const ours: BenchSubject = {
  name: 'xstate-background-cache',
  role: 'ours',
  create: (lifetimes) => createBackgroundCache<Value>(lifetimes),
  peek: (cache) => (cache as BackgroundCache<Value>).actor.getSnapshot().context.value,
};

/** The floor: same semantics, no XState, and the same clock as ours. */
/**
 * Ours with every Part 2 option that changes the chart's work set: lifetimes
 * computed per value, a default fetch, a fetch timeout (one more timer per
 * flight), retries and a remembered failure. Issue 10 holds (a) and (b) within
 * 20% of the row above, and (c) and (e) are reported beside it.
 */
export const oursAllOptions: BenchSubject = {
  name: 'ours, every v2 option',
  role: 'peer',
  create: ({ ttl, refreshWindow }) =>
    createBackgroundCache<Value>({
      ttl: () => ttl,
      refreshWindow: () => refreshWindow,
      fetch: () => 0,
      fetchTimeout: 60_000,
      retry: 2,
      retryDelay: 100,
      errorTtl: 1_000,
    }),
  peek: (cache) => (cache as BackgroundCache<Value>).actor.getSnapshot().context.value,
};

export const floor: BenchSubject = {
  name: 'floor (hand-written)',
  role: 'floor',
  create: (lifetimes) => createFloorCache<Value>({ ...lifetimes, clock: createSystemClock() }),
  peek: peekPeer,
};

/** The floor reading bare `performance.now()`: no sleep counting, shown for honesty. */
export const floorBarePerformanceNow: BenchSubject = {
  name: 'floor, bare performance.now()',
  role: 'peer',
  create: (lifetimes) => createFloorCache<Value>({ ...lifetimes, clock: { now: () => performance.now() } }),
  peek: peekPeer,
};

const KEY = 'value';

/**
 * lru-cache 11 on one key: `fetch()` with `fetchMethod`, `allowStale` and a
 * `ttl` of `ttl - refreshWindow` (its "stale" is our refresh window). It has
 * no hard expiry for a stale entry, and caches "now" for 1 ms behind a timer.
 */
export const lruCache: BenchSubject = {
  name: 'lru-cache 11 fetch()',
  role: 'peer',
  peek: peekPeer,
  create({ ttl, refreshWindow }): PeerCache {
    const lru = new LRUCache<string, Value, FetchFn<Value>>({
      max: 1,
      ttl: ttl - refreshWindow,
      allowStale: true,
      noDeleteOnStaleGet: true,
      fetchMethod: (_key, _stale, { signal, context }) => Promise.resolve(context(signal)),
    });
    return {
      get: (fetch) => lru.fetch(KEY, { context: fetch }) as Promise<Value>,
      tryGet: () => lru.get(KEY, { allowStale: false }),
      peek: () => lru.peek(KEY, { allowStale: true }),
      seed: (value) => void lru.set(KEY, value),
      invalidate: () => void lru.delete(KEY),
      stop: () => lru.clear(),
    };
  },
};

/**
 * TanStack Query core: one `QueryClient` per cache and one query in it,
 * `ensureQueryData` with `staleTime: ttl - refreshWindow` and
 * `revalidateIfStale`. It has no hard expiry either; `gcTime: Infinity` keeps
 * its garbage-collection timer from holding the process.
 */
export const tanstackQuery: BenchSubject = {
  name: '@tanstack/query-core ensureQueryData',
  role: 'peer',
  peek: peekPeer,
  create({ ttl, refreshWindow }): PeerCache {
    const staleTime = ttl - refreshWindow;
    const client = new QueryClient({ defaultOptions: { queries: { gcTime: Infinity, retry: false } } });
    const queryKey = [KEY];
    return {
      get: (fetch) =>
        client.ensureQueryData<Value>({
          queryKey,
          queryFn: async ({ signal }) => fetch(signal),
          staleTime,
          revalidateIfStale: true,
        }),
      tryGet() {
        const state = client.getQueryState<Value>(queryKey);
        return state && !state.isInvalidated && Date.now() - state.dataUpdatedAt < staleTime ? state.data : undefined;
      },
      peek: () => client.getQueryData<Value>(queryKey),
      seed: (value) => void client.setQueryData(queryKey, value),
      invalidate: () => client.removeQueries({ queryKey, exact: true }),
      stop: () => client.clear(),
    };
  },
};

/** Every subject, in the order the table lists them. */
export const allSubjects: readonly BenchSubject[] = [
  ours,
  oursAllOptions,
  floor,
  floorBarePerformanceNow,
  lruCache,
  tanstackQuery,
];
