/**
 * SPEC Part 2, guarantees 11 to 15, one `describe` each, and the options of
 * Part 2 with the errors SPEC gives. The plug-in wiring (persist, share,
 * refreshOn) is exercised here through the public contracts with in-memory
 * stand-ins; the shipped plug-ins have their own tests.
 */
import type { InspectionEvent } from 'xstate';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import type {
  BackgroundCacheOptions,
  CachePersister,
  CacheSharing,
  SharingPort,
  StoredEntry,
} from '../../src/index.js';
import {
  controlledCache,
  controlledFetch,
  flush,
  isSettled,
  ManualClock,
  stateOf,
  watchStrayErrors,
} from '../helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;

const setup = (options: Partial<BackgroundCacheOptions<string>> = {}) =>
  controlledCache({ ttl: TTL, refreshWindow: WINDOW, ...options });

describe('guarantee 11: lifetimes follow the value', () => {
  interface Token {
    readonly token: string;
    readonly expiresIn: number;
  }
  const options = {
    ttl: (value: Token) => value.expiresIn * 1_000 - 500,
    refreshWindow: (value: Token) => Math.min(2_000, value.expiresIn * 100),
  };

  it('judges each stored value by the lifetime computed for it when it was stored', async () => {
    const clock = new ManualClock();
    const fetch = controlledFetch<Token>();
    const cache = createBackgroundCache({ ...options, clock, fetch });
    const first = cache.get();
    fetch.resolve({ token: 'a', expiresIn: 10 });
    await first;
    expect(cache.actor.getSnapshot().context).toMatchObject({ ttl: 9_500, refreshWindow: 1_000 });
    clock.advance(8_499);
    expect(stateOf(cache.actor)).toBe('current.fresh');
    clock.advance(1);
    expect(stateOf(cache.actor)).toBe('current.stale');
    cache.seed({ token: 'b', expiresIn: 60 });
    expect(cache.actor.getSnapshot().context).toMatchObject({ ttl: 59_500, refreshWindow: 2_000 });
    clock.advance(59_499);
    expect(cache.peek().value).toEqual({ token: 'b', expiresIn: 60 });
    clock.advance(1);
    expect(stateOf(cache.actor)).toBe('empty');
  });

  it('stores nothing for a lifetime that breaks the rules: waiters reject with a RangeError naming the option, the previous is kept', async () => {
    const clock = new ManualClock();
    const fetch = controlledFetch<Token>();
    const cache = createBackgroundCache({ ...options, clock, fetch });
    cache.seed({ token: 'a', expiresIn: 10 });
    clock.advance(8_600);
    const refreshed = cache.refresh();
    fetch.resolve({ token: 'bad', expiresIn: 0.1 });
    const error = (await refreshed.catch((reason: unknown) => reason)) as RangeError;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/`ttl`/);
    expect(cache.peek().value).toEqual({ token: 'a', expiresIn: 10 });
    expect(() => cache.seed({ token: 'bad', expiresIn: -1 })).toThrow(/`ttl`/);
    const windowTooWide = createBackgroundCache<Token>({ ttl: 1_000, refreshWindow: () => 1_000, clock });
    expect(() => windowTooWide.seed({ token: 'x', expiresIn: 1 })).toThrow(/`refreshWindow`/);
  });

  it('passes what a lifetime function threw as the cause of the RangeError', async () => {
    const thrown = new Error('no expires_in');
    const { cache, fetch } = setup({
      ttl: () => {
        throw thrown;
      },
    });
    const waiting = cache.get();
    fetch.resolve('v');
    const error = (await waiting.catch((reason: unknown) => reason)) as RangeError;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/`ttl`/);
    expect(error.cause).toBe(thrown);
    expect(() => cache.seed('v')).toThrow(RangeError);
  });
});

describe('guarantee 12: ages are kept, never reset', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('stores a seed with an age as stored that long ago', () => {
    const { cache, clock } = setup();
    clock.advance(20_000);
    cache.seed('v', { age: 3_000 });
    expect(cache.actor.getSnapshot().context.storedAt).toBe(17_000);
  });

  it('restores a persisted value with its age, and saves every stored value with its wall-clock time', async () => {
    const saved: StoredEntry<string>[] = [];
    let removed = 0;
    const persister: CachePersister<string> = {
      load: () => ({ value: 'saved', storedAt: Date.now() - 7_000 }),
      save: (entry) => saved.push(entry),
      remove: () => removed++,
    };
    const { cache, fetch, clock } = setup({ persist: persister });
    expect(cache.peek().value).toBe('saved');
    expect(stateOf(cache.actor)).toBe('current.stale');
    expect(cache.actor.getSnapshot().context.storedAt).toBe(-7_000);
    clock.advance(100);
    vi.setSystemTime(Date.now() + 100);
    await cache.get();
    fetch.resolve('fetched');
    await flush();
    expect(saved).toEqual([{ value: 'fetched', storedAt: Date.now() }]);
    cache.invalidate();
    expect(removed).toBe(1);
  });

  it('adopts a value from another cache with its age, and never one older than it holds', () => {
    let port!: SharingPort<string>;
    const published: StoredEntry<string>[] = [];
    const sharing: CacheSharing<string> = {
      connect: (given) => {
        port = given;
        return {
          fetch: () => new Promise(() => {}),
          publish: (entry) => published.push(entry),
          invalidate: () => {},
          close: () => {},
        };
      },
    };
    const { cache, clock } = setup({ share: sharing });
    clock.advance(50_000);
    port.store({ value: 'from another tab', storedAt: Date.now() - 5_000 });
    expect(cache.actor.getSnapshot().context.storedAt).toBe(45_000);
    expect(stateOf(cache.actor)).toBe('current.fresh');
    port.store({ value: 'older', storedAt: Date.now() - 6_000 });
    expect(cache.peek().value).toBe('from another tab');
    expect(published).toEqual([]);
    expect(port.current()).toEqual({ value: 'from another tab', storedAt: Date.now() - 5_000 });
  });
});

