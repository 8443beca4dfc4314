import type { ActorLogic } from 'xstate';

/**
 * The user's fetch: called once per flight with a signal that aborts when its
 * result can reach no one. It may return a value, a promise, or throw.
 */
export type FetchFn<V> = (signal: AbortSignal) => V | PromiseLike<V>;

/** A fetch that resolved: `xstate.done.actor.fetch`'s `output`. */
export interface FetchSuccess<V> {
  readonly value: V;
  /** Clock time at which the fetch resolved: the stored value's timestamp. */
  readonly fetchedAt: number;
}

/** A fetch that failed: `xstate.error.actor.fetch`'s `error`. */
export interface FetchFailure {
  /** What the fetch threw or rejected with, unchanged. */
  readonly reason: unknown;
  /** Clock time at which the fetch failed. */
  readonly fetchedAt: number;
}

/** What the chart hands its fetch actor: the `get` that started it. */
export interface FetchRequest<V> {
  readonly fetch: FetchFn<V>;
  /** Clock time of the `get`, used when the actor's clock has no `now()`. */
  readonly now: number;
}

const noop = (): void => {};

/**
 * One call of the user's fetch and everyone who may hear its outcome. The
 * chart's fetch actor owns the flight while its state lasts; callers join it.
 * The flight outlives the actor when the cache supersedes it, so that callers
 * already waiting still get the outcome (SPEC "Superseded"), and it aborts
 * its signal only once nobody can hear it (guarantee 6). XState's own
 * `fromPromise` would abort and drop the result as soon as its state is left.
 */
export class Flight<V> {
  /** Settles with the fetch's outcome, after the owner (the chart) has seen it. @internal */
  readonly promise: Promise<V>;
  readonly #controller = new AbortController();
  #waiters = 0;
  #settled = false;
  #onSettled: ((ok: boolean, result: unknown) => void) | undefined;
  #resolve!: (value: V) => void;
  #reject!: (reason: unknown) => void;

  /** @internal */
  constructor() {
    this.promise = new Promise<V>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A background refresh may fail with nobody waiting (guarantee 4).
    this.promise.catch(noop);
  }

  /** The signal handed to the fetch. @internal */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** How many callers are waiting on this flight. @internal */
  get waiters(): number {
    return this.#waiters;
  }

  /** Adds a caller that waits for the outcome, and returns what it awaits. @internal */
  join(): Promise<V> {
    this.#waiters++;
    return this.promise;
  }

  /**
   * Calls `fetch` once and reports its outcome to `onSettled` before any
   * waiter hears it, so that a resolved `get()` finds the value stored
   * (guarantee 3). A synchronous throw counts as a rejection (guarantee 5).
   *
   * @internal
   */
  run(fetch: FetchFn<V>, onSettled: (ok: boolean, result: unknown) => void): void {
    this.#onSettled = onSettled;
    // The executor runs `fetch` now and turns a synchronous throw into a rejection.
    new Promise<V>((resolve) => resolve(fetch(this.#controller.signal))).then(
      (value) => this.#settle(true, value),
      (reason: unknown) => this.#settle(false, reason),
    );
  }

  /**
   * The owner lets go (superseded, or the cache stopped). Callers that join
   * in the same synchronous turn still count; after it, with none waiting, the
   * signal aborts.
   *
   * @internal
   */
  release(): void {
    this.#onSettled = undefined;
    queueMicrotask(() => {
      if (!this.#settled && this.#waiters === 0) {
        this.#controller.abort(new DOMException('The cache no longer needs this fetch', 'AbortError'));
      }
    });
  }

  #settle(ok: boolean, result: unknown): void {
    this.#settled = true;
    this.#onSettled?.(ok, result);
    this.#onSettled = undefined;
    if (ok) this.#resolve(result as V);
    else this.#reject(result);
  }
}

/** The fetch actor's snapshot: XState's promise-actor shape plus the flight. */
export type FetchSnapshot<V> =
  | { status: 'active'; output: undefined; error: undefined; flight: Flight<V>; request: FetchRequest<V> }
  | { status: 'done'; output: FetchSuccess<V>; error: undefined; flight: Flight<V>; request: FetchRequest<V> }
  | { status: 'error'; output: undefined; error: FetchFailure; flight: Flight<V>; request: FetchRequest<V> }
  | { status: 'stopped'; output: undefined; error: undefined; flight: Flight<V>; request: FetchRequest<V> };

/** The fetch actor's private events: the flight settled. */
export type FetchActorEvent =
  | { type: 'fetch.resolve'; value: unknown; fetchedAt: number }
  | { type: 'fetch.reject'; reason: unknown; fetchedAt: number };

/** The fetch actor's logic, for values of type `V`. */
export type FetchValueLogic<V> = ActorLogic<FetchSnapshot<V>, FetchActorEvent, FetchRequest<V>>;

const flightsByRequest = new WeakMap<object, Flight<unknown>>();

/**
 * The flight that `request` (a `get` event) started, if it started one, even
 * when it was superseded before the sender could join it.
 *
 * @internal
 */
export const flightStartedBy = <V>(request: FetchRequest<V>): Flight<V> | undefined =>
  flightsByRequest.get(request) as Flight<V> | undefined;

/**
 * Actor logic for the chart's `fetchValue` actor: runs one {@link Flight},
 * finishes with {@link FetchSuccess} or fails with {@link FetchFailure}, both
 * stamped by the actor system's clock (the clock that drives the chart's
 * timers), and on stop releases the flight instead of aborting it.
 */
export const fetchValueLogic: FetchValueLogic<unknown> = {
  getInitialSnapshot: (_scope, request) => {
    const flight = new Flight<unknown>();
    flightsByRequest.set(request, flight);
    return { status: 'active', output: undefined, error: undefined, flight, request };
  },
  start: (snapshot, { self, system }) => {
    if (snapshot.status !== 'active') return;
    // The clock that drives the chart's timers stamps the outcome. XState's
    // default clock has no now(); then the time of the get stands in, which
    // can only make the value older, never younger.
    const clock = system._clock as { now?: () => number };
    snapshot.flight.run(snapshot.request.fetch, (ok, result) => {
      const fetchedAt = typeof clock.now === 'function' ? clock.now() : snapshot.request.now;
      self.send(
        ok ? { type: 'fetch.resolve', value: result, fetchedAt } : { type: 'fetch.reject', reason: result, fetchedAt },
      );
    });
  },
  transition: (snapshot, event) => {
    if (snapshot.status !== 'active') return snapshot;
    switch (event.type) {
      case 'fetch.resolve':
        return { ...snapshot, status: 'done', output: { value: event.value, fetchedAt: event.fetchedAt } };
      case 'fetch.reject':
        return { ...snapshot, status: 'error', error: { reason: event.reason, fetchedAt: event.fetchedAt } };
      default:
        // `xstate.stop`: superseded, or the cache stopped.
        if ((event as { type: string }).type === 'xstate.stop') {
          snapshot.flight.release();
          return { ...snapshot, status: 'stopped' };
        }
        return snapshot;
    }
  },
  getPersistedSnapshot: (snapshot) => snapshot,
};
