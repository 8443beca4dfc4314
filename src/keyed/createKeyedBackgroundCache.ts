import { createActor } from 'xstate';
import type { Actor } from 'xstate';
import { createSystemClock, withLongTimers } from '../adapter/clock.js';
import type { CacheClock } from '../adapter/clock.js';
import { CacheStoppedError, disposeSymbol } from '../adapter/lifecycle.js';
import type { DisposeMethod } from '../adapter/lifecycle.js';
import { inspectOption } from '../inspect/redactInspection.js';
import type { GetEvent } from '../machine/backgroundCacheMachine.js';
import { isExpiredAt, isFreshAt } from '../machine/timing.js';
import { flightStartedBy } from '../machine/flights.js';
import type { Flight } from '../machine/flights.js';
import { keyedCacheMachine } from './keyedCacheMachine.js';
import type { KeyedCacheMachine } from './keyedCacheMachine.js';
import { createKeyReader } from './keys.js';
import type { EntryKey, KeyReader } from './keys.js';
import type { KeyTable } from './keyTable.js';
import { validateKeyedOptions } from './options.js';
import type { KeyedBackgroundCacheOptions } from './options.js';

/** The running registry actor of a keyed cache: subscribe to it, inspect it, select from it. */
export type KeyedBackgroundCacheActor<V> = Actor<KeyedCacheMachine<V>>;

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
   * `keyToString`), with {@link CacheStoppedError} after
   * {@link KeyedBackgroundCache.stop | stop()}, and with the fetch's own
   * reason when the fetch it waits on fails.
   */
  get(key: K): Promise<V>;
  /**
   * Like {@link KeyedBackgroundCache.get | get()}, but never fetches and
   * never waits: the value of `key` while it is fresh, else `undefined`.
   * Marks the key used when it returns a value.
   */
  tryGet(key: K): V | undefined;
  /** Stores `value` as the fresh value of `key` now. A fetch of `key` in flight is superseded. */
  seed(key: K, value: V): void;
  /** Drops `key`: its entry goes, and its next `get` fetches. A fetch of `key` in flight is superseded. */
  invalidate(key: K): void;
  /** {@link KeyedBackgroundCache.invalidate | invalidate()} for every key. */
  invalidateAll(): void;
  /**
   * Like {@link KeyedBackgroundCache.invalidate | invalidate()}, and tells
   * whether the cache held `key` (a value, or a fetch in flight).
   */
  delete(key: K): boolean;
  /** How many keys the cache holds: each has a value or a fetch in flight. */
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

/** A `get` addressed to a key. */
type KeyedGetEvent<V> = GetEvent<V> & { readonly key: EntryKey };

class KeyedBackgroundCacheAdapter<K, V> implements KeyedBackgroundCache<K, V> {
  readonly actor: KeyedBackgroundCacheActor<V>;
  readonly #table: KeyTable<V>;
  readonly #clock: CacheClock;
  readonly #fetch: (key: K, signal: AbortSignal) => V | PromiseLike<V>;
  readonly #readKey: KeyReader<K>;

  constructor(options: KeyedBackgroundCacheOptions<K, V>, actor: KeyedBackgroundCacheActor<V>, clock: CacheClock) {
    this.actor = actor;
    this.#table = actor.getSnapshot().context.entries;
    this.#clock = clock;
    this.#fetch = options.fetch;
    this.#readKey = createKeyReader(options.keyToString);
  }

