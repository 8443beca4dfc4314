/**
 * One `describe` per guarantee of SPEC.md (guarantees 2, 7, 9 and 10 have
 * more in clock.test.ts, ../platform/process.test.ts and ../platform/browser-safe.test.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CacheStoppedError, createBackgroundCache } from '../../src/index.js';
import {
  controlledFetch,
  countingFetch,
  flush,
  ManualClock,
  nextMacrotask,
  stateOf,
  watchStrayErrors,
} from '../helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;

function setup() {
  const clock = new ManualClock();
  const cache = createBackgroundCache<string>({ ttl: TTL, refreshWindow: WINDOW, clock });
  return { clock, cache };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('guarantee 1: single flight', () => {
  it('owns one fetch for 1,000 concurrent cold readers', async () => {
    const { cache } = setup();
    const fetch = controlledFetch<string>();
    const readers = Array.from({ length: 1_000 }, () => cache.get(fetch));
    expect(fetch.calls).toBe(1);
    fetch.resolve('v');
    expect(new Set(await Promise.all(readers))).toEqual(new Set(['v']));
  });

  it('starts one background refresh however many readers come in the window', async () => {
    const { cache, clock } = setup();
    await cache.get(countingFetch('v1'));
    clock.advance(TTL - WINDOW);
    const refresh = controlledFetch<string>();
    const values = await Promise.all(Array.from({ length: 100 }, () => cache.get(refresh)));
    expect(values.every((v) => v === 'v1')).toBe(true);
    expect(refresh.calls).toBe(1);
  });

  it('neither joins nor stores a superseded fetch: the next reader starts the one owned fetch', async () => {
    const { cache } = setup();
    const first = controlledFetch<string>();
    const early = cache.get(first);
    cache.invalidate();
    const second = controlledFetch<string>();
    const late = [cache.get(second), cache.get(second)];
    expect(first.calls).toBe(1);
    expect(second.calls).toBe(1);
    first.resolve('old');
    second.resolve('new');
    expect(await early).toBe('old');
    expect(await Promise.all(late)).toEqual(['new', 'new']);
    expect(cache.tryGet()).toBe('new');
  });
});

describe('guarantee 2: late timers change nothing', () => {
  it('never serves a value at age >= ttl, even when no timer has fired', async () => {
    const { cache, clock } = setup();
    await cache.get(countingFetch('v1'));
    clock.skip(TTL);
    expect(stateOf(cache.actor)).toBe('current.fresh');
    expect(cache.tryGet()).toBeUndefined();
    const next = controlledFetch<string>();
    const waiter = cache.get(next);
    next.resolve('v2');
    expect(await waiter).toBe('v2');
  });

  it('starts the refresh on a read in the window, even when no timer has fired', async () => {
    const { cache, clock } = setup();
    await cache.get(countingFetch('v1'));
    clock.skip(TTL - WINDOW);
    const refresh = controlledFetch<string>();
    expect(await cache.get(refresh)).toBe('v1');
    expect(refresh.calls).toBe(1);
  });

  it('serves until the last millisecond before ttl, and not at ttl', async () => {
    const { cache, clock } = setup();
    await cache.get(countingFetch('v1'));
    clock.skip(TTL - 1);
    const refresh = controlledFetch<string>();
    expect(await cache.get(refresh)).toBe('v1');
    clock.skip(1);
    // At ttl the previous is gone: this reader waits for the refresh in flight.
    let settled = false;
    const waiter = cache.get(countingFetch('x')).finally(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    refresh.resolve('v2');
    expect(await waiter).toBe('v2');
  });
});

describe('guarantee 3: resolved means stored', () => {
  it('shows the value to tryGet() in the continuation of the get that fetched it', async () => {
    const { cache } = setup();
    const fetch = controlledFetch<string>();
    const seen = cache.get(fetch).then((value) => [value, cache.tryGet(), stateOf(cache.actor)]);
    fetch.resolve('v1');
    expect(await seen).toEqual(['v1', 'v1', 'current.fresh']);
  });

  it('does so for every joined waiter, and for a plain-value fetch', async () => {
    const { cache } = setup();
    const fetch = controlledFetch<string>();
    const seen = Array.from({ length: 3 }, () => cache.get(fetch).then(() => cache.tryGet()));
    fetch.resolve('v1');
    expect(await Promise.all(seen)).toEqual(['v1', 'v1', 'v1']);
    cache.invalidate();
    expect(await cache.get(() => 'plain').then(() => cache.tryGet())).toBe('plain');
  });
});

describe('guarantee 4: no stray errors', () => {
  it('a background refresh that fails with nobody waiting: no unhandled rejection, no log, no throw', async () => {
    const { cache, clock } = setup();
    const watcher = watchStrayErrors();
    const logs = [
      vi.spyOn(console, 'error').mockImplementation(() => {}),
      vi.spyOn(console, 'warn').mockImplementation(() => {}),
      vi.spyOn(console, 'log').mockImplementation(() => {}),
    ];
    try {
      await cache.get(countingFetch('v1'));
      clock.advance(TTL - WINDOW);
      const reason = new Error('refresh failed');
      expect(
        await cache.get(async () => {
          throw reason;
        }),
      ).toBe('v1');
      // And one that throws synchronously.
      await flush();
      expect(
        await cache.get(() => {
          throw reason;
        }),
      ).toBe('v1');
      await flush();
      await nextMacrotask();
      expect(watcher.stray).toEqual([]);
      for (const log of logs) expect(log).not.toHaveBeenCalled();
      // The reason is visible to observers, nothing more.
      expect(cache.actor.getSnapshot().context.error).toBe(reason);
      expect(stateOf(cache.actor)).toBe('current.stale');
    } finally {
      watcher.stop();
    }
  });

  it('a superseded fetch that fails with nobody waiting: no unhandled rejection', async () => {
    const { cache } = setup();
    const watcher = watchStrayErrors();
    try {
      const fetch = controlledFetch<string>();
      const waiter = cache.get(fetch);
      cache.invalidate();
      fetch.reject(new Error('late'));
      await expect(waiter).rejects.toThrow('late');
      await nextMacrotask();
      expect(watcher.stray).toEqual([]);
    } finally {
      watcher.stop();
    }
  });
});

describe('guarantee 5: fetch errors pass through', () => {
  it('a synchronous throw counts as a rejection with the thrown object', async () => {
    const { cache } = setup();
    const thrown = { not: 'an error' };
    await expect(
      cache.get(() => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(stateOf(cache.actor)).toBe('empty');
  });

  it('a plain value counts as a resolution', async () => {
    const { cache } = setup();
    expect(await cache.get(() => 'plain')).toBe('plain');
    expect(cache.tryGet()).toBe('plain');
  });

  it('a thenable is adopted, and its rejection reason reaches callers unchanged', async () => {
    const { cache } = setup();
    const reason = new RangeError('exact object');
    const thenable: PromiseLike<string> = {
      then: (_ok, fail) => {
        fail?.(reason);
        return thenable as PromiseLike<never>;
      },
    };
    await expect(cache.get(() => thenable)).rejects.toBe(reason);
  });
});

describe('guarantee 6: cancellation', () => {
  it('aborts the signal of a superseded fetch that nobody waits on', async () => {
    const { cache, clock } = setup();
    await cache.get(countingFetch('v1'));
    clock.advance(TTL - WINDOW);
    const refresh = controlledFetch<string>();
    await cache.get(refresh);
    const signal = refresh.signals[0]!;
    expect(signal.aborted).toBe(false);
    cache.invalidate();
    await flush();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('AbortError');
  });

  it('keeps the signal of a superseded fetch that callers wait on, and they get its outcome', async () => {
    const { cache } = setup();
    const fetch = controlledFetch<string>();
    const waiter = cache.get(fetch);
    cache.seed('seeded');
    await flush();
    expect(fetch.signals[0]!.aborted).toBe(false);
    fetch.resolve('fetched');
    expect(await waiter).toBe('fetched');
    expect(cache.tryGet()).toBe('seeded');
  });

  it('does not abort a fetch that completes normally', async () => {
    const { cache } = setup();
    const fetch = controlledFetch<string>();
    const waiter = cache.get(fetch);
    fetch.resolve('v');
    await waiter;
    cache.invalidate();
    await flush();
    expect(fetch.signals[0]!.aborted).toBe(false);
  });
});

describe('guarantee 7: stop() clears every timer', () => {
  it('leaves no timer behind in any timed state', async () => {
    const { cache, clock } = setup();
    await cache.get(countingFetch('v1'));
    expect(clock.pendingDelays.length).toBeGreaterThan(0);
    cache.stop();
    expect(clock.pendingDelays).toEqual([]);

    const other = setup();
    await other.cache.get(countingFetch('v1'));
    other.clock.advance(TTL - WINDOW);
    await other.cache.get(controlledFetch<string>());
    expect(stateOf(other.cache.actor)).toBe('refreshing.withPrevious');
    other.cache[Symbol.dispose]();
    expect(other.clock.pendingDelays).toEqual([]);
  });
});

describe('guarantee 8: bad input gets a clear error, and nothing breaks', () => {
  it.each([
    [{ ttl: 0, refreshWindow: 0 }, /`ttl`.*got 0/],
    [{ ttl: -5, refreshWindow: 0 }, /`ttl`.*got -5/],
    [{ ttl: Number.NaN, refreshWindow: 0 }, /`ttl`.*got NaN/],
    [{ ttl: Infinity, refreshWindow: 0 }, /`ttl`.*got Infinity/],
    [{ ttl: '1000', refreshWindow: 0 }, /`ttl`.*got "1000"/],
    [{ refreshWindow: 0 }, /`ttl`.*got undefined/],
    [{ ttl: 1000, refreshWindow: -1 }, /`refreshWindow`.*got -1/],
    [{ ttl: 1000, refreshWindow: 1000 }, /`refreshWindow`.*< `ttl` \(1000\).*got 1000/],
    [{ ttl: 1000, refreshWindow: 2000 }, /`refreshWindow`.*got 2000/],
    [{ ttl: 1000, refreshWindow: Number.NaN }, /`refreshWindow`.*got NaN/],
    [{ ttl: 1000 }, /`refreshWindow`.*got undefined/],
    [{ ttl: 1000, refreshWindow: null }, /`refreshWindow`.*got null/],
  ])('throws a RangeError naming the option for %o', (options, message) => {
    expect(() => createBackgroundCache(options as never)).toThrow(RangeError);
    expect(() => createBackgroundCache(options as never)).toThrow(message);
  });

  it.each([
    [undefined, /`options` to be an object.*got undefined/],
    [null, /`options` to be an object.*got null/],
    [30_000, /`options` to be an object.*got 30000/],
    [{ ttl: 10, refreshWindow: 1, clock: {} }, /`clock`.*now\(\).*got an object/],
    [{ ttl: 10, refreshWindow: 1, clock: { now: () => 0 } }, /`clock`/],
    [{ ttl: 10, refreshWindow: 1, clock: null }, /`clock`.*got null/],
    [{ ttl: 10, refreshWindow: 1, inspect: 'yes' }, /`inspect`.*got "yes"/],
    [{ ttl: 10, refreshWindow: 1, inspect: null }, /`inspect`.*got null/],
  ])('throws a TypeError for misshapen options %o', (options, message) => {
    expect(() => createBackgroundCache(options as never)).toThrow(TypeError);
    expect(() => createBackgroundCache(options as never)).toThrow(message);
  });

  it.each([[undefined], [null], ['fetch'], [42], [{ then: () => {} }], [[]]])(
    'rejects get(%o) with a TypeError and keeps the value and state',
    async (notAFunction) => {
      const { cache } = setup();
      cache.seed('kept');
      await expect(cache.get(notAFunction as never)).rejects.toThrow(TypeError);
      await expect(cache.get(notAFunction as never)).rejects.toThrow(/`fetch` to be a function/);
      expect(cache.tryGet()).toBe('kept');
      expect(stateOf(cache.actor)).toBe('current.fresh');
    },
  );

  it('after stop(): get rejects saying the cache is stopped, tryGet is undefined, seed and invalidate do nothing', async () => {
    const { cache } = setup();
    cache.seed('v1');
    cache.stop();
    const fetch = countingFetch('x');
    const rejection = cache.get(fetch);
    await expect(rejection).rejects.toBeInstanceOf(CacheStoppedError);
    await expect(cache.get(fetch)).rejects.toThrow(/stopped/);
    expect(fetch.calls).toBe(0);
    expect(cache.tryGet()).toBeUndefined();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    cache.seed('v2');
    cache.invalidate();
    cache.stop();
    cache[Symbol.dispose]();
    expect(warn).not.toHaveBeenCalled();
    expect(cache.actor.getSnapshot().status).toBe('stopped');
    expect(cache.tryGet()).toBeUndefined();
  });

  it('stop(): callers already waiting get their fetch outcome; with none waiting the signal aborts', async () => {
    const waited = setup();
    const fetch = controlledFetch<string>();
    const waiter = waited.cache.get(fetch);
    waited.cache.stop();
    await flush();
    expect(fetch.signals[0]!.aborted).toBe(false);
    fetch.resolve('outcome');
    expect(await waiter).toBe('outcome');
    expect(waited.cache.tryGet()).toBeUndefined();

    const idle = setup();
    await idle.cache.get(countingFetch('v1'));
    idle.clock.advance(TTL - WINDOW);
    const refresh = controlledFetch<string>();
    await idle.cache.get(refresh);
    idle.cache.stop();
    await flush();
    expect(refresh.signals[0]!.aborted).toBe(true);
  });

  it('an observer that stops the cache while a get is being processed: the caller still gets its fetch outcome', async () => {
    const { cache } = setup();
    cache.actor.subscribe((snapshot) => {
      if (snapshot.matches('refreshing')) cache.stop();
    });
    const fetch = controlledFetch<string>();
    const waiter = cache.get(fetch);
    expect(cache.actor.getSnapshot().status).toBe('stopped');
    fetch.resolve('outcome');
    expect(await waiter).toBe('outcome');
    await expect(cache.get(fetch)).rejects.toBeInstanceOf(CacheStoppedError);
  });
});

describe('re-entrant readers', () => {
  it('a get from an observer mid-transition is answered once the actor is idle', async () => {
    const { cache } = setup();
    const inner: Promise<string>[] = [];
    const innerFetch = countingFetch('inner');
    cache.actor.subscribe((snapshot) => {
      // Seen while the outer get is being processed: this get is queued.
      if (snapshot.matches('empty') && inner.length === 0) inner.push(cache.get(innerFetch));
    });
    const reason = new Error('outer fails');
    await expect(cache.get(() => Promise.reject(reason))).rejects.toBe(reason);
    expect(inner).toHaveLength(1);
    expect(await inner[0]).toBe('inner');
    expect(innerFetch.calls).toBe(1);
  });

  it('a fetch that reads the cache while it runs joins itself', async () => {
    const { cache } = setup();
    let joined: Promise<string> | undefined;
    const value = await cache.get(() => {
      joined = cache.get(countingFetch('never'));
      return 'v';
    });
    expect(value).toBe('v');
    expect(await joined).toBe('v');
  });
});
