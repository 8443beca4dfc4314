/**
 * Helpers for the keyed cache's tests: a fetch the test settles per key, and
 * readers of each key's chart state.
 */
import { createKeyedBackgroundCache } from '../../src/index.js';
import type { KeyedBackgroundCache, KeyedBackgroundCacheOptions } from '../../src/index.js';
import type { KeyTable } from '../../src/keyed/keyTable.js';
import { defer, ManualClock } from '../helpers.js';
import type { Deferred } from '../helpers.js';

/** A keyed fetch the test settles itself, per key, counting calls and keeping signals. */
export interface KeyedControlledFetch<V> {
  (key: string, signal: AbortSignal): Promise<V>;
  /** How many times `key` was fetched. */
  calls(key: string): number;
  /** Every call's key, in order. */
  readonly log: string[];
  /** The signal of each call of `key`, in order. */
  signals(key: string): AbortSignal[];
  /** Settles the oldest pending call of `key`. */
  resolve(key: string, value: V): void;
  reject(key: string, reason: unknown): void;
  /** How many calls of `key` are not settled yet. */
  pending(key: string): number;
}

export function keyedControlledFetch<V>(): KeyedControlledFetch<V> {
  const pending = new Map<string, Deferred<V>[]>();
  const signals = new Map<string, AbortSignal[]>();
  const log: string[] = [];
  const listOf = <T>(map: Map<string, T[]>, key: string): T[] => {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    return list;
  };
  const take = (key: string): Deferred<V> => {
    const next = listOf(pending, key).shift();
    if (!next) throw new Error(`no fetch of ${JSON.stringify(key)} in flight`);
    return next;
  };
  const fn = (key: string, signal: AbortSignal): Promise<V> => {
    const deferred = defer<V>();
    listOf(pending, key).push(deferred);
    listOf(signals, key).push(signal);
    log.push(key);
    return deferred.promise;
  };
  return Object.assign(fn, {
    log,
    calls: (key: string) => listOf(signals, key).length,
    signals: (key: string) => listOf(signals, key),
    resolve: (key: string, value: V) => take(key).resolve(value),
    reject: (key: string, reason: unknown) => take(key).reject(reason),
    pending: (key: string) => listOf(pending, key).length,
  });
}

/** A chart state value as a string ('empty', 'current.fresh', ...). */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [parent, child] = Object.entries(value as Record<string, string>)[0]!;
  return `${parent}.${child}`;
}

/** A key's chart state as a string ('empty', 'current.fresh', ...); a key with no entry is 'empty'. */
export function keyState<K, V>(cache: KeyedBackgroundCache<K, V>, key: K): string {
  const peeked = cache.peek(key);
  return peeked === undefined ? 'empty' : stateName(peeked.state);
}

/** The cache's table of keys: an internal, reached by this package's tests only. */
export function tableOf<K, V>(cache: KeyedBackgroundCache<K, V>): KeyTable<V> {
  return (cache as unknown as { table: KeyTable<V> }).table;
}

/** Which of `candidates` the cache holds, in the order given. */
export function heldKeys<K, V>(cache: KeyedBackgroundCache<K, V>, candidates: readonly K[]): K[] {
  return candidates.filter((key) => cache.peek(key) !== undefined);
}

/** A keyed cache of strings on a {@link ManualClock}, with a fetch the test settles. */
export function keyedSetup(
  options: Partial<KeyedBackgroundCacheOptions<string, string>> &
    Pick<KeyedBackgroundCacheOptions<string, string>, 'ttl' | 'refreshWindow'>,
) {
  const clock = new ManualClock();
  const fetch = keyedControlledFetch<string>();
  const cache = createKeyedBackgroundCache<string, string>({ maxEntries: 100, clock, fetch, ...options });
  return {
    clock,
    fetch,
    cache,
    state: (key: string) => keyState(cache, key),
    /** The snapshot of `key`'s chart, if the key has an entry (an internal, for tests). */
    actorEntry: (key: string) => tableOf(cache).peek(key)?.snapshot,
  };
}