describe('guarantee 17 through the sharing contract: what a cache stores reaches the others', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should publish a restored value with its age, and a seeded or fetched one; not one another cache sent', async () => {
    let port!: SharingPort<string>;
    const published: StoredEntry<string>[] = [];
    const sharing: CacheSharing<string> = {
      connect: (given) => {
        port = given;
        return {
          fetch: (fetch, signal) => fetch(signal).then((value) => ({ value, storedAt: Date.now() })),
          publish: (entry) => published.push(entry),
          invalidate: () => {},
          close: () => {},
        };
      },
    };
    const saved = { value: 'restored', storedAt: Date.now() - 1_000 };
    const persist: CachePersister<string> = { load: () => saved, save: () => {}, remove: () => {} };
    const { cache, fetch, clock } = setup({ share: sharing, persist });
    expect(published).toEqual([saved]);
    port.store({ value: 'from another tab', storedAt: Date.now() });
    expect(published).toHaveLength(1);
    cache.seed('seeded');
    expect(published.at(-1)).toEqual({ value: 'seeded', storedAt: Date.now() });
    clock.advance(TTL - WINDOW);
    await cache.get();
    fetch.resolve('fetched');
    await flush();
    expect(published.at(-1)?.value).toBe('fetched');
  });
});

describe('guarantee 13: callers can leave', () => {
  it('rejects a caller with signal.reason at once when its signal aborts; the owned fetch keeps running and is stored', async () => {
    const { cache, fetch } = setup();
    const controller = new AbortController();
    const leaving = cache.get({ signal: controller.signal });
    const staying = cache.get();
    const reason = new Error('unmounted');
    controller.abort(reason);
    expect(await leaving.catch((error: unknown) => error)).toBe(reason);
    expect(fetch.signals[0]!.aborted).toBe(false);
    fetch.resolve('v1');
    expect(await staying).toBe('v1');
    expect(cache.tryGet()).toBe('v1');
  });

  it('keeps running a fetch whose every caller left while the cache still owns it', async () => {
    const { cache, fetch } = setup();
    const controller = new AbortController();
    const leaving = cache.get({ signal: controller.signal });
    controller.abort();
    await expect(leaving).rejects.toThrow();
    await flush();
    expect(fetch.signals[0]!.aborted).toBe(false);
    fetch.resolve('stored anyway');
    await flush();
    expect(cache.tryGet()).toBe('stored anyway');
  });

  it('aborts a superseded fetch once its last caller leaves (guarantee 6)', async () => {
    const { cache, fetch } = setup();
    const controller = new AbortController();
    const leaving = cache.get({ signal: controller.signal });
    cache.invalidate();
    await flush();
    expect(fetch.signals[0]!.aborted).toBe(false);
    controller.abort();
    await expect(leaving).rejects.toThrow();
    expect(fetch.signals[0]!.aborted).toBe(true);
    expect((fetch.signals[0]!.reason as DOMException).name).toBe('AbortError');
  });
});