  get(key: K): Promise<V> {
    let entryKey: EntryKey;
    try {
      entryKey = this.#readKey(key);
    } catch (error) {
      // The key reader throws only TypeErrors.
      const badKey = error as TypeError;
      return Promise.reject(badKey);
    }
    const now = this.#clock.now();
    const entry = this.#table.peek(entryKey);
    // A value younger than ttl is the caller's answer whatever the key's chart
    // does with the get (SPEC: fresh, in the window, or the previous during a
    // refresh); `servable` keeps it for the cases that need the event too.
    let servable = false;
    let value: V | undefined;
    if (entry !== undefined) {
      const { context } = entry.snapshot;
      const flight = entry.runner?.current;
      if (context.storedAt !== undefined) {
        servable = !isExpiredAt(context, context.storedAt, now);
        // Fast paths, decided by the snapshot alone: no event for a fresh
        // value, for the previous one while its refresh is in flight, or for
        // joining a first fetch.
        if (isFreshAt(context, context.storedAt, now) || (servable && flight)) {
          this.#table.touch(entry);
          return Promise.resolve(context.value as V);
        }
        value = context.value;
      } else {
        // No value: a key keeps its entry only while it holds a value or a fetch is in flight.
        this.#table.touch(entry);
        return flight!.join();
      }
    } else if (this.actor.getSnapshot().status !== 'active') {
      return Promise.reject(new CacheStoppedError());
    }
    const event: KeyedGetEvent<V> = { type: 'get', key: entryKey, now, fetch: (signal) => this.#fetch(key, signal) };
    this.actor.send(event);
    if (servable) return Promise.resolve(value as V);
    // The caller waits on the fetch its get started, or the one it joined. A
    // fetch that re-enters the cache may supersede that fetch in the same turn
    // (the caller still waits on it), or have this event queued behind the
    // one being processed (answered once the registry is idle).
    return this.#join(event) ?? Promise.resolve().then(() => this.#join(event) ?? this.get(key));
  }

  /** The flight a processed `get` event leaves its caller waiting on. */
  #join(event: KeyedGetEvent<V>): Promise<V> | undefined {
    const flight: Flight<V> | undefined = flightStartedBy<V>(event) ?? this.#table.peek(event.key)?.runner?.current;
    if (flight) return flight.join();
    return this.actor.getSnapshot().status === 'active' ? undefined : Promise.reject(new CacheStoppedError());
  }

  tryGet(key: K): V | undefined {
    const entry = this.#table.peek(this.#readKey(key));
    if (entry === undefined) return undefined;
    const { context } = entry.snapshot;
    if (context.storedAt === undefined || !isFreshAt(context, context.storedAt, this.#clock.now())) return undefined;
    this.#table.touch(entry);
    return context.value;
  }

  seed(key: K, value: V): void {
    const entryKey = this.#readKey(key);
    if (this.actor.getSnapshot().status === 'active') {
      this.actor.send({ type: 'seed', key: entryKey, now: this.#clock.now(), value });
    }
  }

  invalidate(key: K): void {
    this.delete(key);
  }

  delete(key: K): boolean {
    const entryKey = this.#readKey(key);
    // Only a running registry holds entries.
    if (this.#table.peek(entryKey) === undefined) return false;
    this.actor.send({ type: 'invalidate', key: entryKey });
    return true;
  }

  invalidateAll(): void {
    if (this.#table.size > 0) this.actor.send({ type: 'invalidateAll' });
  }

  get size(): number {
    return this.#table.size;
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
 * own fresh, stale and refreshing states, single flight, late timers,
 * refresh window and errors, as {@link createBackgroundCache} gives one value.
 * A registry chart owns the keys and keeps at most `maxEntries` of them,
 * evicting the least recently used that has no fetch in flight.
 *
 * @example
 *   const users = createKeyedBackgroundCache<string, User>({
 *     ttl: 60_000,
 *     refreshWindow: 10_000,
 *     maxEntries: 500,
 *     fetch: (id, signal) => fetch(`/api/users/${encodeURIComponent(id)}`, { signal }).then((r) => r.json()),
 *   });
 *   const ada = await users.get('ada');
 *
 * @param options - Every key's lifetime (`ttl`, `refreshWindow`), the `fetch`
 *   of one key, the bound `maxEntries`, and optionally `keyToString`, a
 *   `clock`, an `inspect` observer and `redact`.
 * @throws RangeError naming the option when `ttl`, `refreshWindow` or
 *   `maxEntries` breaks its bounds; TypeError for a misshapen `fetch`,
 *   `keyToString`, `clock`, `inspect` or `redact`.
 */
export function createKeyedBackgroundCache<K, V>(
  options: KeyedBackgroundCacheOptions<K, V>,
): KeyedBackgroundCache<K, V> {
  validateKeyedOptions(options);
  const clock = withLongTimers(options.clock ?? createSystemClock());
  const actor = createActor(keyedCacheMachine as unknown as KeyedCacheMachine<V>, {
    input: {
      ttl: options.ttl,
      refreshWindow: options.refreshWindow,
      maxEntries: options.maxEntries,
      clock,
    },
    clock,
    ...inspectOption(options),
  });
  const { entries } = actor.getSnapshot().context;
  // However the registry stops, its keys' fetches are released and its timer cleared.
  actor.subscribe({ complete: () => entries.stop() });
  actor.start();
  return new KeyedBackgroundCacheAdapter(options, actor, clock);
}
