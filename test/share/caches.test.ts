/**
 * SPEC guarantee 17 with real caches: `createBackgroundCache({ fetch, share:
 * shareAcrossTabs(name) })` in the tabs of an in-memory browser
 * (test/share/world.ts), on vi's fake timers (the caches' clock and
 * `Date.now()` move together). A backend issues access tokens through
 * rotating refresh tokens: each works once, and a reuse is a logout.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import type { BackgroundCache, BackgroundCacheOptions, CacheClock } from '../../src/index.js';
import { shareAcrossTabs } from '../../src/share/index.js';
import { LOCK_LINGER, STEAL_GRACE } from '../../src/share/shareAcrossTabs.js';
import { stateOf, watchStrayErrors } from '../helpers.js';
import { World } from './world.js';
import type { Tab } from './world.js';

const START = 1_700_000_000_000;
const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

/** The caches' clock on vi's fake timers, so that it moves with `Date.now()`. */
const clock: CacheClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Token {
  readonly access: string;
}

/**
 * Access tokens through rotating refresh tokens: a refresh answers after
 * `delay` ms with a new access token and a new refresh token, and the one it
 * used is spent. A spent one answers 401 (a logout).
 */
class TokenBackend {
  refreshToken = 'r0';
  calls = 0;
  reuses = 0;
  failing = false;
  delay = 20;
  #issued = 0;

  refresh(refreshToken: string): Promise<{ access: string; refresh: string }> {
    this.calls++;
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        if (this.failing) return reject(Object.assign(new Error('503 Service Unavailable'), { status: 503 }));
        if (refreshToken !== this.refreshToken) {
          this.reuses++;
          return reject(Object.assign(new Error('401 refresh token reused: logged out'), { status: 401 }));
        }
        this.#issued++;
        this.refreshToken = `r${this.#issued}`;
        resolve({ access: `a${this.#issued}`, refresh: this.refreshToken });
      }, this.delay),
    );
  }
}

/** The origin's `localStorage`, where the refresh token lives (shared by the tabs, synchronously). */
const storage = new Map<string, string>();

/** The README's token recipe, in one tab. */
function tokenCache(
  tab: Tab,
  backend: TokenBackend,
  options: Partial<BackgroundCacheOptions<Token>> = {},
): BackgroundCache<Token> {
  return tab.run(() =>
    createBackgroundCache<Token>({
      ttl: 3_000,
      refreshWindow: 1_000,
      clock,
      fetch: async () => {
        const { access, refresh } = await backend.refresh(storage.get('refresh') ?? 'r0');
        storage.set('refresh', refresh);
        return { access };
      },
      share: shareAcrossTabs('token'),
      ...options,
    }),
  );
}

let stray: ReturnType<typeof watchStrayErrors>;

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
  storage.clear();
  stray = watchStrayErrors();
});

afterEach(() => {
  stray.stop();
  expect(stray.stray).toEqual([]);
  vi.useRealTimers();
});

