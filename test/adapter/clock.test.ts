/**
 * The default clock (guarantee 2: counts sleep, never runs backwards; 7:
 * unref'd timers) and the long-timer wrapper (guarantee 10).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackgroundCache, createSystemClock, MAX_TIMER_DELAY } from '../../src/index.js';
import type { CacheClock } from '../../src/index.js';
import { withLongTimers } from '../../src/adapter/clock.js';
import { countingFetch, ManualClock, stateOf } from '../helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Stubs `performance.now()` and `Date.now()` with values the test moves. */
function stubTime() {
  const time = { mono: 1_000, wall: 1_700_000_000_000 };
  vi.spyOn(performance, 'now').mockImplementation(() => time.mono);
  vi.spyOn(Date, 'now').mockImplementation(() => time.wall);
  return time;
}

describe('createSystemClock', () => {
  it('follows the monotonic clock while both clocks agree', () => {
    const time = stubTime();
    const clock = createSystemClock();
    expect(clock.now()).toBe(0);
    time.mono += 250;
    time.wall += 250;
    expect(clock.now()).toBe(250);
  });

  it('counts time the machine spent asleep (the wall clock moved, the monotonic one did not)', () => {
    const time = stubTime();
    const clock = createSystemClock();
    time.mono += 10;
    time.wall += 3_600_000 + 10;
    expect(clock.now()).toBe(3_600_010);
    // And keeps counting from there.
    time.mono += 5;
    time.wall += 5;
    expect(clock.now()).toBe(3_600_015);
  });

  it('never runs backwards when the wall clock is set back', () => {
    const time = stubTime();
    const clock = createSystemClock();
    time.mono += 100;
    time.wall += 100;
    const before = clock.now();
    time.wall -= 3_600_000;
    time.mono += 1;
    expect(clock.now()).toBe(before + 1);
  });

  it('does not make a value stored before sleep younger: it is not served after an hour asleep', async () => {
    const time = stubTime();
    const cache = createBackgroundCache<string>({ ttl: 60_000, refreshWindow: 10_000, clock: createSystemClock() });
    await cache.get(() => 'before sleep');
    time.wall += 3_600_000;
    expect(cache.tryGet()).toBeUndefined();
    const fetch = countingFetch('after sleep');
    expect(await cache.get(fetch)).toBe('after sleep');
    expect(fetch.calls).toBe(1);
    cache.stop();
  });

  it('unrefs timer handles that can be unref’d, so they never hold a Node process', () => {
    const clock = createSystemClock();
    const handle = clock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    clock.clearTimeout(handle);
  });

  it('accepts the numeric handles browsers return', () => {
    const cleared: unknown[] = [];
    vi.stubGlobal('setTimeout', () => 7);
    vi.stubGlobal('clearTimeout', (handle: unknown) => cleared.push(handle));
    try {
      const clock = createSystemClock();
      const handle = clock.setTimeout(() => {}, 10);
      expect(handle).toBe(7);
      clock.clearTimeout(handle);
      expect(cleared).toEqual([7]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('looks the global timers up at each call, so fake timers installed after import apply', () => {
    const clock = createSystemClock();
    vi.useFakeTimers();
    const fired = vi.fn();
    clock.setTimeout(fired, 1_000);
    vi.advanceTimersByTime(999);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('drives a cache under vitest fake timers', async () => {
    vi.useFakeTimers();
    const cache = createBackgroundCache<string>({ ttl: 1_000, refreshWindow: 200 });
    await cache.get(() => 'v');
    await vi.advanceTimersByTimeAsync(800);
    expect(stateOf(cache.actor)).toBe('current.stale');
    await vi.advanceTimersByTimeAsync(200);
    expect(stateOf(cache.actor)).toBe('empty');
    cache.stop();
  });
});

/** A clock that behaves as browsers and Node do with delays above 2^31 - 1: fires at once. */
class BrowserLikeClock extends ManualClock {
  readonly requested: number[] = [];
  override setTimeout(fn: () => void, ms: number): number {
    this.requested.push(ms);
    return super.setTimeout(fn, ms > MAX_TIMER_DELAY ? 0 : ms);
  }
}

describe('guarantee 10: long lifetimes', () => {
  const DAY = 86_400_000;

  it('a 60-day ttl: timers are clamped to 2^31 - 1 ms, re-armed, and never fire early', async () => {
    const clock = new BrowserLikeClock();
    const cache = createBackgroundCache<string>({ ttl: 60 * DAY, refreshWindow: DAY, clock });
    await cache.get(() => 'long-lived');
    expect(Math.max(...clock.requested)).toBeLessThanOrEqual(MAX_TIMER_DELAY);
    clock.advance(0);
    expect(stateOf(cache.actor)).toBe('current.fresh');
    // Walk to one millisecond before the refresh boundary, a day at a time.
    for (let day = 0; day < 58; day++) clock.advance(DAY);
    clock.advance(DAY - 1);
    expect(stateOf(cache.actor)).toBe('current.fresh');
    expect(cache.tryGet()).toBe('long-lived');
    clock.advance(1);
    expect(stateOf(cache.actor)).toBe('current.stale');
    clock.advance(DAY - 1);
    expect(stateOf(cache.actor)).toBe('current.stale');
    clock.advance(1);
    expect(stateOf(cache.actor)).toBe('empty');
    expect(Math.max(...clock.requested)).toBeLessThanOrEqual(MAX_TIMER_DELAY);
  });

  it('withLongTimers: re-arms a timer whose clock fires before its deadline', () => {
    const inner: CacheClock & { fire(): void; now(): number } = (() => {
      let now = 0;
      let pending: (() => void) | undefined;
      return {
        now: () => now,
        setTimeout(fn: () => void) {
          pending = fn;
          return 1;
        },
        clearTimeout() {
          pending = undefined;
        },
        fire() {
          now += 10;
          const fn = pending;
          pending = undefined;
          fn?.();
        },
      };
    })();
    const clock = withLongTimers(inner);
    const fired = vi.fn();
    clock.setTimeout(fired, 25);
    inner.fire(); // now 10: early, re-armed
    inner.fire(); // now 20: early, re-armed
    expect(fired).not.toHaveBeenCalled();
    inner.fire(); // now 30
    expect(fired).toHaveBeenCalledOnce();
  });

  it('withLongTimers: clearTimeout cancels a re-armed timer', () => {
    const clock = new BrowserLikeClock();
    const wrapped = withLongTimers(clock);
    const fired = vi.fn();
    const handle = wrapped.setTimeout(fired, 3 * MAX_TIMER_DELAY);
    clock.advance(MAX_TIMER_DELAY);
    expect(clock.pendingDelays).toEqual([MAX_TIMER_DELAY]);
    wrapped.clearTimeout(handle);
    expect(clock.pendingDelays).toEqual([]);
    clock.advance(3 * MAX_TIMER_DELAY);
    expect(fired).not.toHaveBeenCalled();
  });
});