describe('guarantee 14: a hung fetch does not hang the cache', () => {
  it('settles every attempt within fetchTimeout; the timed-out signal aborts; a late result is ignored', async () => {
    const { cache, fetch, clock } = setup({ fetchTimeout: 1_000, retry: 1, retryDelay: 0 });
    const waiting = cache.get();
    clock.advance(1_000);
    expect(fetch.signals[0]!.aborted).toBe(true);
    clock.advance(0);
    expect(fetch.calls).toBe(2);
    clock.advance(1_000);
    const reason = (await waiting.catch((error: unknown) => error)) as DOMException;
    expect(reason.name).toBe('TimeoutError');
    expect(fetch.signals[1]!.reason).toBe(reason);
    fetch.resolve('late 1');
    fetch.resolve('late 2');
    await flush();
    expect(cache.tryGet()).toBeUndefined();
  });

  it('lets a caller waiting on a hung fetch leave, and stop() leaves no timer behind', async () => {
    const { cache, clock } = setup({ fetchTimeout: 60_000 });
    const controller = new AbortController();
    const waiting = cache.get({ signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(waiting).rejects.toThrow('user left');
    cache.stop();
    expect(clock.pendingDelays).toEqual([]);
  });
});

describe('guarantee 15: failures back off, visibly', () => {
  it('lets a failing backend see at most one flight per errorTtl (plus its retries), however many readers', async () => {
    const stray = watchStrayErrors();
    const { cache, fetch, clock } = setup({ retry: 1, retryDelay: 100, errorTtl: 1_000 });
    let settled = 0;
    for (let t = 0; t < 10_000; t += 50) {
      void cache.get().catch(() => {});
      await flush();
      // The backend fails every attempt at once.
      for (let i = settled; i < fetch.calls; i++) fetch.reject(new Error(`attempt ${i + 1}`));
      settled = fetch.calls;
      await flush();
      clock.advance(50);
    }
    // 10 s of reads every 50 ms: one flight of 2 attempts per ~1.1 s.
    expect(fetch.calls).toBeLessThanOrEqual(2 * Math.ceil(10_000 / 1_100));
    expect(fetch.calls).toBeGreaterThanOrEqual(2 * Math.floor(10_000 / 1_200));
    expect(stray.stray).toEqual([]);
    stray.stop();
  });
  it('shows every wait as a delayed transition of the chart in the inspector', async () => {
    const events: string[] = [];
    const { cache, fetch, clock } = setup({
      retry: 1,
      retryDelay: 100,
      errorTtl: 1_000,
      fetchTimeout: 500,
      inspect: (event: InspectionEvent) => {
        if (event.type === '@xstate.event') events.push(event.event.type);
      },
    });
    void cache.get().catch(() => {});
    // Two attempts time out, with the retry delay between them; then the failure is remembered.
    clock.advance(500);
    clock.advance(100);
    clock.advance(500);
    expect(stateOf(cache.actor)).toBe('failed');
    clock.advance(1_000);
    expect(fetch.calls).toBe(2);
    expect(events).toEqual(
      expect.arrayContaining([
        'xstate.after.fetchTimeout.backgroundCache.refreshing',
        'xstate.after.retryDelay.backgroundCache.retrying',
        'xstate.after.errorTtl.backgroundCache.failed',
      ]),
    );
  });
});

describe('Part 2 options: errors as SPEC gives them', () => {
  const base = { ttl: TTL, refreshWindow: WINDOW };
  it('throws a TypeError naming unknown options, checked first', () => {
    expect(() => createBackgroundCache({ ...base, refreshWindows: 1 } as never)).toThrow(TypeError);
    expect(() => createBackgroundCache({ ...base, refreshWindows: 1 } as never)).toThrow(/`refreshWindows`/);
    expect(() => createBackgroundCache({ ttl: -1, refreshWindow: 0, retries: 2 } as never)).toThrow(/`retries`/);
  });

  it.each([
    ['fetchTimeout', 0],
    ['fetchTimeout', Infinity],
    ['retry', 1.5],
    ['retry', -1],
    ['retryDelay', -1],
    ['retryDelay', Number.NaN],
    ['errorTtl', -1],
    ['errorTtl', Infinity],
  ])('throws a RangeError naming %s for %s', (name, value) => {
    expect(() => createBackgroundCache({ ...base, [name]: value })).toThrow(RangeError);
    expect(() => createBackgroundCache({ ...base, [name]: value })).toThrow(new RegExp(`\`${name}\``));
  });

  it.each([
    ['fetch', 'nope'],
    ['retry', 'twice'],
    ['retryDelay', {}],
    ['persist', { load: () => undefined }],
    ['share', {}],
    ['refreshOn', [{}]],
    ['inspect', { nothing: true }],
  ])('throws a TypeError naming %s for a misshapen value', (name, value) => {
    expect(() => createBackgroundCache({ ...base, fetch: () => 'v', [name]: value })).toThrow(TypeError);
    expect(() => createBackgroundCache({ ...base, fetch: () => 'v', [name]: value })).toThrow(
      new RegExp(`\`${name}\``),
    );
  });

  it('throws a TypeError naming fetch for share or refreshOn without a fetch', () => {
    const trigger = { subscribe: () => () => {} };
    expect(() => createBackgroundCache({ ...base, refreshOn: [trigger] })).toThrow(/`fetch`/);
    expect(() => createBackgroundCache({ ...base, share: { connect: () => ({}) as never } })).toThrow(/`fetch`/);
  });

  it('infers V from the fetch option', async () => {
    const cache = createBackgroundCache({ ...base, clock: new ManualClock(), fetch: () => ({ schema: 1 }) });
    const value = await cache.get();
    expect(value.schema).toBe(1);
  });

  it('refreshes on a trigger as a get with no caller, and stop() unsubscribes every trigger', async () => {
    let fire: () => void = () => {};
    let unsubscribed = 0;
    const trigger = {
      subscribe: (callback: () => void) => {
        fire = callback;
        return () => unsubscribed++;
      },
    };
    const { cache, fetch, clock } = setup({ refreshOn: [trigger] });
    cache.seed('v1');
    fire();
    expect(fetch.calls).toBe(0);
    clock.advance(TTL - WINDOW);
    fire();
    expect(fetch.calls).toBe(1);
    expect(await isSettled(cache.get())).toBe(true);
    cache.stop();
    expect(unsubscribed).toBe(1);
  });
});
