import { createActor } from 'xstate';
import type { Actor } from 'xstate';
import { createSystemClock, withLongTimers } from '../adapter/clock.js';
import type { CacheClock } from '../adapter/clock.js';
import { expected } from '../adapter/errors.js';
import { CacheStoppedError, disposeSymbol } from '../adapter/lifecycle.js';
import type { DisposeMethod } from '../adapter/lifecycle.js';
import { lifetimeOf } from '../adapter/lifetime.js';
import type { GetOptions } from '../adapter/createBackgroundCache.js';
import { inspectOption } from '../inspect/redactInspection.js';
import type { GetEvent, RefreshEvent } from '../machine/backgroundCacheMachine.js';
import { flightStartedBy } from '../machine/flights.js';
import type { Flight } from '../machine/flights.js';
import { isExpiredAt, isFreshAt } from '../machine/timing.js';
import type { KeyPeek } from './keyEntry.js';
import { createKeyedCacheLogic } from './keyedCacheLogic.js';
import type { KeyedCacheLogic } from './keyedCacheLogic.js';
import { createKeyReader } from './keys.js';
import type { EntryKey, KeyReader } from './keys.js';
import { KeyTable } from './keyTable.js';
import { validateKeyedOptions } from './options.js';
import type { KeyedBackgroundCacheOptions } from './options.js';

/**
 * The running registry actor of a keyed cache: subscribe to it, inspect it,
 * select from it. Its snapshot's `context` is a value (a `KeyedCacheView`):
 * a new object whenever anything a reader can see changes (a key's state,
 * value or error; a key coming or going), the same object otherwise.
 */
export type KeyedBackgroundCacheActor<V> = Actor<KeyedCacheLogic<V>>;

/**
 * A stale-while-revalidate cache for many values, one per key, each living by
 * `backgroundCacheMachine` exactly as {@link BackgroundCache} does, in at
 * most `maxEntries` entries.
 */
export interface KeyedBackgroundCache<K, V> extends DisposeMethod {
  /**
   * Returns the value of `key`: at once while it is fresh; at once while it
   * is in its refresh window, starting one background refresh; otherwise
   * after the key's one shared fetch (started if there is none). Marks the
   * key used.
   *
   * Rejects with a `TypeError` for a key the cache cannot file (see
   * `keyToString`), with `signal.reason` when the caller leaves through
   * `options.signal`, with {@link CacheStoppedError} after
   * {@link KeyedBackgroundCache.stop | stop()}, at once with the remembered
   * reason (the same object) while the key is `failed`, and with the fetch's
   * own reason when the flight it waits on fails.
   */
  get(key: K, options?: GetOptions): Promise<V>;
  /**
   * Fetches `key` now, whatever the age, and resolves with the new value
   * (joining a flight in flight). Readers meanwhile still get the previous
   * value. Leaves `failed` and `current.backingOff`.
   */
  refresh(key: K): Promise<V>;
  /**
   * Like {@link KeyedBackgroundCache.get | get()}, but never fetches and
   * never waits: the value of `key` while it is fresh, else `undefined`.
   * Marks the key used when it returns a value.
   */
  tryGet(key: K): V | undefined;
  /**
   * The state of `key`, the value a read would be served now, and its last
   * failure; `undefined` when the cache holds nothing for `key`. Never
   * fetches, never waits, never marks the key used. The same object while
   * nothing it shows has changed, so it can be a `useSyncExternalStore`
   * snapshot.
   */
  peek(key: K): KeyPeek<V> | undefined;
  /**
   * Stores `value` as the value of `key`, stored `age` ms ago (default 0),
   * unless it is as old as its `ttl` already. A fetch of `key` in flight is
   * superseded and a remembered failure forgotten. Returns whether the cache
   * holds it: `false` when expired, after `stop()`, or when every entry is
   * fetching (nothing can make room).
   *
   * @throws RangeError naming `age` unless it is finite and >= 0, or naming
   *   `ttl`/`refreshWindow` when the value's computed lifetime breaks the rules.
   */
  seed(key: K, value: V, options?: { age?: number | undefined }): boolean;
  /** Drops `key`: its entry goes, and its next `get` fetches. A fetch of `key` in flight is superseded. */
  invalidate(key: K): void;
  /** {@link KeyedBackgroundCache.invalidate | invalidate()} for every key. */
  invalidateAll(): void;
  /**
   * Like {@link KeyedBackgroundCache.invalidate | invalidate()}, and tells
   * whether the cache held `key` (a value, a fetch in flight, or a failure).
   */
  delete(key: K): boolean;
  /** How many keys the cache holds: each has a value, a fetch in flight, or a remembered failure. */
  readonly size: number;
  /**
   * Stops the registry and clears its timer. Callers already waiting get
   * their fetch's outcome; a fetch nobody waits on is aborted. Calling it
   * twice is fine.
   */
  stop(): void;
  /** The running registry actor: `subscribe`, `getSnapshot`, `@xstate/react`'s `useSelector`. */
  readonly actor: KeyedBackgroundCacheActor<V>;
}

