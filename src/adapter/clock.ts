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
  const perf = globalThis.performance;
  const wallStart = Date.now();
  const monoStart = perf.now();
  let slept = 0;
  return {
    now() {
      const mono = perf.now() - monoStart;
      const lead = Date.now() - wallStart - mono;
      if (lead > slept) slept = lead;
      return mono + slept;
    },
    setTimeout(fn, ms) {
      const handle = globalThis.setTimeout(fn, ms) as unknown as Unrefable;
      if (typeof handle === 'object' && typeof handle.unref === 'function') handle.unref();
      return handle;
    },
    clearTimeout(handle) {
      globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
    },
  };
}

interface LongTimer {
  inner: unknown;
}

/**
 * Wraps `clock` so that its timers never fire early: a delay longer than
 * {@link MAX_TIMER_DELAY} is split into timers that each fit, and a timer is
 * re-armed until `clock.now()` has reached its deadline.
 */
export function withLongTimers(clock: CacheClock): CacheClock {
  return {
    now: () => clock.now(),
    setTimeout(fn, ms) {
      const deadline = clock.now() + ms;
      const timer: LongTimer = { inner: undefined };
      const arm = (delay: number): void => {
        timer.inner = clock.setTimeout(
          () => {
            const remaining = deadline - clock.now();
            if (remaining > 0) arm(remaining);
            else fn();
          },
          Math.min(delay, MAX_TIMER_DELAY),
        );
      };
      arm(ms);
      return timer;
    },
    clearTimeout(handle) {
      clock.clearTimeout((handle as LongTimer).inner);
    },
  };
}
