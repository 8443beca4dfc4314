/**
 * The floor of the benchmarks: the same cache as `createBackgroundCache`, by
 * hand, with no XState. A plain object and timestamps; the state is decided
 * by the age at each read, as guarantee 2 requires, so it needs no timers.
 * It keeps every rule of the SPEC that a caller can observe (single flight,
 * the refresh window, expiry at `ttl`, superseding on seed and invalidate,
 * resolved means stored, the abort of an unheard fetch), so that the ratio of
 * our cache to it is the price of the statechart and nothing else.
 */
import type { CacheClock, FetchFn } from '../src/index.js';

/** What both caches offer; the benchmarks drive either through it. */
export interface SameSemanticsCache<V> {
  get(fetch: FetchFn<V>): Promise<V>;
  tryGet(): V | undefined;
  seed(value: V): void;
  invalidate(): void;
  stop(): void;
}

/** A cache the benchmarks can also peek into, to see a refresh land whatever the time. */
export interface PeekableCache<V> extends SameSemanticsCache<V> {
  /** The stored value, whatever its age; `undefined` when none is held. */
  peek(): V | undefined;
}

/** The floor's settings: as `createBackgroundCache`'s, with the clock required. */
export interface FloorCacheOptions {
  ttl: number;
  refreshWindow: number;
  clock: Pick<CacheClock, 'now'>;
}

const noop = (): void => {};

/** One call of the user's fetch and the callers waiting on it. */
class FloorFlight<V> {
  readonly promise: Promise<V>;
  readonly controller = new AbortController();
  waiters = 0;
  settled = false;
  resolve!: (value: V) => void;
  reject!: (reason: unknown) => void;

  constructor() {
    this.promise = new Promise<V>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(noop);
  }

  join(): Promise<V> {
    this.waiters++;
    return this.promise;
  }

  /** Superseded: aborts once the current turn is over if nobody waits by then. */
  release(): void {
    queueMicrotask(() => {
      if (!this.settled && this.waiters === 0) {
        this.controller.abort(new DOMException('The cache no longer needs this fetch', 'AbortError'));
      }
    });
  }
}

class FloorCache<V> implements PeekableCache<V> {
  readonly #ttl: number;
  readonly #freshFor: number;
  readonly #clock: Pick<CacheClock, 'now'>;
  #value: V | undefined = undefined;
  #storedAt: number | undefined = undefined;
  // One settled promise per stored value, as ours hands out.
  #served: Promise<V> | undefined = undefined;
  #flight: FloorFlight<V> | undefined = undefined;
  #stopped = false;

  constructor({ ttl, refreshWindow, clock }: FloorCacheOptions) {
    this.#ttl = ttl;
    this.#freshFor = ttl - refreshWindow;
    this.#clock = clock;
  }

  get(fetch: FetchFn<V>): Promise<V> {
    if (typeof fetch !== 'function') return Promise.reject(new TypeError('Expected `fetch` to be a function'));
    if (this.#stopped) return Promise.reject(new Error('The cache is stopped'));
    if (this.#storedAt !== undefined) {
      const age = this.#clock.now() - this.#storedAt;
      if (age < this.#freshFor) return (this.#served ??= Promise.resolve(this.#value as V));
      if (age < this.#ttl) {
        if (this.#flight === undefined) this.#start(fetch);
        return (this.#served ??= Promise.resolve(this.#value as V));
      }
      this.#drop();
    }
    return (this.#flight ?? this.#start(fetch)).join();
  }

  tryGet(): V | undefined {
    return !this.#stopped && this.#storedAt !== undefined && this.#clock.now() - this.#storedAt < this.#freshFor
      ? this.#value
      : undefined;
  }

  peek(): V | undefined {
    return this.#value;
  }

  seed(value: V): void {
    if (this.#stopped) return;
    this.#supersede();
    this.#store(value);
  }

  invalidate(): void {
    if (this.#stopped) return;
    this.#supersede();
    this.#drop();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#supersede();
    this.#drop();
  }

  #start(fetch: FetchFn<V>): FloorFlight<V> {
    const flight = new FloorFlight<V>();
    this.#flight = flight;
    new Promise<V>((resolve) => resolve(fetch(flight.controller.signal))).then(
      (value) => {
        flight.settled = true;
        if (this.#flight === flight) {
          this.#flight = undefined;
          this.#store(value);
        }
        flight.resolve(value);
      },
      (reason: unknown) => {
        flight.settled = true;
        // A failed refresh keeps the previous value with its own timestamp.
        if (this.#flight === flight) this.#flight = undefined;
        flight.reject(reason);
      },
    );
    return flight;
  }

  #store(value: V): void {
    this.#value = value;
    this.#storedAt = this.#clock.now();
    this.#served = undefined;
  }

  #drop(): void {
    this.#value = undefined;
    this.#storedAt = undefined;
    this.#served = undefined;
  }

  #supersede(): void {
    this.#flight?.release();
    this.#flight = undefined;
  }
}

/**
 * Creates the floor cache.
 *
 * @example
 *   const floor = createFloorCache<number>({ ttl: 60_000, refreshWindow: 10_000, clock: createSystemClock() });
 *   await floor.get(() => 42);
 */
export function createFloorCache<V>(options: FloorCacheOptions): PeekableCache<V> {
  return new FloorCache<V>(options);
}