/** A `get` or `refresh` event addressed to a key. */
type KeyedRead<V> = (GetEvent<V> | RefreshEvent<V>) & { readonly key: EntryKey; readonly source?: unknown };

/** A promise rejected with `reason` as it is: reasons pass through, Error or not (guarantee 5). */
const rejected = (reason: unknown): Promise<never> => Promise.reject(reason);

class KeyedBackgroundCacheAdapter<K, V> implements KeyedBackgroundCache<K, V> {
  readonly actor: KeyedBackgroundCacheActor<V>;
  /**
   * The keys (for this package's tests only; not part of the API).
   *
   * @internal
   */
  readonly table: KeyTable<V>;
  readonly #clock: CacheClock;
  readonly #options: KeyedBackgroundCacheOptions<K, V>;
  readonly #readKey: KeyReader<K>;

  constructor(options: KeyedBackgroundCacheOptions<K, V>, clock: CacheClock) {
    this.#options = options;
    this.#clock = clock;
    this.#readKey = createKeyReader(options.keyToString);
    const { ttl, refreshWindow } = options;
    this.table = new KeyTable<V>({
      chart: {
        ttl: typeof ttl === 'number' ? ttl : undefined,
        refreshWindow: typeof refreshWindow === 'number' ? refreshWindow : undefined,
        fetchTimeout: options.fetchTimeout,
        retry: options.retry,
        retryDelay: options.retryDelay,
        errorTtl: options.errorTtl,
        now: () => clock.now(),
      },
      lifetime: (value, key) => lifetimeOf(ttl, refreshWindow, [value as V, key as K]),
      maxEntries: options.maxEntries,
      clock,
      releasedTimeout: options.fetchTimeout === undefined ? undefined : { ms: options.fetchTimeout, clock },
    });
    this.actor = createActor(createKeyedCacheLogic(this.table), inspectOption(options) || undefined);
    // However the registry ends (stopped, or failed loudly), its keys' flights are released and its timer cleared.
    const end = () => this.table.stop();
    this.actor.subscribe({ complete: end, error: end });
    this.actor.start();
  }

