import type { CacheClock } from '../adapter/clock.js';

interface ScheduledTimer {
  readonly due: number;
  readonly order: number;
  readonly fn: () => void;
}

/**
 * A simulated clock for tests whose time moves only when told, either firing
 * the timers that fall due ({@link TestClock.advanceTo}) or leaving them late
 * ({@link TestClock.skipTo}), as a background tab or a sleeping laptop would.
 * XState's `SimulatedClock` always fires, so it cannot play a late timer.
 *
 * @example
 *   const clock = new TestClock();
 *   const cache = createBackgroundCache({ ttl: 30_000, refreshWindow: 5_000, clock });
 *   clock.advanceTo(25_000); // the refresh timer fires at 25 000
 */
export class TestClock implements CacheClock {
  #now = 0;
  #nextOrder = 0;
  readonly #timers = new Map<number, ScheduledTimer>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const handle = this.#nextOrder++;
    this.#timers.set(handle, { due: this.#now + ms, order: handle, fn });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** How many timers are waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** When the next timer is due (it may be late already), or `undefined` when none waits. */
  get nextDueAt(): number | undefined {
    return this.#nextDue(Infinity)?.due;
  }

  /** Moves time to `time` without firing any timer: the ones due by then are late. */
  skipTo(time: number): void {
    this.#checkForward(time);
    this.#now = time;
  }

  /**
   * Moves time to `time`, firing every timer due by then in order of due time
   * (then of arming), each with the clock at its own due time, or at the
   * current time if it was already late. Timers armed while firing count too.
   */
  advanceTo(time: number): void {
    this.#checkForward(time);
    const end = time;
    for (let next = this.#nextDue(end); next; next = this.#nextDue(end)) {
      this.#timers.delete(next.order);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = end;
  }

  #checkForward(time: number): void {
    if (!(time >= this.#now)) {
      throw new RangeError(`Expected a time >= the clock's now (${this.#now}), got ${time}`);
    }
  }

  #nextDue(end: number): ScheduledTimer | undefined {
    let next: ScheduledTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.due <= end && (!next || timer.due < next.due || (timer.due === next.due && timer.order < next.order))) {
        next = timer;
      }
    }
    return next;
  }
}
