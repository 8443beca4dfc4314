import { afterEach, describe, expect, it, vi } from 'vitest';
import { CacheStoppedError, createBackgroundCache } from '../../src/index.js';
import { FlightRunner } from '../../src/machine/flights.js';
import { isFreshAt } from '../../src/machine/timing.js';
import { TestClock } from '../../src/testing/index.js';

// Lines of the core that the feature tests do not reach: environments without
// `Symbol.dispose`, observers that re-enter the cache, and the fetch actor's
// answers to what the chart never sends it.

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('an environment without Symbol.dispose', () => {
  it('should dispose through the registry key that polyfills use', async () => {
    // `Symbol.dispose` cannot be deleted: stand in a `Symbol` that lacks it.
    const RealSymbol = Symbol;
    const symbolWithoutDispose = Object.defineProperties(
      (description?: string) => RealSymbol(description),
      Object.fromEntries(
        Object.getOwnPropertyNames(Symbol)
          .filter((key) => !['dispose', 'length', 'name', 'prototype'].includes(key))
          .map((key) => [key, Object.getOwnPropertyDescriptor(Symbol, key)!]),
      ),
    );
    vi.stubGlobal('Symbol', symbolWithoutDispose);
    vi.resetModules();
    const adapter = await import('../../src/adapter/createBackgroundCache.js');
    const lifecycle = await import('../../src/adapter/lifecycle.js');
    vi.unstubAllGlobals();

    expect(lifecycle.disposeSymbol).toBe(Symbol.for('Symbol.dispose'));
    const cache = adapter.createBackgroundCache<string>({ ttl: 10, refreshWindow: 1, clock: new TestClock() });
    (cache as unknown as Record<symbol, () => void>)[Symbol.for('Symbol.dispose')]!();
    expect(cache.actor.getSnapshot().status).toBe('stopped');
    // Re-importing the adapter transforms its modules again: slow on a loaded machine.
  }, 20_000);
});

describe('a get that an observer queues behind the event being processed', () => {
  it('should be answered from a value seeded just before it, without fetching', async () => {
    const cache = createBackgroundCache<string>({ ttl: 100, refreshWindow: 10, clock: new TestClock() });
    const fetch = vi.fn(() => 'fetched');
    let answer: Promise<string> | undefined;
    cache.seed('first');
    cache.actor.subscribe((snapshot) => {
      if (snapshot.value !== 'empty' || answer) return;
      cache.seed('seeded in the observer');
      answer = cache.get(fetch);
    });
    cache.invalidate();
    await expect(answer).resolves.toBe('seeded in the observer');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('should reject as stopped when the cache stops before the get is processed', async () => {
    const cache = createBackgroundCache<string>({ ttl: 100, refreshWindow: 10, clock: new TestClock() });
    const fetch = vi.fn(() => 'fetched');
    let answer: Promise<string> | undefined;
    cache.seed('first');
    cache.actor.subscribe((snapshot) => {
      if (snapshot.value !== 'empty' || answer) return;
      answer = cache.get(fetch);
      cache.stop();
    });
    cache.invalidate();
    await expect(answer).rejects.toThrow(/The cache is stopped/);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('the flight runner', () => {
  it('should ignore commands for a flight it does not run', () => {
    const reports: unknown[] = [];
    const runner = new FlightRunner<string>({
      now: () => 0,
      report: (event) => reports.push(event),
      attempt: () => new Promise(() => {}),
      lifetime: () => undefined,
    });
    runner.command({ type: 'flight.retry', flight: 7 });
    runner.command({ type: 'flight.timeout', flight: 7, reason: 'x' });
    runner.command({ type: 'flight.fail', flight: 7, reason: 'x' });
    runner.command({ type: 'flight.release', flight: 7 });
    runner.release();
    expect(runner.current).toBeUndefined();
    expect(reports).toEqual([]);
  });
});

describe('a flight whose chart cannot take its outcome', () => {
  it('should still settle its waiters, and let the failure surface', async () => {
    const stray: unknown[] = [];
    const onStray = (error: unknown) => stray.push(error);
    process.on('unhandledRejection', onStray);
    const broken = new Error('the chart is gone');
    const runner = new FlightRunner<string>({
      now: () => 0,
      report: () => {
        throw broken;
      },
      attempt: () => Promise.reject(new Error('backend down')),
      lifetime: () => undefined,
    });
    runner.command({ type: 'flight.start', flight: 1, fetch: () => 'unused', request: {} as never });
    const waiting = runner.current!.join();
    await expect(waiting).rejects.toThrow('backend down');
    await new Promise((resolve) => setTimeout(resolve, 0));
    process.off('unhandledRejection', onStray);
    expect(stray).toEqual([broken]);
  });
});

describe('callers that can leave', () => {
  it('should stop listening to a caller’s signal once the flight fails', async () => {
    const clock = new TestClock();
    const cache = createBackgroundCache<string>({ ttl: 100, refreshWindow: 10, clock });
    const signal = new AbortController().signal;
    const removed = vi.spyOn(signal, 'removeEventListener');
    await expect(cache.get(() => Promise.reject(new Error('no')), { signal })).rejects.toThrow('no');
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
  });
});

describe('a retryDelay that throws', () => {
  it('should wait the default delay instead', async () => {
    const clock = new TestClock();
    let calls = 0;
    const cache = createBackgroundCache<string>({
      ttl: 100_000,
      refreshWindow: 10,
      clock,
      retry: 1,
      retryDelay: () => {
        throw new Error('policy bug');
      },
      fetch: () => (++calls === 1 ? Promise.reject(new Error('once')) : 'v'),
    });
    const waiting = cache.get();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cache.peek().state).toEqual({ retrying: 'withoutPrevious' });
    clock.advanceTo(999);
    expect(calls).toBe(1);
    clock.advanceTo(1_000);
    expect(await waiting).toBe('v');
  });
});

describe('reads that re-enter the cache', () => {
  it('should answer a refresh() sent by an observer while the actor is busy, once it is processed', async () => {
    const clock = new TestClock();
    let calls = 0;
    const cache = createBackgroundCache<string>({ ttl: 1_000, refreshWindow: 100, clock, fetch: () => `v${++calls}` });
    let refreshed: Promise<string> | undefined;
    const subscription = cache.actor.subscribe(() => {
      subscription.unsubscribe();
      refreshed = cache.refresh();
    });
    cache.seed('seeded');
    expect(await refreshed).toBe('v1');
    expect(calls).toBe(1);
  });

  it('should reject as stopped a read whose own transition made an observer stop the cache', async () => {
    const clock = new TestClock();
    const cache = createBackgroundCache<string>({
      ttl: 1_000,
      refreshWindow: 100,
      errorTtl: 5_000,
      clock,
      fetch: () => Promise.reject(new Error('down')),
    });
    cache.seed('held');
    clock.advanceTo(950);
    await cache.get();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cache.peek().state).toEqual({ current: 'backingOff' });
    // The expiry timer is late: the read finds the value expired while the failure is remembered.
    clock.skipTo(1_000);
    cache.actor.subscribe((snapshot) => {
      if (snapshot.value === 'failed') cache.stop();
    });
    await expect(cache.get()).rejects.toBeInstanceOf(CacheStoppedError);
  });
});

describe('age helpers and delays', () => {
  it('should call a value fresh until its age reaches ttl - refreshWindow', () => {
    const times = { ttl: 100, refreshWindow: 20 };
    expect(isFreshAt(times, 1000, 1079)).toBe(true);
    expect(isFreshAt(times, 1000, 1080)).toBe(false);
  });
});
