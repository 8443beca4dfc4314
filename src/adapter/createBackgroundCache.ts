import { createActor } from 'xstate';
import type { Actor, StateValue } from 'xstate';
import { chartFor } from '../machine/backgroundCacheMachine.js';
import type {
  BackgroundCacheContext,
  BackgroundCacheMachine,
  FetchFn,
  GetEvent,
  RefreshEvent,
} from '../machine/backgroundCacheMachine.js';
import { flightStartedBy, FlightRunner, runFetch } from '../machine/flights.js';
import type { AttemptResult, Flight, FlightHost } from '../machine/flights.js';
import { isExpiredAt, isFreshAt } from '../machine/timing.js';
import { inspectOption } from '../inspect/redactInspection.js';
import { createSystemClock, withLongTimers } from './clock.js';
import type { CacheClock } from './clock.js';
import { expected } from './errors.js';
import type { CachePersister, SharingConnection, StoredEntry } from './extensions.js';
import { lifetimeOf } from './lifetime.js';
import { validateOptions } from './options.js';
import type { BackgroundCacheOptions } from './options.js';
import { CacheStoppedError, disposeSymbol } from './lifecycle.js';
import type { DisposeMethod } from './lifecycle.js';

/** The running actor of a cache: subscribe to it, inspect it, select from it. */
export type BackgroundCacheActor<V> = Actor<BackgroundCacheMachine<V>>;

/** Options of a read: a signal through which its caller can leave (guarantee 13). */
export interface GetOptions {
  /**
   * When it aborts, this caller rejects with `signal.reason` at once and stops
   * counting as a waiter; an already aborted signal rejects before anything
   * starts. The fetch keeps running while the cache would still store its result.
   */
  signal?: AbortSignal | undefined;
}

/** What {@link BackgroundCache.peek} shows: the state, the value it may serve now, and the last failure. */
export interface CachePeek<V> {
  /** The chart's state, as `actor.getSnapshot().value`. */
  readonly state: StateValue;
  /** The value a read would be served now (fresh, in its window, or the previous during a refresh), else `undefined`. */
  readonly value: V | undefined;
  /** Why the last attempt failed, until a value is stored again. */
  readonly error: unknown;
}

/** A stale-while-revalidate cache for one value, driven by {@link backgroundCacheMachine}. */
export interface BackgroundCache<V> extends DisposeMethod {
  /**
   * Returns the value: at once while it is fresh; at once while it is in its
   * refresh window, starting one background refresh with `fetch`; otherwise
   * after the one shared fetch in flight (started with `fetch` if there is
   * none). `fetch` (default: the `fetch` option) is called only when a new
   * fetch is needed.
   *
   * Rejects with a `TypeError` when `fetch` is not a function or there is no
   * fetch at all, with `signal.reason` when the caller leaves, with
   * {@link CacheStoppedError} after {@link BackgroundCache.stop | stop()}, at
   * once with the remembered reason in `failed`, and with the fetch's own
   * reason when the flight it waits on fails.
   */
  get(fetch?: FetchFn<V>, options?: GetOptions): Promise<V>;
  /** {@link BackgroundCache.get | get()} with the default `fetch` option. */
  get(options: GetOptions): Promise<V>;
  /**
   * Fetches now, whatever the age, with the default `fetch`, and resolves with
   * the new value (joining a flight in flight). Readers meanwhile still get
   * the previous value. Leaves `failed` and `current.backingOff`.
   */
  refresh(): Promise<V>;
  /**
   * Like {@link BackgroundCache.get | get()}, but never fetches and never
   * waits: the value while it is fresh (younger than `ttl - refreshWindow`),
   * else `undefined`.
   */
  tryGet(): V | undefined;
  /**
   * The state, the servable value and the last failure, without reading
   * (never fetches, never waits). For a UI that shows more than `tryGet()`.
   */
  peek(): CachePeek<V>;
  /**
   * Stores `value` as stored `age` ms ago (default 0), unless it is as old as
   * its `ttl` already. A flight in flight is superseded and a remembered
   * failure forgotten. Returns whether it stored; `false` after `stop()`.
   *
   * @throws RangeError naming `age` unless it is finite and >= 0, or naming
   *   `ttl`/`refreshWindow` when the value's computed lifetime breaks the rules.
   */
  seed(value: V, options?: { age?: number | undefined }): boolean;
  /** Drops the value and any remembered failure; the next `get` fetches. A flight in flight is superseded. */
  invalidate(): void;
  /**
   * Stops the actor, clears every timer and removes every listener. Callers
   * already waiting get their fetch's outcome; a fetch nobody waits on is
   * aborted. Calling it twice is fine.
   */
  stop(): void;
  /** The running XState actor: `subscribe`, `getSnapshot`, `@xstate/react`'s `useSelector`. */
  readonly actor: BackgroundCacheActor<V>;
}

