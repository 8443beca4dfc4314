import type { CacheClock } from '../adapter/clock.js';
import type { FetchDoneEvent, FetchErrorEvent, FetchFn, FlightCommand } from './backgroundCacheMachine.js';

const noop = (): void => {};

/** What a fetched value is stored with: its lifetime, when computed per value, and an older `storedAt` when adopted. */
export interface AttemptResult<V> {
  readonly value: V;
  /** Clock time the value was stored at, when it is older than the attempt (adopted from another cache). */
  readonly storedAt?: number | undefined;
}

/**
 * Where a {@link FlightRunner} reports to: the chart that owns the flights,
 * and what a stored value needs.
 */
export interface FlightHost<V> {
  /** Hands an owned flight's attempt outcome to the chart. */
  report(event: FetchDoneEvent<V> | FetchErrorEvent): void;
  /** The chart's clock. */
  now(): number;
  /**
   * Runs one attempt when it is more than the fetch itself: tab sharing runs
   * it as the one fetch among the tabs. Without it, the fetch is the attempt
   * (a synchronous throw counts as a rejection).
   */
  readonly attempt?: ((fetch: FetchFn<V>, signal: AbortSignal) => Promise<AttemptResult<V>>) | undefined;
  /**
   * The lifetime of a fetched value when it is computed per value (else
   * `undefined`); throws the error its waiters reject with when the value's
   * lifetime breaks the rules.
   */
  lifetime(value: V): { ttl: number; refreshWindow: number } | undefined;
  /**
   * `fetchTimeout` and the timers that keep it for an attempt the chart let go
   * while callers still wait on it (guarantee 14: every attempt settles within
   * it, also after a `seed`, `invalidate` or `stop()` superseded its flight).
   */
  readonly releasedTimeout?: { readonly ms: number; readonly clock: CacheClock } | undefined;
}

