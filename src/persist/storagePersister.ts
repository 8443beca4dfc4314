import type { AnyValuePersister, CachePersister, StoredEntry } from '../adapter/extensions.js';

/**
 * What {@link storagePersister} needs of a storage: `localStorage`,
 * `sessionStorage`, or any object with these three methods (an in-memory map
 * in Node, a wrapper that namespaces keys).
 */
export type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** Options of {@link storagePersister}. */
export interface StoragePersisterOptions<V> {
  /**
   * Where the entry is kept.
   *
   * @defaultValue `localStorage` when the page has one and it can be reached
   *   (reaching it throws in some browsers when storage is disabled: that error
   *   goes to {@link StoragePersisterOptions.onError | onError}); with none
   *   (Node, workers) nothing is saved and nothing is restored.
   */
  storage?: StorageLike | undefined;
  /**
   * Turns the value into what is written, as JSON, into the entry: encrypt it,
   * or turn a `Map` or `Date` into plain data. Must be synchronous (the
   * restore is). What it throws goes to
   * {@link StoragePersisterOptions.onError | onError}; nothing is saved and the
   * older entry is removed.
   *
   * @defaultValue the value itself
   */
  serialize?: ((value: V) => unknown) | undefined;
  /**
   * Turns what was read from the entry back into a value. What storage holds
   * is untrusted input (any script of the origin can write it): check its
   * shape here and throw when it is wrong; the entry is then removed and not
   * served. Must be synchronous.
   *
   * @defaultValue the parsed JSON itself, unchecked
   */
  deserialize?: ((data: unknown) => V) | undefined;
  /**
   * Hears every error: a storage that throws, is full (`QuotaExceededError`)
   * or disabled, an entry that is not JSON, has the wrong shape or format
   * version, or that `deserialize` rejected. Nothing is ever thrown to the
   * cache or its callers.
   *
   * @defaultValue errors are ignored
   */
  onError?: ((error: unknown) => void) | undefined;
}

/** The {@link CachePersister} made by {@link storagePersister}: its `load` is synchronous. */
export interface StoragePersister<V> extends CachePersister<V> {
  /** The saved entry, read at once; `undefined` when there is none or it cannot be served. */
  load(): StoredEntry<V> | undefined;
}

/** The format of the entries this release writes; entries of any other version are removed on load. */
export const STORAGE_FORMAT_VERSION = 1;

/** The JSON written under the key: `{ "v": 1, "storedAt": …, "value": … }`. */
interface Envelope {
  readonly v: number;
  readonly storedAt: number;
  readonly value: unknown;
}

const isEnvelope = (data: unknown): data is Envelope =>
  typeof data === 'object' &&
  data !== null &&
  (data as Envelope).v === STORAGE_FORMAT_VERSION &&
  Number.isFinite((data as Envelope).storedAt) &&
  'value' in data;

/**
 * A {@link CachePersister} over a `Storage` (SPEC guarantee 16): the value and
 * its wall-clock `storedAt` are kept under `key` as versioned JSON (`{ "v": 1,
 * "storedAt": …, "value": … }`), so a cache created with it after a reload
 * restores the value, synchronously, with the age it had. An entry that is not
 * JSON, has another shape or format version, or that `deserialize` rejects is
 * removed and not served; `save` and `remove` never throw. Every error goes to
 * `onError`.
 *
 * `localStorage` is readable and writable by every script of the origin: keep
 * secrets out of it or encrypt them with `serialize`, and validate what comes
 * back with `deserialize`.
 *
 * @example
 *   import { createBackgroundCache } from 'xstate-background-cache';
 *   import { storagePersister } from 'xstate-background-cache/persist';
 *
 *   const cache = createBackgroundCache<Schema>({
 *     ttl: 60_000,
 *     refreshWindow: 10_000,
 *     fetch: () => fetch('/api/schema').then((response) => response.json()),
 *     persist: storagePersister('schema', { deserialize: toSchema }),
 *   });
 *   cache.tryGet(); // the saved schema, at once, while fresh
 *
 * Without `serialize` and `deserialize` it keeps values as they are, and fits
 * a cache of any value type (TypeScript takes the type from the cache's
 * options); with either, its value type is theirs.
 *
 * @param key The storage key the entry is kept under (one key per cache).
 * @param options Where and how; see {@link StoragePersisterOptions}.
 * @throws TypeError when `key` is not a string.
 */
export function storagePersister(
  key: string,
  options?: StoragePersisterOptions<unknown> & { serialize?: undefined; deserialize?: undefined },
): AnyValuePersister;
/** {@inheritDoc storagePersister} */
export function storagePersister<V>(key: string, options?: StoragePersisterOptions<V>): StoragePersister<V>;
export function storagePersister<V>(key: string, options: StoragePersisterOptions<V> = {}): StoragePersister<V> {
  if (typeof key !== 'string') throw new TypeError(`Expected \`key\` to be a string, got ${typeof key}`);
  const { storage, serialize, deserialize, onError } = options;
  const report = (error: unknown): void => onError?.(error);
  /** Runs `use` on the storage; what it (or reaching the storage) throws is reported. */
  const attempt = <T>(use: (storage: StorageLike) => T): T | undefined => {
    try {
      const target = storage ?? globalThis.localStorage;
      return target ? use(target) : undefined;
    } catch (error) {
      report(error);
      return undefined;
    }
  };
  const remove = (): void => void attempt((target) => target.removeItem(key));
  return {
    load(): StoredEntry<V> | undefined {
      const text = attempt((target) => target.getItem(key));
      if (text == null) return undefined;
      try {
        const data: unknown = JSON.parse(text);
        if (!isEnvelope(data)) {
          // The message leaves the entry out: it may hold a secret.
          throw new TypeError(`Expected the entry under ${JSON.stringify(key)} to be { v: 1, storedAt, value }`);
        }
        return { value: deserialize ? deserialize(data.value) : (data.value as V), storedAt: data.storedAt };
      } catch (error) {
        report(error);
        remove();
        return undefined;
      }
    },
    save({ value, storedAt }: StoredEntry<V>): void {
      const written = attempt((target) => {
        target.setItem(
          key,
          JSON.stringify({ v: STORAGE_FORMAT_VERSION, storedAt, value: serialize ? serialize(value) : value }),
        );
        return true;
      });
      // An older entry must not outlive a value that could not be saved.
      if (!written) remove();
    },
    remove,
    onError,
  };
}
