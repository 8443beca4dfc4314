import { expected } from '../adapter/errors.js';

/**
 * What a key becomes inside the cache: the `Map` key its entry is filed
 * under. Primitives are used as they are (`Map` compares them with
 * SameValueZero); anything else goes through `keyToString`.
 */
export type EntryKey = string | number | bigint | boolean | symbol | null | undefined;

/** Turns a caller's key into its {@link EntryKey}, or throws a `TypeError`. */
export type KeyReader<K> = (key: K) => EntryKey;

/**
 * The key reader for a cache. Keys are data, never code paths: they are
 * only ever `Map` keys, so `'__proto__'` or `'constructor'` is a key like any
 * other, and no key ends up in an actor id.
 *
 * @param keyToString - The caller's rendering of every key; without it, keys
 *   must be primitives.
 */
export function createKeyReader<K>(keyToString: ((key: K) => string) | undefined): KeyReader<K> {
  if (keyToString === undefined) {
    return (key) => {
      if (typeof key === 'object' ? key !== null : typeof key === 'function') {
        throw expected(TypeError, 'key', 'a primitive (pass `keyToString` for other keys)', key);
      }
      return key as EntryKey;
    };
  }
  return (key) => {
    let rendered: unknown;
    let cause: unknown;
    try {
      rendered = keyToString(key);
    } catch (error) {
      cause = error;
    }
    if (typeof rendered !== 'string') {
      // With what keyToString threw, if it threw.
      throw Object.assign(expected(TypeError, 'keyToString', 'a function that returns a string', rendered), { cause });
    }
    return rendered;
  };
}