  get(key: K, options?: GetOptions): Promise<V> {
    const signal = options?.signal;
    if (signal?.aborted) return rejected(signal.reason);
    let entryKey: EntryKey;
    try {
      entryKey = this.#readKey(key);
    } catch (error) {
      // The key reader throws only TypeErrors.
      return rejected(error);
    }
    const entry = this.table.peek(entryKey);
    // A value younger than ttl is the caller's answer whatever the key's chart
    // does with the get (SPEC: fresh, in the window, or the previous during a
    // refresh); `servable` keeps it for the cases that need the event too.
    let servable = false;
    let value: V | undefined;
    if (entry !== undefined) {
      const { context } = entry.snapshot;
      const flight = entry.runner?.current;
      const now = this.#clock.now();
      const failing = (context.failedUntil ?? -Infinity) > now;
      if (context.storedAt !== undefined) {
        servable = !isExpiredAt(context, context.storedAt, now);
        // Fast paths, decided by the snapshot alone: no event for a fresh
        // value, for the previous one while its refresh is in flight, or
        // while a failure is remembered (no refresh starts then).
        if (servable && (isFreshAt(context, context.storedAt, now) || flight || failing)) {
          this.table.touch(entry);
          return Promise.resolve(context.value as V);
        }
        value = context.value;
      } else if (flight) {
        // No value: a flight in flight is the answer, whatever the time.
        this.table.touch(entry);
        return flight.join(signal);
      } else if (failing) {
        // `failed`: the remembered reason, at once, and no fetch.
        this.table.touch(entry);
        return rejected(context.error);
      }
    } else if (this.actor.getSnapshot().status !== 'active') {
      return this.#ended();
    }
    const event: KeyedRead<V> = this.#read('get', key, entryKey);
    this.actor.send(event);
    if (servable) return Promise.resolve(value as V);
    // The caller waits on the fetch its get started, or the one it joined. A
    // fetch that re-enters the cache may supersede that fetch in the same turn
    // (the caller still waits on it), or have this event queued behind the
    // one being processed (answered once the registry is idle).
    return (
      this.#waitFor(event, signal) ??
      Promise.resolve().then(() => this.#waitFor(event, signal) ?? this.get(key, options))
    );
  }

  refresh(key: K): Promise<V> {
    let entryKey: EntryKey;
    try {
      entryKey = this.#readKey(key);
    } catch (error) {
      return rejected(error);
    }
    if (this.actor.getSnapshot().status !== 'active') return this.#ended();
    const event = this.#read('refresh', key, entryKey);
    this.actor.send(event);
    return this.#waitFor(event, undefined) ?? Promise.resolve().then(() => this.refresh(key));
  }

  /**
   * A `get` or `refresh` of `key`, with the fetch of that key. With
   * `keyToString`, it carries the key as the caller gave it (`source`), which
   * `ttl` and `refreshWindow` functions receive with a fetched value.
   */
  #read(type: 'get' | 'refresh', key: K, entryKey: EntryKey): KeyedRead<V> {
    const fetch = this.#options.fetch;
    const read: KeyedRead<V> = { type, key: entryKey, now: this.#clock.now(), fetch: (signal) => fetch(key, signal) };
    return this.#options.keyToString === undefined ? read : { ...read, source: key };
  }

  /** What a processed `get` or `refresh` leaves its caller waiting on; `undefined` when it is still queued. */
  #waitFor(event: KeyedRead<V>, signal: AbortSignal | undefined) {
    const entry = this.table.peek(event.key);
    const flight: Flight<V> | undefined = flightStartedBy<V>(event) ?? entry?.runner?.current;
    if (flight) return flight.join(signal);
    if (this.actor.getSnapshot().status !== 'active') return this.#ended();
    // The read found the value expired while a failure is remembered: `failed`.
    if (entry?.snapshot.value === 'failed') return rejected(entry.snapshot.context.error);
    return undefined;
  }