const noop = (): void => {};

/**
 * A fresh hit hands back one settled promise per stored value, held no
 * longer than the snapshot context that holds the value (never past its
 * expiry). Contexts are never shared between caches, so one map serves all.
 */
const servedByContext = new WeakMap<object, Promise<unknown>>();

const isThenable = (input: unknown): input is PromiseLike<unknown> =>
  typeof (input as PromiseLike<unknown> | null)?.then === 'function';

class BackgroundCacheAdapter<V> implements BackgroundCache<V> {
  readonly actor: BackgroundCacheActor<V>;
  readonly #clock: CacheClock;
  readonly #options: BackgroundCacheOptions<V>;
  readonly #runner: FlightRunner<V>;
  /** What the runner needs of the cache; tab sharing sets how an attempt runs. */
  readonly #flightHost: { -readonly [K in keyof FlightHost<V>]: FlightHost<V>[K] };
  /** Unsubscribes the refresh triggers; made only when there are some. */
  #unsubscribe: (() => void)[] | undefined;
  #connection: SharingConnection<V> | undefined;
  /** While an asynchronous restore is pending: reads wait for it (guarantee 16). */
  #restoring: Promise<void> | undefined;

  constructor(options: BackgroundCacheOptions<V>, clock: CacheClock) {
    this.#options = options;
    this.#clock = clock;
    const now = () => clock.now();
    this.#flightHost = {
      now,
      report: (event) => this.#report(event),
      lifetime: (value) => this.#lifetime(value),
      releasedTimeout: options.fetchTimeout === undefined ? undefined : { ms: options.fetchTimeout, clock },
    };
    this.#runner = new FlightRunner<V>(this.#flightHost);
    this.actor = createActor(chartFor<V>(options.fetchTimeout), {
      input: {
        ttl: typeof options.ttl === 'number' ? options.ttl : undefined,
        refreshWindow: typeof options.refreshWindow === 'number' ? options.refreshWindow : undefined,
        fetchTimeout: options.fetchTimeout,
        retry: options.retry,
        retryDelay: options.retryDelay,
        errorTtl: options.errorTtl,
        now,
      },
      clock,
      ...inspectOption(options),
    });
    // The chart decides every step of a flight; the runner carries it out. (It
    // emits nothing else; one listener for all, rather than one per command.)
    this.actor.on('*', (command) => this.#runner.command(command));
    this.actor.start();
  }

  // What the flight runner needs of the cache.

