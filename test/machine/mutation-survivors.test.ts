/**
 * Behaviours of the chart and its flights that mutation testing
 * (`npm run test:mutation`) found no test watching: each test kills one or
 * more surviving mutants of src/machine. Named after the behaviour, not the
 * mutant.
 */
import { describe, expect, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import type { BackgroundCacheOptions } from '../../src/index.js';
import { controlledFetch, flush, ManualClock, stateOf } from '../helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const FRESH_FOR = TTL - WINDOW;

function setup(options: Partial<BackgroundCacheOptions<string>> = {}) {
  const clock = new ManualClock();
  const fetch = controlledFetch<string>();
  const cache = createBackgroundCache<string>({ ttl: TTL, refreshWindow: WINDOW, clock, fetch, ...options });
  return { clock, fetch, cache, state: () => stateOf(cache.actor) };
}

/** Fails the attempt in flight, then returns after how many ms the next attempt started. */
async function delayBeforeNextAttempt(s: ReturnType<typeof setup>, reason: unknown = new Error('down')): Promise<number> {
  const calls = s.fetch.calls;
  s.fetch.reject(reason);
  await flush();
  let waited = 0;
  while (s.fetch.calls === calls) {
    if (waited > 60_000) throw new Error('no retry within a minute');
    s.clock.advance(1);
    waited++;
  }
  return waited;
}

describe('the default retryDelay', () => {
  it('should wait 1 s after the first failure, doubling per failure, at most 30 s', async () => {
    const s = setup({ retry: 7 });
    void s.cache.get().catch(() => {});
    const delays = [];
    for (let i = 0; i < 7; i++) delays.push(await delayBeforeNextAttempt(s));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('should stand in for a retryDelay function that answers a delay that is not a finite number >= 0', async () => {
    const answers = [-1, Number.NaN, Infinity, -Infinity];
    const s = setup({ retry: answers.length, retryDelay: (failureCount) => answers[failureCount - 1]! });
    void s.cache.get().catch(() => {});
    const delays = [];
    for (let i = 0; i < answers.length; i++) delays.push(await delayBeforeNextAttempt(s));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
  });
});

describe('a failure remembered while the value is still fresh', () => {
  it('should decide at the refresh window by the window’s own time: stale once the failure is over, backingOff until it is over', async () => {
    // The failure at 1 s is remembered for 5 s: over at 6 s, as the window opens.
    const over = setup({ errorTtl: 5_000 });
    over.cache.seed('v1');
    over.clock.advance(1_000);
    const refreshed = over.cache.refresh();
    over.fetch.reject(new Error('down'));
    await expect(refreshed).rejects.toThrow('down');
    over.clock.advance(FRESH_FOR - 1_000);
    expect(over.state()).toBe('current.stale');
    // Nor is it remembered at the expiry: nothing is left.
    over.clock.advance(WINDOW);
    expect(over.state()).toBe('empty');

    // Remembered for 6 s: over at 7 s, one second into the window.
    const remembered = setup({ errorTtl: 6_000 });
    remembered.cache.seed('v1');
    remembered.clock.advance(1_000);
    const failing = remembered.cache.refresh();
    remembered.fetch.reject(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    remembered.clock.advance(FRESH_FOR - 1_000);
    expect(remembered.state()).toBe('current.backingOff');
    remembered.clock.advance(999);
    expect(remembered.state()).toBe('current.backingOff');
    remembered.clock.advance(1);
    expect(remembered.state()).toBe('current.stale');
  });
});

describe('a failure remembered until the value expires', () => {
  it('should leave nothing at the expiry when the failure ends with it, and fail when the failure outlasts it', async () => {
    // A refresh of the value stored at 0 fails at 7 s; remembered for 3 s, until the expiry at 10 s.
    const { cache, clock, fetch, state } = setup({ errorTtl: 3_000 });
    cache.seed('v1');
    clock.advance(7_000);
    await cache.get();
    fetch.reject(new Error('down'));
    await flush();
    expect(state()).toBe('current.backingOff');
    clock.advance(TTL - 7_000);
    expect(state()).toBe('empty');
    // One millisecond longer, and the expiry lands in `failed`.
    const longer = setup({ errorTtl: 3_001 });
    longer.cache.seed('v1');
    longer.clock.advance(7_000);
    await longer.cache.get();
    longer.fetch.reject(new Error('down'));
    await flush();
    longer.clock.advance(TTL - 7_000);
    expect(longer.state()).toBe('failed');
  });
});
