/**
 * A cache with `refreshOn: [refreshOnVisible(), refreshOnOnline()]` (SPEC
 * guarantee 18), against the real adapter: a trigger acts as a `get` with the
 * default fetch and no caller. A value in its window or expired is refreshed,
 * a fresh one is not, `failed` (and `current.backingOff`) is respected, one
 * flight however many triggers, nothing thrown when the triggered fetch
 * fails, and `stop()` removes every listener.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { createBackgroundCache } from '../../src/index.js';
import { refreshOnOnline, refreshOnVisible } from '../../src/browser/index.js';
import { controlledFetch, flush, nextMacrotask, stateOf, watchStrayErrors } from '../helpers.js';
import { CountingTarget } from './countingTarget.js';

const TTL = 60_000;
const WINDOW = 10_000;

let stray: ReturnType<typeof watchStrayErrors>;

beforeEach(() => {
  stray = watchStrayErrors();
});

afterEach(async () => {
  await nextMacrotask();
  stray.stop();
  expect(stray.stray).toEqual([]);
});

function setup(options: { errorTtl?: number } = {}) {
  const document = new CountingTarget();
  const window = new CountingTarget();
  const clock = new SimulatedClock();
  const fetch = controlledFetch<string>();
  const cache = createBackgroundCache<string>({
    ttl: TTL,
    refreshWindow: WINDOW,
    clock,
    fetch,
    refreshOn: [refreshOnVisible({ document }), refreshOnOnline({ target: window })],
    ...options,
  });
  const visible = () => {
    document.show('hidden');
    document.show('visible');
  };
  const online = () => {
    window.dispatchEvent(new Event('offline'));
    window.dispatchEvent(new Event('online'));
  };
  return { document, window, clock, fetch, cache, visible, online };
}

describe.each([
  ['the page becomes visible', 'visible'],
  ['the browser comes back online', 'online'],
] as const)('when %s', (_, which) => {
  const fire = (t: ReturnType<typeof setup>) => (which === 'visible' ? t.visible() : t.online());

  it('should not refresh a fresh value', async () => {
    const t = setup();
    t.cache.seed('seeded', { age: TTL - WINDOW - 1 });
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(0);
    expect(stateOf(t.cache.actor)).toBe('current.fresh');
  });

  it('should refresh a value in its window once, serving it meanwhile', async () => {
    const t = setup();
    t.cache.seed('seeded', { age: TTL - WINDOW });
    fire(t);
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(1);
    expect(stateOf(t.cache.actor)).toBe('refreshing.withPrevious');
    expect(t.cache.peek().value).toBe('seeded');
    t.fetch.resolve('refreshed');
    await flush();
    expect(t.cache.tryGet()).toBe('refreshed');
  });

  it('should fetch once when the value has expired', async () => {
    const t = setup();
    t.cache.seed('seeded');
    t.clock.increment(TTL);
    expect(stateOf(t.cache.actor)).toBe('empty');
    fire(t);
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(1);
    const reader = t.cache.get();
    t.fetch.resolve('fetched');
    await expect(reader).resolves.toBe('fetched');
    expect(t.fetch.calls).toBe(1);
  });

  it('should fetch once when the value expired but its timer has not fired yet (a sleeping tab)', async () => {
    const t = setup();
    t.cache.seed('seeded');
    // The cache clock jumps without firing timers, as after a laptop's sleep.
    const now = t.clock.now();
    Object.defineProperty(t.clock, 'now', { configurable: true, value: () => now + TTL });
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(1);
    expect(t.cache.peek().value).toBeUndefined();
  });

  it('should respect failed: no fetch until errorTtl has passed', async () => {
    const t = setup({ errorTtl: 30_000 });
    const reader = t.cache.get();
    t.fetch.reject(new Error('503'));
    await expect(reader).rejects.toThrow('503');
    expect(stateOf(t.cache.actor)).toBe('failed');
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(1);
    t.clock.increment(30_000);
    expect(stateOf(t.cache.actor)).toBe('empty');
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(2);
    t.fetch.resolve('back');
  });

  it('should respect backingOff: a value whose refresh failed is served, not refetched, until errorTtl', async () => {
    const t = setup({ errorTtl: 5_000 });
    t.cache.seed('seeded', { age: TTL - WINDOW });
    fire(t);
    await flush();
    t.fetch.reject(new Error('503'));
    await flush();
    expect(stateOf(t.cache.actor)).toBe('current.backingOff');
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(1);
    t.clock.increment(5_000);
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(2);
    t.fetch.resolve('back');
  });

  it('should throw nothing anywhere when the triggered fetch fails with no caller', async () => {
    const t = setup();
    t.cache.seed('seeded');
    t.clock.increment(TTL);
    fire(t);
    await flush();
    t.fetch.reject(new Error('offline again'));
    await flush();
    expect(stateOf(t.cache.actor)).toBe('empty');
    expect(t.cache.peek().error).toEqual(new Error('offline again'));
  });

  it('should join a fetch in flight instead of starting another', async () => {
    const t = setup();
    const reader = t.cache.get();
    fire(t);
    await flush();
    expect(t.fetch.calls).toBe(1);
    t.fetch.resolve('fetched');
    await expect(reader).resolves.toBe('fetched');
  });
});

describe('stop()', () => {
  it('should remove every listener the triggers added', () => {
    const t = setup();
    expect(t.document.listeners.get('visibilitychange')).toBe(1);
    expect(t.window.listeners.get('online')).toBe(1);
    t.cache.stop();
    expect(t.document.total).toBe(0);
    expect(t.window.total).toBe(0);
  });

  it('should leave no trigger that fetches afterwards', async () => {
    const t = setup();
    t.cache.stop();
    t.visible();
    t.online();
    await flush();
    expect(t.fetch.calls).toBe(0);
  });

  it('should call every unsubscribe of triggers of your own, once, also on a second stop()', () => {
    const unsubscribed: string[] = [];
    const cache = createBackgroundCache<string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      clock: new SimulatedClock(),
      fetch: () => 'fetched',
      refreshOn: [{ subscribe: () => () => unsubscribed.push('a') }, { subscribe: () => () => unsubscribed.push('b') }],
    });
    cache.stop();
    cache.stop();
    expect(unsubscribed.sort()).toEqual(['a', 'b']);
  });
});

describe('options', () => {
  it('should reject refreshOn without a default fetch, naming `fetch`', () => {
    expect(() =>
      createBackgroundCache<string>({ ttl: TTL, refreshWindow: WINDOW, refreshOn: [refreshOnVisible()] }),
    ).toThrow(/`fetch`/);
  });
});