describe('guarantee 17 with real caches', () => {
  it('should make one backend refresh per cycle for three tabs reading every 100 ms, and no reuse', async () => {
    const world = new World();
    const backend = new TokenBackend();
    const caches = [world.tab(), world.tab(), world.tab()].map((tab) => tokenCache(tab, backend));
    const reads: Promise<Token>[] = [];
    for (let t = 0; t < 15_000; t += 100) {
      for (const cache of caches) reads.push(cache.get());
      await tick(100);
    }
    await Promise.all(reads);
    expect(backend.reuses).toBe(0);
    // A refresh every ttl - refreshWindow = 2 s (plus its own 20 ms): the first fetch and 7 refreshes in 15 s.
    expect(backend.calls).toBe(8);
    for (const cache of caches) cache.stop();
  });

  for (const tabs of [1, 10]) {
    it(`should make one refresh per cycle with ${tabs} tab${tabs > 1 ? 's' : ''}`, { timeout: 15_000 }, async () => {
      const world = new World();
      const backend = new TokenBackend();
      const caches = Array.from({ length: tabs }, () => tokenCache(world.tab(), backend));
      for (let t = 0; t < 15_000; t += 100) {
        for (const cache of caches) void cache.get();
        await tick(100);
      }
      expect(backend.calls).toBe(8);
      expect(backend.reuses).toBe(0);
      for (const cache of caches) cache.stop();
    });
  }

  it('should let a cache created while a fresh token exists adopt it, with its age, and make no call', async () => {
    const world = new World();
    const backend = new TokenBackend();
    const first = tokenCache(world.tab(), backend);
    await tick();
    const token = first.get();
    await tick(20);
    expect(await token).toEqual({ access: 'a1' });
    await tick(500);
    const fourth = tokenCache(world.tab(), backend);
    const adopted = fourth.get();
    await tick(5);
    expect(await adopted).toEqual({ access: 'a1' });
    expect(backend.calls).toBe(1);
    expect(fourth.actor.getSnapshot().context.storedAt).toBe(first.actor.getSnapshot().context.storedAt);
    expect(stateOf(fourth.actor)).toBe('current.fresh');
    first.stop();
    fourth.stop();
  });

  it('should store a seeded value in the others with its age, and invalidate all from one', async () => {
    const world = new World();
    const backend = new TokenBackend();
    const caches = [world.tab(), world.tab(), world.tab()].map((tab) => tokenCache(tab, backend));
    await tick(5);
    expect(caches[0]!.seed({ access: 'seeded' }, { age: 1_500 })).toBe(true);
    await tick(1);
    for (const cache of caches.slice(1)) {
      expect(cache.peek()).toMatchObject({ state: { current: 'fresh' }, value: { access: 'seeded' } });
      expect(cache.actor.getSnapshot().context.storedAt).toBe(Date.now() - 1_501);
    }
    // Stored 1.5 s ago, the value is in its window 0.5 s later everywhere.
    await tick(500);
    expect(caches.map((cache) => stateOf(cache.actor))).toEqual(['current.stale', 'current.stale', 'current.stale']);
    caches[1]!.invalidate();
    await tick(1);
    expect(caches.map((cache) => cache.peek().state)).toEqual(['empty', 'empty', 'empty']);
    expect(backend.calls).toBe(0);
    for (const cache of caches) cache.stop();
  });

  it('should give every waiting tab the failure of the one refresh, after one backend call', async () => {
    const world = new World();
    const backend = new TokenBackend();
    backend.failing = true;
    const caches = [world.tab(), world.tab(), world.tab()].map((tab) => tokenCache(tab, backend));
    await tick(5);
    const reads = caches.map((cache) => cache.get().catch((error: unknown) => error));
    await tick(20 + LOCK_LINGER);
    const reasons = await Promise.all(reads);
    expect(backend.calls).toBe(1);
    for (const reason of reasons) expect(reason).toMatchObject({ message: '503 Service Unavailable' });
    // The fetching tab's reason is the backend's own object; the others get copies.
    expect(new Set(reasons).size).toBe(3);
    expect(caches.map((cache) => cache.peek().state)).toEqual(['empty', 'empty', 'empty']);
    for (const cache of caches) cache.stop();
  });

  it('should hand off within a second when the fetching tab crashes', async () => {
    const world = new World();
    const backend = new TokenBackend();
    backend.delay = 10_000;
    const crashing = world.tab();
    const caches = [crashing, world.tab(), world.tab()].map((tab) => tokenCache(tab, backend));
    await tick(5);
    void caches[0]!.get().catch(() => {});
    await tick(1);
    const reads = caches.slice(1).map((cache) => cache.get());
    await tick(100);
    crashing.crash(335);
    backend.delay = 20;
    await tick(335 + 20 + 1);
    // The crashed tab's refresh reached the backend and rotated nothing yet (it never answered): one call more.
    expect((await Promise.all(reads)).map((token) => token.access)).toEqual(['a1', 'a1']);
    expect(backend.calls).toBe(2);
    for (const cache of caches) cache.stop();
  });

  it('should steal from a hung tab fetchTimeout + 1 s after it took the lock, with retries', async () => {
    const world = new World();
    const backend = new TokenBackend();
    backend.delay = 60_000;
    const hung = world.tab();
    const options = { fetchTimeout: 2_000, retry: 3, retryDelay: 100 };
    const caches = [hung, world.tab()].map((tab) => tokenCache(tab, backend, options));
    await tick(5);
    void caches[0]!.get().catch(() => {});
    await tick(1);
    hung.hang();
    backend.delay = 20;
    const waiting = caches[1]!.get();
    await tick(2_000 + STEAL_GRACE - 1);
    expect(backend.calls).toBe(1);
    await tick(1 + 20);
    expect(backend.calls).toBe(2);
    expect((await waiting).access).toBe('a1');
    for (const cache of caches) cache.stop();
  });

  it('should work alone in Node, where navigator.locks is missing', async () => {
    let calls = 0;
    const caches = [0, 1].map(() =>
      createBackgroundCache<number>({
        ttl: 3_000,
        refreshWindow: 1_000,
        clock,
        fetch: () => ++calls,
        share: shareAcrossTabs('counter'),
      }),
    );
    expect(await Promise.all(caches.map((cache) => cache.get()))).toEqual([1, 2]);
    caches[0]!.seed(10);
    caches[1]!.invalidate();
    expect(caches.map((cache) => cache.peek().value)).toEqual([10, undefined]);
    for (const cache of caches) cache.stop();
  });
});
