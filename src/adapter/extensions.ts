/**
 * The contracts between a cache and what can be plugged into it: a persister
 * (`xstate-background-cache/persist`), refresh triggers
 * (`xstate-background-cache/browser`) and tab sharing
 * (`xstate-background-cache/share`). Types only: an app that plugs nothing in
 * ships none of their code.
 */

/**
 * A value with the wall-clock moment it was stored (`Date.now()` scale, ms),
 * so that its age survives a reload or a trip to another tab: `age =
 * Date.now() - storedAt`.
 */
export interface StoredEntry<V> {
  readonly value: V;
  /** Wall-clock ms (`Date.now()` scale) at which the value was stored. */
  readonly storedAt: number;
}

/**
 * Where a cache keeps its value across reloads (SPEC guarantee 16). The cache
 * calls {@link CachePersister.load} once when it is created and restores what
 * it gets as a seed with its age; it calls {@link CachePersister.save} after
 * every value it stores and {@link CachePersister.remove} on `invalidate()`.
 * None of them may break the cache: what they throw goes to
 * {@link CachePersister.onError}, never to a caller.
 *
 * @example
 *   // An IndexedDB persister: `load` may be asynchronous.
 *   const persister: CachePersister<Schema> = {
 *     load: () => idbGet('schema'),
 *     save: (entry) => void idbSet('schema', entry),
 *     remove: () => void idbDel('schema'),
 *   };
 */
export interface CachePersister<V> {
  /**
   * The saved entry, or `undefined` when there is none (or it could not be
   * read). Synchronous over a `Storage`, so the value is there when
   * `createBackgroundCache` returns; may return a promise.
   */
  load(): StoredEntry<V> | undefined | PromiseLike<StoredEntry<V> | undefined>;
  /** Saves the value the cache just stored. */
  save(entry: StoredEntry<V>): void;
  /** Forgets the saved value (the cache was invalidated, or what was saved cannot be served). */
  remove(): void;
  /** Hears what `load`, `save` or `remove` threw or rejected with. */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * A {@link CachePersister} that keeps values of any type as they are, such as
 * `storagePersister(key)` without `serialize` or `deserialize`. It fits a
 * cache of any value type, and TypeScript takes that type from the cache's own
 * options (`ttl`, `refreshWindow`, `fetch`).
 */
export interface AnyValuePersister {
  /** As {@link CachePersister.load}: the saved entry, trusted to hold the cache's type. */
  load<V>(): StoredEntry<V> | undefined;
  /** As {@link CachePersister.save}. */
  save<V>(entry: StoredEntry<V>): void;
  /** As {@link CachePersister.remove}. */
  remove(): void;
  /** As {@link CachePersister.onError}. */
  onError?: ((error: unknown) => void) | undefined;
}

/**
 * Something that happens in the app after which the value should be checked
 * (SPEC guarantee 18): the page became visible, the network came back, the
 * router navigated. When it fires, the cache acts as a `get` with its default
 * `fetch` and no caller: a value in its window or expired is refreshed, a
 * fresh one is not, a `failed` state is respected.
 *
 * @example
 *   const onNavigate: RefreshTrigger = {
 *     subscribe: (trigger) => router.subscribe('onResolved', trigger),
 *   };
 */
export interface RefreshTrigger {
  /** Starts listening; returns what stops listening (the cache calls it on `stop()`). */
  subscribe(trigger: () => void): () => void;
}

/**
 * What a cache offers a {@link CacheSharing} transport: its value, and a way
 * to take in what other caches of the same name did.
 */
export interface SharingPort<V> {
  /** The value this cache holds and may serve now, with its wall-clock `storedAt`, if any. */
  current(): StoredEntry<V> | undefined;
  /**
   * Another cache stored a value: this cache stores it with its age (never
   * younger), unless it already holds a value stored at the same time or later.
   */
  store(entry: StoredEntry<V>): void;
  /** Another cache was invalidated: this one drops its value too. */
  invalidate(): void;
  /**
   * The cache's `fetchTimeout` option (ms), if given: every attempt of a live
   * cache settles within it, so a transport may take a cache that holds the
   * turn to fetch for much longer than that for hung, and let another fetch.
   */
  readonly fetchTimeout?: number | undefined;
}

/** One cache's link to the others of its name; made by {@link CacheSharing.connect}. */
export interface SharingConnection<V> {
  /**
   * Runs one attempt of this cache's flight as the one fetch among all the
   * caches of the name: it waits its turn (at most one fetch in flight among
   * them), adopts a value another cache stored after `since` instead of
   * fetching, or calls `fetch` and shares the outcome. Resolves with the
   * entry to store (an adopted one keeps its age); rejects with the failure
   * (from another cache: a copy of its reason). `signal` aborts when this
   * cache no longer needs the attempt, or with a `TimeoutError` when the
   * attempt timed out (a transport shares that as the flight's failure).
   * `since` is the wall-clock moment (`Date.now()`) the attempt started: a
   * value the cache came to hold with a later `storedAt` (another cache's,
   * taken through {@link SharingPort.store} meanwhile) is adopted instead of
   * fetching, and so is a value the cache takes from another while the
   * attempt waits (an answer to a new cache's question, however old).
   */
  fetch(fetch: (signal: AbortSignal) => Promise<V>, signal: AbortSignal, since: number): Promise<StoredEntry<V>>;
  /** This cache stored a value (fetched, seeded, restored): the others store it too. */
  publish(entry: StoredEntry<V>): void;
  /** This cache was invalidated by its caller: the others drop their value too. */
  invalidate(): void;
  /** The cache stopped: let go of every lock, channel and listener. */
  close(): void;
}

/**
 * A transport that makes caches of one name behave as one (SPEC guarantee
 * 17): `shareAcrossTabs(name)` for the tabs and workers of an origin, or one
 * of your own (a server's Redis, a test's in-memory hub).
 */
export interface CacheSharing<V> {
  /** Called once, when the cache is created. */
  connect(port: SharingPort<V>): SharingConnection<V>;
}

/**
 * A {@link CacheSharing} that carries values of any type, such as
 * `shareAcrossTabs(name)`. It fits a cache of any value type, and TypeScript
 * takes that type from the cache's own options (`ttl`, `refreshWindow`,
 * `fetch`).
 */
export interface AnyValueSharing {
  /** As {@link CacheSharing.connect}. */
  connect<V>(port: SharingPort<V>): SharingConnection<V>;
}