/** Runs the fetch as a plain attempt: a synchronous throw counts as a rejection, a plain value as a resolution. */
export function runFetch<V>(fetch: FetchFn<V>, signal: AbortSignal): Promise<V> {
  try {
    return Promise.resolve(fetch(signal));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * One flight and everyone who may hear its outcome: its callers (waiters),
 * the signal of its attempt in flight, and whether the chart still owns it.
 * A flight outlives the chart's interest when superseded, so that callers
 * already waiting still get its outcome (SPEC "Superseded"), and aborts only
 * once nobody can hear it (guarantees 6 and 13).
 *
 * @internal
 */
export class Flight<V> {
  /** Callers waiting on the outcome. */
  waiters = 0;
  /** The chart still owns the flight: its outcome is reported and may be stored. */
  owned = true;
  /** An attempt is running (not between attempts, not settled). */
  pending = false;
  /** Numbers the attempts; an outcome of any attempt but the last is ignored (it timed out). */
  attempts = 0;
  /** Why the last attempt failed. */
  lastReason: unknown;
  controller: AbortController | undefined;
  /** Clock time at which the attempt in flight started. */
  attemptAt = 0;
  /** Clears the timeout kept for the attempt once the chart let go of it. */
  clearTimeout: (() => void) | undefined;
  settled = false;
  // The promise is made when someone asks for it: a background refresh
  // nobody waits on (the common case) settles without one.
  #promise: Promise<V> | undefined;
  #resolve: ((value: V) => void) | undefined;
  #reject: ((reason: unknown) => void) | undefined;
  #ok = false;
  #result: unknown;

  constructor(
    readonly id: number,
    readonly fetch: FetchFn<V>,
    /** The read that started it (its `get` or `refresh` event). */
    readonly request: object,
  ) {}

  /** Settles with the flight's outcome, after the chart has seen it. */
  get promise(): Promise<V> {
    if (this.#promise === undefined) {
      if (this.settled) {
        this.#promise = this.#ok ? Promise.resolve(this.#result as V) : Promise.reject(this.#result);
      } else {
        this.#promise = new Promise<V>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      }
      // A flight may fail with nobody left waiting (guarantee 4).
      this.#promise.catch(noop);
    }
    return this.#promise;
  }

  /** Settles every waiter, once: a second call changes nothing a caller sees. */
  settle(ok: boolean, result: unknown): void {
    this.pending = false;
    this.clearTimeout?.();
    if (this.settled) return;
    this.settled = true;
    this.#ok = ok;
    this.#result = result;
    if (ok) this.#resolve?.(result as V);
    else this.#reject?.(result);
  }

  /** Adds a caller that waits for the outcome; with a signal, the caller may leave (guarantee 13). */
  join(signal?: AbortSignal): Promise<V> {
    this.waiters++;
    if (signal === undefined) return this.promise;
    return new Promise<V>((resolve, reject) => {
      const leave = (): void => {
        reject(signal.reason);
        this.waiters--;
        this.abortIfUnheard();
      };
      signal.addEventListener('abort', leave, { once: true });
      this.promise.then(
        (value) => {
          signal.removeEventListener('abort', leave);
          resolve(value);
        },
        (reason: unknown) => {
          signal.removeEventListener('abort', leave);
          reject(reason);
        },
      );
    });
  }

  /** Aborts the attempt in flight once nobody can hear it: not owned, no waiter, not settled. */
  abortIfUnheard(): void {
    if (!this.owned && this.waiters === 0 && this.pending) {
      this.controller!.abort(new DOMException('The cache no longer needs this fetch', 'AbortError'));
    }
  }
}

/**
 * Flights let go of, by the read that started them. Only these: a flight still
 * owned is its runner's `current`, and a flight cannot settle in the turn that
 * started it (its outcome comes in a later one), so no entry is made for the
 * common case, a flight that ends owned.
 */
const flightsByRequest = new WeakMap<object, Flight<unknown>>();

/**
 * The flight that `request` (a `get` or `refresh` event) started if it was
 * superseded since, so that its sender can still join it; `undefined`
 * otherwise (a flight still in flight is its runner's `current`).
 *
 * @internal
 */
export const flightStartedBy = <V>(request: object): Flight<V> | undefined =>
  flightsByRequest.get(request) as Flight<V> | undefined;

/**
 * Carries out what the chart asks of its fetches (its emitted
 * {@link FlightCommand}s) and reports each attempt's outcome back as
 * `fetch.done` or `fetch.error`. The chart decides every step (start, retry,
 * time out, fail, let go); the runner holds only what cannot live in a
 * snapshot: the callers' promises and the attempt's `AbortController`.
 *
 * @internal
 */
export class FlightRunner<V> {
  /** The flight the chart owns, if any. */
  current: Flight<V> | undefined;
  readonly #host: FlightHost<V>;

  constructor(host: FlightHost<V>) {
    this.#host = host;
  }

  /** Carries out one command of the chart. */
  command(command: FlightCommand<V>): void {
    const flight = this.current;
    switch (command.type) {
      case 'flight.start': {
        const started = new Flight<V>(command.flight, command.fetch, command.request);
        this.current = started;
        this.#attempt(started);
        return;
      }
      case 'flight.retry':
        if (flight?.id === command.flight) this.#attempt(flight);
        return;
      case 'flight.timeout':
        if (flight?.id === command.flight) {
          // Its outcome is ignored from now on, and its signal says why (also when
          // the answer came in just after its time was up).
          flight.attempts++;
          flight.pending = false;
          flight.lastReason = command.reason;
          flight.controller!.abort(command.reason);
        }
        return;
      case 'flight.done':
      case 'flight.fail':
        if (flight?.id === command.flight) {
          this.current = undefined;
          if (command.type === 'flight.done') flight.settle(true, command.value);
          else flight.settle(false, command.reason);
        }
        return;
      case 'flight.release':
        if (flight?.id === command.flight) this.release();
        return;
    }
  }

  /**
   * The chart lets go of its flight (superseded, or the cache stopped).
   * Callers that join in the same synchronous turn still count; after it,
   * with none waiting, the attempt aborts. Between attempts there is nothing
   * to wait for: the callers reject with the last failure's reason.
   */
  release(): void {
    const flight = this.current;
    if (flight === undefined) return;
    this.current = undefined;
    // Its sender may not have joined it yet (a fetch or an observer that re-enters the cache).
    flightsByRequest.set(flight.request, flight as Flight<unknown>);
    flight.owned = false;
    if (!flight.pending) {
      flight.settle(false, flight.lastReason);
      return;
    }
    queueMicrotask(() => flight.abortIfUnheard());
    const timeout = this.#host.releasedTimeout;
    if (timeout && flight.waiters > 0) {
      // The chart's timer for this attempt went with its state: keep the rest of it here.
      const handle = timeout.clock.setTimeout(
        // Cleared when the flight settles, so it fires only for the attempt it was armed for.
        () => {
          const reason = new DOMException(
            `The fetch did not settle within fetchTimeout (${timeout.ms} ms)`,
            'TimeoutError',
          );
          flight.attempts++;
          flight.controller!.abort(reason);
          flight.settle(false, reason);
        },
        Math.max(0, flight.attemptAt + timeout.ms - this.#host.now()),
      );
      flight.clearTimeout = () => timeout.clock.clearTimeout(handle);
    }
  }

  #attempt(flight: Flight<V>): void {
    const attempt = ++flight.attempts;
    const controller = (flight.controller = new AbortController());
    flight.pending = true;
    flight.attemptAt = this.#host.now();
    const failed = (reason: unknown): void => this.#failed(flight, attempt, reason);
    const shared = this.#host.attempt;
    if (shared === undefined) {
      runFetch(flight.fetch, controller.signal).then((value) => this.#done(flight, attempt, value, undefined), failed);
    } else {
      shared(flight.fetch, controller.signal).then(
        (result) => this.#done(flight, attempt, result.value, result.storedAt),
        failed,
      );
    }
  }

  #done(flight: Flight<V>, attempt: number, value: V, storedAt: number | undefined): void {
    if (attempt !== flight.attempts || flight.settled) return;
    if (flight.owned) {
      let lifetime;
      try {
        lifetime = this.#host.lifetime(value);
      } catch (error) {
        // A value whose lifetime breaks the rules is a failed attempt.
        this.#failed(flight, attempt, error);
        return;
      }
      flight.pending = false;
      try {
        // The chart stores it (`flight.done`), or times the attempt out when it came too late.
        this.#host.report({
          type: 'fetch.done',
          flight: flight.id,
          now: this.#host.now(),
          value,
          storedAt,
          ...lifetime,
        });
      } catch (error) {
        // The chart could not take the outcome: its waiters must not wait forever.
        flight.settle(true, value);
        throw error;
      }
      return;
    }
    flight.settle(true, value);
  }

  #failed(flight: Flight<V>, attempt: number, reason: unknown): void {
    if (attempt !== flight.attempts || flight.settled) return;
    flight.pending = false;
    flight.lastReason = reason;
    // The chart retries or fails the flight (`flight.fail`); a flight it let go fails now.
    if (!flight.owned) {
      flight.settle(false, reason);
      return;
    }
    try {
      this.#host.report({ type: 'fetch.error', flight: flight.id, now: this.#host.now(), reason });
    } catch (error) {
      // The chart could not take the outcome: its waiters must not wait forever.
      flight.settle(false, reason);
      throw error;
    }
  }
}
