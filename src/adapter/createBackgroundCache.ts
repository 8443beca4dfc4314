import { createActor } from 'xstate';
import type { Actor } from 'xstate';
import { backgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { BackgroundCacheContext, BackgroundCacheMachine, GetEvent } from '../machine/backgroundCacheMachine.js';
import { flightStartedBy } from '../machine/fetchActor.js';
import type { FetchFn, Flight } from '../machine/fetchActor.js';
import { isExpiredAt, isFreshAt } from '../machine/timing.js';
import { inspectOption } from '../inspect/redactInspection.js';
import { createSystemClock, withLongTimers } from './clock.js';
import type { CacheClock } from './clock.js';
import { expected } from './errors.js';
import { validateOptions } from './options.js';
import type { BackgroundCacheOptions } from './options.js';
import { CacheStoppedError, disposeSymbol } from './lifecycle.js';
import type { DisposeMethod } from './lifecycle.js';

/** The running actor of a cache: subscribe to it, inspect it, select from it. */
export type BackgroundCacheActor<V> = Actor<BackgroundCacheMachine<V>>;

/** A stale-while-revalidate cache for one value, driven by {@link backgroundCacheMachine}. */
export interface BackgroundCache<V> extends DisposeMethod {
  /**
   * Returns the value: at once while it is fresh; at once while it is in its
   * refresh window, starting one background refresh with `fetch`; otherwise
   * after the one shared fetch in flight (started with `fetch` if there is
   * none). `fetch` is called only when a new fetch is needed.
   *
   * Rejects with a `TypeError` when `fetch` is not a function, with
   * {@link CacheStoppedError} after {@link BackgroundCache.stop | stop()}, and
   * with the fetch's own reason when the fetch it waits on fails.
   */
  get(fetch: FetchFn<V>): Promise<V>;
  /**
   * Like {@link BackgroundCache.get | get()}, but never fetches and never
   * waits: the value while it is fresh (younger than `ttl - refreshWindow`),
   * else `undefined`.
   */
  tryGet(): V | undefined;
  /** Stores `value` as fresh now. A fetch in flight is superseded. */
  seed(value: V): void;
  /** Drops the value; the next `get` fetches. A fetch in flight is superseded. */
  invalidate(): void;
  /**
   * Stops the actor and clears every timer. Callers already waiting get their
   * fetch's outcome; a fetch nobody waits on is aborted. Calling it twice is fine.
   */
  stop(): void;
  /** The running XState actor: `subscribe`, `getSnapshot`, `@xstate/react`'s `useSelector`. */
  readonly actor: BackgroundCacheActor<V>;
}

class BackgroundCacheAdapter<V> implements BackgroundCache<V> {
  readonly actor: BackgroundCacheActor<V>;
  readonly #clock: CacheClock;
  // A fresh hit hands back one settled promise per stored value.
  #served: { context: BackgroundCacheContext<V>; promise: Promise<V> } | undefined;

  constructor(actor: BackgroundCacheActor<V>, clock: CacheClock) {
    this.actor = actor;
    this.#clock = clock;
  }

  get(fetch: FetchFn<V>): Promise<V> {
    if (typeof fetch !== 'function') {
      return Promise.reject(expected(TypeError, 'fetch', 'a function', fetch));
    }
    const snapshot = this.actor.getSnapshot();
    if (snapshot.status !== 'active') return Promise.reject(new CacheStoppedError());
    const { context } = snapshot;
    // Fast paths, decided by the snapshot alone: no event. With no value held,
    // a fetch in flight is the answer whatever the time, so the clock waits.
    if (context.storedAt === undefined && snapshot.children.fetch) {
      return snapshot.children.fetch.getSnapshot().flight.join();
    }
    const now = this.#clock.now();
    // A value younger than ttl is the caller's answer whatever the chart does
    // with the get (SPEC: fresh, in the window, or the previous during a refresh).
    let servable = false;
    if (context.storedAt !== undefined) {
      servable = !isExpiredAt(context, context.storedAt, now);
      // No event for a fresh value or for the previous one while its refresh
      // is in flight.
      if (isFreshAt(context, context.storedAt, now) || (servable && snapshot.children.fetch)) {
        return this.#serve(context);
      }
    }
    const event: GetEvent<V> = { type: 'get', now, fetch };
    this.actor.send(event);
    if (servable) return this.#serve(context);
    // The caller waits on the fetch its get started, or the one it joined. An
    // observer or fetch that re-enters the cache may supersede that fetch in
    // the same turn (the caller still waits on it), or have this event queued
    // behind the one being processed (answered once the actor is idle).
    return this.#join(event) ?? Promise.resolve().then(() => this.#join(event) ?? this.get(fetch));
  }

  /** The flight a processed `get` event leaves its caller waiting on. */
  #join(event: GetEvent<V>): Promise<V> | undefined {
    const snapshot = this.actor.getSnapshot();
    const flight: Flight<V> | undefined = flightStartedBy(event) ?? snapshot.children.fetch?.getSnapshot().flight;
    if (flight) return flight.join();
    return snapshot.status === 'active' ? undefined : Promise.reject(new CacheStoppedError());
  }

  #serve(context: BackgroundCacheContext<V>): Promise<V> {
    const served = this.#served;
    if (served?.context === context) return served.promise;
    const promise = Promise.resolve(context.value as V);
    this.#served = { context, promise };
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

  seed(value: V): void {
    if (this.actor.getSnapshot().status === 'active') {
      this.actor.send({ type: 'seed', now: this.#clock.now(), value });
    }
  }

  invalidate(): void {
    // Let go of the dropped value here too, not only in the chart.
    this.#served = undefined;
    if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'invalidate' });
  }

  stop(): void {
    this.actor.stop();
    this.#served = undefined;
  }

  [disposeSymbol](): void {
    this.stop();
  }
}

/**
 * Creates a stale-while-revalidate cache for one value of type `V`, whose
 * every state lives in {@link backgroundCacheMachine}.
 *
 * @example
 *   const schemaCache = createBackgroundCache<Schema>({ ttl: 60_000, refreshWindow: 10_000 });
 *   const schema = await schemaCache.get((signal) =>
 *     fetch('/api/schema', { signal }).then((response) => response.json()),
 *   );
 *
 * @param options - Lifetime in ms (`ttl`, `refreshWindow`), and optionally a
 *   `clock` and an `inspect` observer.
 * @throws RangeError naming the option when `ttl` or `refreshWindow` breaks
 *   its bounds; TypeError for a misshapen `clock` or `inspect`.
 */
export function createBackgroundCache<V>(options: BackgroundCacheOptions): BackgroundCache<V> {
  validateOptions(options);
  const clock = withLongTimers(options.clock ?? createSystemClock());
  const actor = createActor(backgroundCacheMachine as unknown as BackgroundCacheMachine<V>, {
    input: { ttl: options.ttl, refreshWindow: options.refreshWindow },
    clock,
    ...inspectOption(options),
  });
  actor.start();
  return new BackgroundCacheAdapter(actor, clock);
}
