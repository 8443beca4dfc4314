import { SETTING_NAMES, validateSettings } from '../adapter/options.js';
import type { CacheSettings, ResilienceOptions } from '../adapter/options.js';
import { expected } from '../adapter/errors.js';

/**
 * Options of {@link createKeyedBackgroundCache}: every key lives by `ttl` and
 * `refreshWindow` (the same numbers, or computed for each value and key) and
 * the same failure policy as the single cache.
 */
export interface KeyedBackgroundCacheOptions<K, V> extends CacheSettings, ResilienceOptions {
  /**
   * Milliseconds a key's stored value may be served; finite and > 0. A
   * function computes it for each value when it is stored, given the value
   * and its key; one that throws or breaks the rules stores nothing (a fetch
   * counts as failed, `seed` throws).
   */
  ttl: number | ((value: V, key: K) => number);
  /**
   * Milliseconds before `ttl` in which a read of the key starts a background
   * refresh; `0 <= refreshWindow < ttl`. A function computes it per value and
   * key, as for `ttl`.
   */
  refreshWindow: number | ((value: V, key: K) => number);
  /**
   * Fetches the value of `key`: called once per attempt of that key's
   * flight, with a signal that aborts when the result can reach no one or
   * the attempt times out. It may return a value, a promise, or throw.
   */
  fetch: (key: K, signal: AbortSignal) => V | PromiseLike<V>;
  /**
   * How many keys the cache holds at most: a positive integer. When a new
   * key would pass it, the least recently used key with no fetch in flight is
   * evicted (a key in `failed` counts, and may be evicted). Keys with a fetch
   * in flight are never evicted: while more than `maxEntries` fetches are in
   * flight at once, the cache holds one entry per fetch and shrinks back as
   * they settle.
   */
  maxEntries: number;
  /**
   * Renders a key as the string it is filed under, for keys that are not
   * primitives (an object, an array). When given, it is used for every key:
   * two keys with the same string are the same key.
   *
   * @defaultValue none: keys must be primitives, compared as `Map` keys
   */
  keyToString?: ((key: K) => string) | undefined;
}

const KEYED_NAMES = [...SETTING_NAMES, 'maxEntries', 'keyToString'];

/**
 * Checks `options` as {@link validateSettings} does (unknown names first, as
 * a `TypeError` naming them), plus `fetch` and `keyToString` (a `TypeError`
 * unless a function) and `maxEntries` (a `RangeError` unless a positive
 * integer).
 */
export function validateKeyedOptions(options: unknown): void {
  validateSettings(options, KEYED_NAMES);
  const { fetch, maxEntries, keyToString } = options;
  // `keyToString` may be absent; `String` stands in for it then.
  for (const [name, value] of Object.entries({ fetch, keyToString: keyToString ?? String })) {
    if (typeof value !== 'function') throw expected(TypeError, name, 'a function', value);
  }
  if (!(Number.isSafeInteger(maxEntries) && (maxEntries as number) > 0)) {
    throw expected(RangeError, 'maxEntries', 'a positive integer', maxEntries);
  }
}