  /** Why a stopped or failed registry cannot answer: CacheStoppedError, or what broke it. */
  #ended(): Promise<never> {
    const snapshot = this.actor.getSnapshot();
    return rejected(snapshot.status === 'error' ? snapshot.error : new CacheStoppedError());
  }

  tryGet(key: K): V | undefined {
    const entry = this.table.peek(this.#readKey(key));
    if (entry === undefined) return undefined;
    const { context } = entry.snapshot;
    if (context.storedAt === undefined || !isFreshAt(context, context.storedAt, this.#clock.now())) return undefined;
    this.table.touch(entry);
    return context.value;
  }

  peek(key: K): KeyPeek<V> | undefined {
    const entry = this.table.peek(this.#readKey(key));
    return entry && this.table.view(entry, this.#clock.now());
  }

  seed(key: K, value: V, options?: { age?: number | undefined }): boolean {
    const age = options?.age ?? 0;
    if (!(typeof age === 'number' && age >= 0 && age < Infinity)) {
      throw expected(RangeError, 'age', 'a finite number >= 0', age);
    }
    const entryKey = this.#readKey(key);
    if (this.actor.getSnapshot().status !== 'active') return false;
    const lifetime = this.table.lifetime(value, key);
    if (age >= (lifetime?.ttl ?? (this.#options.ttl as number))) return false;
    const now = this.#clock.now();
    const storedAt = now - age;
    const version = this.actor.getSnapshot().context.version;
    this.actor.send({ type: 'seed', key: entryKey, now, value, storedAt, ...lifetime });
    // A seed that is handled always changes the snapshot; one that did not is
    // queued behind the event being handled, and will be stored.
    if (this.actor.getSnapshot().context.version === version) return true;
    return this.table.peek(entryKey)?.snapshot.context.storedAt === storedAt;
  }

  invalidate(key: K): void {
    this.delete(key);
  }

  delete(key: K): boolean {
    const entryKey = this.#readKey(key);
    // Only a running registry holds entries.
    if (this.table.peek(entryKey) === undefined) return false;
    this.actor.send({ type: 'invalidate', key: entryKey });
    return true;
  }

  invalidateAll(): void {
    if (this.table.size > 0) this.actor.send({ type: 'invalidateAll' });
  }

  get size(): number {
    return this.table.size;
  }

  stop(): void {
    this.actor.stop();
  }

  [disposeSymbol](): void {
    this.stop();
  }
}

/**
 * Creates a stale-while-revalidate cache for many values of type `V`, one per
 * key of type `K`. Every key lives by `backgroundCacheMachine` exactly: its
 * own fresh, stale, refreshing, retrying and failed states, single flight,
 * late timers, refresh window and errors, as {@link createBackgroundCache}
 * gives one value. A registry owns the keys and keeps at most `maxEntries`
 * of them, evicting the least recently used that has no fetch in flight.
 *
 * @example
 *   const users = createKeyedBackgroundCache({
 *     ttl: 60_000,
 *     refreshWindow: 10_000,
 *     maxEntries: 500,
 *     fetchTimeout: 5_000,
 *     retry: 2,
 *     errorTtl: 10_000,
 *     fetch: (id: string, signal) => fetch(`/api/users/${encodeURIComponent(id)}`, { signal }).then((r) => r.json() as Promise<User>),
 *   });
 *   const ada = await users.get('ada', { signal: AbortSignal.timeout(2_000) });
 *
 * @param options - Every key's lifetime (`ttl`, `refreshWindow`: numbers, or
 *   functions of the value and key), the `fetch` of one key, the bound
 *   `maxEntries`, and optionally the failure policy (`fetchTimeout`, `retry`,
 *   `retryDelay`, `errorTtl`), `keyToString`, a `clock`, an `inspect`
 *   observer and `redact`.
 * @throws TypeError naming unknown options, or for a misshapen `fetch`,
 *   `keyToString`, `clock`, `inspect`, `redact`, `retry` or `retryDelay`;
 *   RangeError naming a number out of its bounds (`ttl`, `refreshWindow`,
 *   `maxEntries`, `fetchTimeout`, `retry`, `retryDelay`, `errorTtl`).
 */
export function createKeyedBackgroundCache<K, V>(
  options: KeyedBackgroundCacheOptions<K, V>,
): KeyedBackgroundCache<K, V> {
  validateKeyedOptions(options);
  return new KeyedBackgroundCacheAdapter(options, withLongTimers(options.clock ?? createSystemClock()));
}