  #report(event: Parameters<FlightHost<V>['report']>[0]): void {
    this.actor.send(event);
    if (event.type === 'fetch.done') this.#stored(event.value, event.storedAt ?? event.now, true, true);
  }

  /** One attempt as the one fetch among the tabs: the entry may be another cache's, with its age. */
  #attempt(fetch: FetchFn<V>, signal: AbortSignal): Promise<AttemptResult<V>> {
    return this.#connection!.fetch((attemptSignal) => runFetch(fetch, attemptSignal), signal, Date.now()).then(
      (entry) => ({ value: entry.value, storedAt: this.#fromWallClock(entry.storedAt) }),
    );
  }

  #lifetime(value: V): { ttl: number; refreshWindow: number } | undefined {
    return lifetimeOf(this.#options.ttl, this.#options.refreshWindow, [value]);
  }

  // The public API.

  get(fetchOrOptions?: FetchFn<V> | GetOptions, options?: GetOptions): Promise<V> {
    let fetch = this.#options.fetch;
    let getOptions = options;
    if (typeof fetchOrOptions === 'function') fetch = fetchOrOptions;
    else if (typeof fetchOrOptions === 'object' && fetchOrOptions !== null && options === undefined) {
      getOptions = fetchOrOptions;
    } else if (fetchOrOptions !== undefined) {
      return Promise.reject(expected(TypeError, 'fetch', 'a function or an options object', fetchOrOptions));
    }
    const signal = getOptions?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (fetch === undefined) {
      return Promise.reject(
        expected(TypeError, 'fetch', 'a function: get() has no fetch and no `fetch` option', fetch),
      );
    }
    return this.#read(fetch, signal, true);
  }

  refresh(): Promise<V> {
    const fetch = this.#options.fetch;
    if (fetch === undefined) {
      return Promise.reject(expected(TypeError, 'fetch', 'a function: refresh() uses the `fetch` option', fetch));
    }
    if (this.#restoring) return this.#restoring.then(() => this.refresh());
    if (this.actor.getSnapshot().status !== 'active') return Promise.reject(new CacheStoppedError());
    const event: RefreshEvent<V> = { type: 'refresh', now: this.#clock.now(), fetch };
    this.actor.send(event);
    return this.#waitFor(event, undefined) ?? Promise.resolve().then(() => this.refresh());
  }

  /**
   * A read with `fetch`: by a caller (`join`), who gets the value or waits
   * for the flight; or by a trigger, which only starts what a read would.
   */
  #read(fetch: FetchFn<V>, signal: AbortSignal | undefined, join: boolean): Promise<V> {
    if (this.#restoring) {
      // The caller can leave while the restore is pending (guarantee 13), and starts nothing once it has.
      const restored = this.#restoring.then(() =>
        signal?.aborted ? Promise.reject(signal.reason as Error) : this.#read(fetch, signal, join),
      );
      return signal
        ? Promise.race([
            restored,
            new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))),
          ])
        : restored;
    }
    const snapshot = this.actor.getSnapshot();
    if (snapshot.status !== 'active') return Promise.reject(new CacheStoppedError());
    const { context } = snapshot;
    const flight = this.#runner.current;
    // Fast paths, decided by the snapshot alone: no event. With no value held,
    // a flight in flight is the answer whatever the time, so the clock waits.
    if (context.storedAt === undefined && flight) return join ? flight.join(signal) : flight.promise;
    const now = this.#clock.now();
    // A value younger than ttl is the caller's answer whatever the chart does
    // with the get (SPEC: fresh, in the window, or the previous during a refresh).
    let servable = false;
    if (context.storedAt !== undefined) {
      servable = !isExpiredAt(context, context.storedAt, now);
      // No event for a fresh value, or for the previous one while its refresh
      // is in flight. While a failure is remembered the chart's own row
      // (`isBackingOff`) answers: it starts nothing.
      if (servable && (isFreshAt(context, context.storedAt, now) || flight)) return this.#serve(context);
    } else if ((context.failedUntil ?? -Infinity) > now) {
      // `failed`: the remembered reason, at once, and no fetch.
      return Promise.reject(context.error);
    }
    const event: GetEvent<V> = { type: 'get', now, fetch };
    this.actor.send(event);
    // The context the read judged is gone with its step: no memo for it.
    if (servable) return Promise.resolve(context.value as V);
    if (!join) return Promise.resolve(undefined as V);
    // The caller waits on the flight its get started, or the one it joined. An
    // observer or fetch that re-enters the cache may supersede that flight in
    // the same turn (the caller still waits on it), or have this event queued
    // behind the one being processed (answered once the actor is idle).
    return this.#waitFor(event, signal) ?? Promise.resolve().then(() => this.#read(fetch, signal, join));
  }

  /** What a processed `get` or `refresh` leaves its caller waiting on; `undefined` when it is still queued. */
  #waitFor(event: GetEvent<V> | RefreshEvent<V>, signal: AbortSignal | undefined): Promise<V> | undefined {
    const flight: Flight<V> | undefined = flightStartedBy<V>(event) ?? this.#runner.current;
    if (flight) return flight.join(signal);
    const snapshot = this.actor.getSnapshot();
    if (snapshot.status !== 'active') return Promise.reject(new CacheStoppedError());
    // The read found its value expired while a failure is remembered: `failed`.
    if (snapshot.value === 'failed') return Promise.reject(snapshot.context.error);
    // The chart is in flight but no `flight.start` reached the runner: the
    // XState behaviour this relies on (emitted events delivered within
    // `send`) has changed. Fail loudly rather than wait forever.
    if (typeof snapshot.value === 'object' && !('current' in snapshot.value)) {
      return Promise.reject(new Error('xstate-background-cache: no flight command arrived from the chart'));
    }
    return undefined;
  }

  #serve(context: BackgroundCacheContext<V>): Promise<V> {
    let promise = servedByContext.get(context) as Promise<V> | undefined;
    if (promise === undefined) {
      promise = Promise.resolve(context.value as V);
      servedByContext.set(context, promise);
    }
    return promise;
  }

  tryGet(): V | undefined {
    const snapshot = this.actor.getSnapshot();
    const { context } = snapshot;
    return snapshot.status === 'active' &&
      context.storedAt !== undefined &&
      isFreshAt(context, context.storedAt, this.#clock.now())
      ? context.value
      : undefined;
  }

  peek(): CachePeek<V> {
    const { value: state, context } = this.actor.getSnapshot();
    const servable = context.storedAt !== undefined && !isExpiredAt(context, context.storedAt, this.#clock.now());
    return { state, value: servable ? context.value : undefined, error: context.error };
  }

  seed(value: V, options?: { age?: number | undefined }): boolean {
    const age = options?.age ?? 0;
    if (!(typeof age === 'number' && age >= 0 && age < Infinity)) {
      throw expected(RangeError, 'age', 'a finite number >= 0', age);
    }
    return this.#store(value, age, 'seed');
  }

  /**
   * Stores `value` as `age` ms old unless it is expired. A caller's seed is
   * saved and shared; another tab's value is saved; a restored one is shared
   * (SPEC 17: restored values reach the other tabs too), not saved again.
   */
  #store(value: V, age: number, origin: 'seed' | 'share' | 'restore'): boolean {
    if (this.actor.getSnapshot().status !== 'active') return false;
    const lifetime = this.#lifetime(value);
    const ttl = lifetime?.ttl ?? (this.#options.ttl as number);
    const now = this.#clock.now();
    // The chart decides too: a value as old as its ttl takes its `isSeedExpired` row, which stores nothing.
    this.actor.send({ type: 'seed', now, value, storedAt: now - age, ...lifetime });
    if (age >= ttl) return false;
    this.#stored(value, now - age, origin !== 'restore', origin !== 'share');
    return true;
  }

  /** A value was stored at clock time `storedAt`: save it and tell the other tabs, as asked. */
  #stored(value: V, storedAt: number, save: boolean, announce: boolean): void {
    const persist = this.#options.persist;
    if (persist === undefined && this.#connection === undefined) return;
    const entry: StoredEntry<V> = { value, storedAt: Date.now() - (this.#clock.now() - storedAt) };
    if (persist && save) guard(persist, () => persist.save(entry));
    if (announce) this.#connection?.publish(entry);
  }

  invalidate(): void {
    if (this.actor.getSnapshot().status !== 'active') return;
    this.actor.send({ type: 'invalidate' });
    // A restore still loading would bring back what the caller just dropped.
    this.#restoring = undefined;
    const persist = this.#options.persist;
    if (persist) guard(persist, () => persist.remove());
    this.#connection?.invalidate();
  }

  stop(): void {
    if (this.actor.getSnapshot().status !== 'active') return;
    // Callers already waiting keep their flight; an unheard one aborts.
    this.#runner.release();
    this.#restoring = undefined;
    this.actor.stop();
    for (const unsubscribe of this.#unsubscribe?.splice(0) ?? []) unsubscribe();
    this.#connection?.close();
  }

  [disposeSymbol](): void {
    this.stop();
  }

  // Plug-ins (SPEC Part 2): persistence, refresh triggers, tab sharing.

  /** Wires the plug-ins the options name; none costs anything when absent. */
  attach(): void {
    const { persist, share, refreshOn, fetch } = this.#options;
    if (share) {
      this.#connection = share.connect({
        current: () => {
          const { context } = this.actor.getSnapshot();
          const { storedAt } = context;
          return storedAt !== undefined && !isExpiredAt(context, storedAt, this.#clock.now())
            ? { value: context.value as V, storedAt: Date.now() - (this.#clock.now() - storedAt) }
            : undefined;
        },
        store: (entry) => this.#adopt(entry),
        invalidate: () => {
          if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'invalidate' });
        },
        fetchTimeout: this.#options.fetchTimeout,
      });
      // An attempt is then the one fetch among the tabs.
      this.#flightHost.attempt = (fetch, signal) => this.#attempt(fetch, signal);
    }
    for (const trigger of refreshOn ?? []) {
      // A trigger reads as a caller would, but waits for nothing.
      (this.#unsubscribe ??= []).push(trigger.subscribe(() => void this.#read(fetch!, undefined, false).catch(noop)));
    }
    if (persist) this.#restore(persist);
  }

  /** Restores the saved entry as a seed with its age (guarantee 16). */
  #restore(persist: CachePersister<V>): void {
    let loaded: ReturnType<CachePersister<V>['load']> | undefined;
    guard(persist, () => {
      loaded = persist.load();
    });
    if (!isThenable(loaded)) {
      this.#restoreEntry(persist, loaded);
      return;
    }
    // An invalidate() or stop() while loading supersedes the load (it leaves #restoring undefined):
    // its entry is neither restored nor removed.
    this.#restoring = Promise.resolve(loaded).then(
      (entry) => {
        if (!this.#restoring) return;
        this.#restoring = undefined;
        this.#restoreEntry(persist, entry);
      },
      (error: unknown) => {
        this.#restoring = undefined;
        guard(persist, () => {
          throw error;
        });
      },
    );
  }

  #restoreEntry(persist: CachePersister<V>, entry: StoredEntry<V> | undefined): void {
    if (entry === undefined) return;
    let stored = false;
    guard(persist, () => {
      const age = Date.now() - entry.storedAt;
      // A future-dated entry, or an entry older than what the cache already holds, is not served.
      stored = age >= 0 && this.#isNewer(entry.storedAt) && this.#store(entry.value, age, 'restore');
    });
    if (!stored && this.#isNewer(entry.storedAt)) guard(persist, () => persist.remove());
  }

  /** Another tab's value: stored with its age, unless the cache holds one as new (guarantee 17). */
  #adopt(entry: StoredEntry<V>): void {
    if (!this.#isNewer(entry.storedAt)) return;
    try {
      this.#store(entry.value, Math.max(0, Date.now() - entry.storedAt), 'share');
    } catch {
      // A value whose lifetime breaks the rules is not stored, here as in its own tab.
    }
  }

  /** True unless the cache holds a value stored at wall-clock `storedAt` or later. */
  #isNewer(storedAt: number): boolean {
    const held = this.actor.getSnapshot().context.storedAt;
    return held === undefined || this.#fromWallClock(storedAt) > held;
  }

  #fromWallClock(storedAt: number): number {
    return this.#clock.now() - (Date.now() - storedAt);
  }
}

/** Runs a persister call; what it throws goes to its `onError`, never to a caller. */
function guard(persist: CachePersister<unknown>, call: () => void): void {
  try {
    call();
  } catch (error) {
    try {
      persist.onError?.(error);
    } catch {
      // An onError that throws has nowhere further to go.
    }
  }
}

/**
 * Creates a stale-while-revalidate cache for one value of type `V`, whose
 * every state lives in {@link backgroundCacheMachine}. `V` is inferred from
 * the `fetch` option when there is one.
 *
 * @example
 *   const schemaCache = createBackgroundCache({
 *     ttl: 60_000,
 *     refreshWindow: 10_000,
 *     fetch: (signal) => fetch('/api/schema', { signal }).then((response) => response.json() as Promise<Schema>),
 *   });
 *   const schema = await schemaCache.get();
 *
 * @param options - Lifetime in ms (`ttl`, `refreshWindow`, numbers or
 *   functions of the value), and optionally the default `fetch`, the failure
 *   policy (`fetchTimeout`, `retry`, `retryDelay`, `errorTtl`), a `clock`, an
 *   `inspect` observer, and the plug-ins `persist`, `share`, `refreshOn`.
 * @throws TypeError naming unknown options, or for a misshapen option;
 *   RangeError naming a number out of its bounds.
 */
export function createBackgroundCache<V>(options: BackgroundCacheOptions<V>): BackgroundCache<V> {
  validateOptions(options);
  const cache = new BackgroundCacheAdapter<V>(options, withLongTimers(options.clock ?? createSystemClock()));
  cache.attach();
  return cache;
}
