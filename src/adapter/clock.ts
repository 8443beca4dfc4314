/**
 * Time for the cache: one source for the age of values and for the timers
 * that move the chart, so that the two never disagree.
 */

/**
 * The cache's time source and timers. XState's `SimulatedClock` satisfies it.
 * `now()` is in milliseconds and must never run backwards.
 *
 * @example
 *   const clock = new SimulatedClock(); // from 'xstate'
 *   const cache = createBackgroundCache({ ttl: 1_000, refreshWindow: 200, clock });
 *   clock.increment(800); // the value is now in its refresh window
 */
export interface CacheClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The longest delay one timer can hold: browsers and Node fire longer ones at
 * once, so the cache splits longer delays (guarantee 10).
 *
 * @example
 *   MAX_TIMER_DELAY; // 2147483647 ms, about 24.8 days
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

interface Unrefable {
  unref?: () => unknown;
}

/**
 * Real time that counts while the machine sleeps and never runs backwards
 * (guarantee 2). `performance.now()` is monotonic but stops while a machine
 * is suspended; `Date.now()` counts the sleep but jumps when the wall clock is
 * set. The clock follows `performance.now()` and takes any lead the wall clock
 * gains over it as time slept; a wall clock set back is ignored. (A wall clock
 * set forward makes values older: the safe side, as nothing is served past
 * its lifetime.)
 *
 * Timers are the globals, looked up at each call so that fake timers installed
 * after import still apply, and unref'd where the handle allows it, so that
 * they never hold a Node process open (guarantee 7).
 *
 * @example
 *   const clock = createSystemClock();
 *   const cache = createBackgroundCache({ ttl: 60_000, refreshWindow: 10_000, clock });
 *
 * @returns A new clock; each has its own sleep bookkeeping.
 */
export function createSystemClock(): CacheClock {
  return new SystemClock();
}

// A class rather than closures: one small object per cache (heap per instance).
class SystemClock implements CacheClock {
  readonly #perf = globalThis.performance;
  readonly #wallStart = Date.now();
  readonly #monoStart = this.#perf.now();
  #slept = 0;

  now(): number {
    const mono = this.#perf.now() - this.#monoStart;
    const lead = Date.now() - this.#wallStart - mono;
    if (lead > this.#slept) this.#slept = lead;
    return mono + this.#slept;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const handle = globalThis.setTimeout(fn, ms) as unknown as Unrefable;
    // Node's handles have unref(); browsers' are numbers.
    if (typeof handle?.unref === 'function') handle.unref();
    return handle;
  }

  clearTimeout(handle: unknown): void {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  }
}

/**
 * Wraps `clock` so that its timers never fire early: a delay longer than
 * {@link MAX_TIMER_DELAY} is split into timers that each fit, and a timer is
 * re-armed until `clock.now()` has reached its deadline.
 */
export function withLongTimers(clock: CacheClock): CacheClock {
  return new LongTimerClock(clock);
}

class LongTimerClock implements CacheClock {
  readonly #clock: CacheClock;

  constructor(clock: CacheClock) {
    this.#clock = clock;
  }

  now(): number {
    return this.#clock.now();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    return new LongTimer(this.#clock, this.#clock.now() + ms, fn, ms);
  }

  clearTimeout(handle: unknown): void {
    (handle as LongTimer).cancel();
  }
}

/** One timer of {@link withLongTimers}: the inner timer now armed, re-armed until the deadline. */
class LongTimer {
  readonly #clock: CacheClock;
  readonly #deadline: number;
  readonly #fn: () => void;
  #inner: unknown;

  constructor(clock: CacheClock, deadline: number, fn: () => void, delay: number) {
    this.#clock = clock;
    this.#deadline = deadline;
    this.#fn = fn;
    this.#arm(delay);
  }

  cancel(): void {
    this.#clock.clearTimeout(this.#inner);
  }

  #arm(delay: number): void {
    this.#inner = this.#clock.setTimeout(() => this.#fire(), Math.min(delay, MAX_TIMER_DELAY));
  }

  #fire(): void {
    const remaining = this.#deadline - this.#clock.now();
    if (remaining > 0) this.#arm(remaining);
    else this.#fn();
  }
}
