/**
 * How the single cache wires its plug-ins (persist, share) and what its chart
 * holds, where mutation testing (`npm run test:mutation`) found no test
 * watching. In-memory stand-ins for the plug-in contracts; the shipped
 * plug-ins have their own tests.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CacheStoppedError, createBackgroundCache } from '../../src/index.js';
import type { BackgroundCacheOptions, CachePersister, CacheSharing, StoredEntry } from '../../src/index.js';
import { controlledCache, flush, ManualClock } from '../helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const NOW = 1_700_000_000_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

const setup = (options: Partial<BackgroundCacheOptions<string>> = {}) =>
  controlledCache({ ttl: TTL, refreshWindow: WINDOW, ...options });

/** A sharing stand-in that records what the cache asks of it; `attempt` answers each fetch. */
function recordingSharing(attempt: CacheSharingFetch = (fetch, signal) => fetch(signal).then(entryNow)) {
  const published: StoredEntry<string>[] = [];
  const fetches: { since: number }[] = [];
  const sharing: CacheSharing<string> = {
    connect: () => ({
      fetch: (fetch, signal, since) => {
        fetches.push({ since });
        return attempt(fetch, signal);
      },
      publish: (entry) => published.push(entry),
      invalidate: () => {},
      close: () => {},
    }),
  };
  return { sharing, published, fetches };
}
type CacheSharingFetch = (
  fetch: (signal: AbortSignal) => Promise<string>,
  signal: AbortSignal,
) => Promise<StoredEntry<string>>;
const entryNow = (value: string): StoredEntry<string> => ({ value, storedAt: Date.now() });

describe('the chart of a cache whose lifetimes are computed per value', () => {
  it('should hold numbers as its lifetime: none (NaN) before a value is stored, then the value’s own', async () => {
    const { cache, fetch } = setup({ ttl: () => TTL, refreshWindow: () => WINDOW });
    expect(cache.actor.getSnapshot().context).toMatchObject({ ttl: Number.NaN, refreshWindow: Number.NaN });
    const got = cache.get();
    fetch.resolve('v1');
    await got;
    expect(cache.actor.getSnapshot().context).toMatchObject({ ttl: TTL, refreshWindow: WINDOW });
  });
});

describe('persistence of fetched values', () => {
  it('should save nothing for a fetch that fails', async () => {
    const saved: StoredEntry<string>[] = [];
    const persist: CachePersister<string> = {
      load: () => undefined,
      save: (entry) => saved.push(entry),
      remove: () => {},
    };
    const { cache, fetch } = setup({ persist });
    const failing = cache.get();
    fetch.reject(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    expect(saved).toEqual([]);
  });
});

describe('a cache that shares its fetches', () => {
  it('should run each attempt as the shared fetch, since the moment it started', async () => {
    const { sharing, fetches } = recordingSharing();
    const { cache, fetch } = setup({ share: sharing });
    const got = cache.get();
    expect(fetches).toEqual([{ since: NOW }]);
    fetch.resolve('v1');
    expect(await got).toBe('v1');
  });

  it('should store a value another cache fetched with the age it has', async () => {
    const { sharing } = recordingSharing(async () => ({ value: 'adopted', storedAt: NOW - 3_000 }));
    const { cache, clock, fetch } = setup({ share: sharing });
    clock.advance(20_000);
    expect(await cache.get()).toBe('adopted');
    expect(fetch.calls).toBe(0);
    expect(cache.actor.getSnapshot().context.storedAt).toBe(17_000);
  });

  it('should tell the other caches of a value it fetched, once, and of no failure', async () => {
    const { sharing, published } = recordingSharing();
    const { cache, fetch } = setup({ share: sharing });
    const got = cache.get();
    fetch.resolve('v1');
    await got;
    await flush();
    expect(published).toEqual([{ value: 'v1', storedAt: NOW }]);
    cache.invalidate();
    const failing = cache.get();
    fetch.reject(new Error('down'));
    await expect(failing).rejects.toThrow('down');
    expect(published).toHaveLength(1);
  });
});

describe('what a cache that shares tells the others', () => {
  it('should tell them of a seed and of a restored value, with their ages, but not of a value it adopted from them', async () => {
    const { sharing, published } = recordingSharing();
    let port!: Parameters<CacheSharing<string>['connect']>[0];
    const persist: CachePersister<string> = {
      load: () => ({ value: 'restored', storedAt: NOW - 1_000 }),
      save: () => {},
      remove: () => {},
    };
    const { cache } = setup({
      persist,
      share: {
        connect: (given) => {
          port = given;
          return sharing.connect(given);
        },
      },
    });
    expect(cache.peek().value).toBe('restored');
    expect(published).toEqual([{ value: 'restored', storedAt: NOW - 1_000 }]);
    vi.setSystemTime(NOW + 1);
    port.store({ value: 'adopted', storedAt: NOW });
    expect(cache.peek().value).toBe('adopted');
    expect(published).toHaveLength(1);
    cache.seed('seeded', { age: 500 });
    expect(published.at(-1)).toEqual({ value: 'seeded', storedAt: NOW + 1 - 500 });
  });
});

describe('get() with an options object', () => {
  it('should reject with a TypeError naming fetch when a second argument follows the options, and start nothing', async () => {
    const { cache, fetch } = setup();
    await expect(cache.get({} as never, {})).rejects.toThrow(/^Expected `fetch`/);
    expect(fetch.calls).toBe(0);
  });
});

describe('refresh()', () => {
  it('should say why it rejects without a fetch option', async () => {
    const cache = createBackgroundCache<string>({ ttl: TTL, refreshWindow: WINDOW, clock: new ManualClock() });
    await expect(cache.refresh()).rejects.toThrow(
      'Expected `fetch` to be a function: refresh() uses the `fetch` option, got undefined',
    );
  });

  it('should reject with CacheStoppedError after stop(), sending the stopped chart nothing', async () => {
    const { cache } = setup();
    cache.stop();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await expect(cache.refresh()).rejects.toBeInstanceOf(CacheStoppedError);
    expect(warn).not.toHaveBeenCalled();
  });

  it('should refresh the loaded value when called before an asynchronous load settles', async () => {
    let finishLoad!: (entry: StoredEntry<string>) => void;
    const persist: CachePersister<string> = {
      load: () => new Promise<StoredEntry<string>>((resolve) => (finishLoad = resolve)),
      save: () => {},
      remove: () => {},
    };
    const { cache, fetch } = setup({ persist });
    const refreshed = cache.refresh();
    await flush();
    expect(fetch.calls).toBe(0);
    finishLoad({ value: 'saved', storedAt: NOW - 1_000 });
    await flush();
    expect(fetch.calls).toBe(1);
    expect(cache.peek().value).toBe('saved');
    fetch.resolve('fresh from the backend');
    expect(await refreshed).toBe('fresh from the backend');
    expect(cache.peek().value).toBe('fresh from the backend');
  });
});

describe('reads the snapshot can answer alone', () => {
  /** The events the chart received, through `inspect` (redacted, which does not matter here). */
  function counting(options: Partial<BackgroundCacheOptions<string>> = {}) {
    const events: string[] = [];
    const s = setup({
      ...options,
      inspect: (event) => {
        if (event.type === '@xstate.event') events.push(event.event.type);
      },
    });
    return { ...s, gets: () => events.filter((type) => type === 'get').length };
  }

  it('should send the chart no event for a fresh hit or for the previous value during its refresh', async () => {
    const { cache, clock, fetch, gets } = counting();
    cache.seed('v1');
    expect(await cache.get()).toBe('v1');
    expect(gets()).toBe(0);
    clock.advance(TTL - WINDOW);
    expect(await cache.get()).toBe('v1');
    expect(gets()).toBe(1);
    expect(fetch.calls).toBe(1);
    expect(await cache.get()).toBe('v1');
    expect(gets()).toBe(1);
  });

  it('should send the chart no event while a failure is remembered with nothing to serve: it rejects at once', async () => {
    const empty = counting({ errorTtl: 1_000 });
    const failing = empty.cache.get();
    const reason = new Error('down');
    empty.fetch.reject(reason);
    await expect(failing).rejects.toBe(reason);
    expect(empty.state()).toBe('failed');
    await expect(empty.cache.get()).rejects.toBe(reason);
    expect(empty.gets()).toBe(1);
  });

  it('should send the chart no event for a read that waits on the fetch in flight', async () => {
    const { cache, fetch, gets } = counting();
    const first = cache.get();
    const second = cache.get();
    expect(gets()).toBe(1);
    fetch.resolve('v1');
    expect(await second).toBe('v1');
    expect(await first).toBe('v1');
  });

  it('should hand every fresh hit of one stored value the same settled promise', async () => {
    const { cache } = setup();
    cache.seed('v1');
    const first = cache.get();
    expect(cache.get()).toBe(first);
    cache.seed('v2');
    expect(cache.get()).not.toBe(first);
  });

  it('should not show in peek() a value past its ttl whose expiry timer is late', () => {
    const { cache, clock, state } = setup();
    cache.seed('v1');
    clock.skip(TTL);
    expect(state()).toBe('current.fresh');
    expect(cache.peek().value).toBeUndefined();
  });
});

describe('a refresh trigger', () => {
  it('should not keep alive a fetch it started once that fetch is superseded: nobody waits for it', async () => {
    let fire!: () => void;
    const { cache, fetch } = setup({ refreshOn: [{ subscribe: (trigger) => ((fire = trigger), () => {}) }] });
    fire();
    expect(fetch.calls).toBe(1);
    cache.invalidate();
    await flush();
    expect(fetch.signals[0]!.aborted).toBe(true);
  });
});

describe('a shared cache seen from the other tabs', () => {
  function shared(options: Partial<BackgroundCacheOptions<string>> = {}) {
    let port!: Parameters<CacheSharing<string>['connect']>[0];
    const { sharing } = recordingSharing();
    const s = setup({
      ...options,
      share: {
        connect: (given) => {
          port = given;
          return sharing.connect(given);
        },
      },
    });
    return { ...s, port: () => port };
  }

  it('should not offer them a value past its ttl whose expiry timer is late', () => {
    const { cache, clock, port } = shared();
    cache.seed('v1');
    expect(port().current()).toEqual({ value: 'v1', storedAt: NOW });
    clock.skip(TTL);
    expect(port().current()).toBeUndefined();
  });

  it('should take their invalidate after stop() quietly', () => {
    const { cache, port } = shared();
    cache.stop();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    port().invalidate();
    expect(warn).not.toHaveBeenCalled();
  });

  it('should not store again, nor save, a value stored at the very moment of the one it holds', () => {
    const saved: StoredEntry<string>[] = [];
    const persist: CachePersister<string> = {
      load: () => undefined,
      save: (entry) => saved.push(entry),
      remove: () => {},
    };
    const { cache, port } = shared({ persist });
    cache.seed('v1');
    expect(saved).toHaveLength(1);
    port().store({ value: 'same moment', storedAt: NOW });
    expect(cache.peek().value).toBe('v1');
    expect(saved).toHaveLength(1);
  });
});

describe('restoring a saved entry', () => {
  function persisting(
    entry: StoredEntry<string> | Promise<StoredEntry<string>>,
    options: Partial<BackgroundCacheOptions<string>> = {},
  ) {
    let removed = 0;
    const persist: CachePersister<string> = { load: () => entry, save: () => {}, remove: () => removed++ };
    const s = setup({ persist, ...options });
    return { ...s, removed: () => removed };
  }

  it('should restore an entry saved this very millisecond', () => {
    const { cache, removed } = persisting({ value: 'just saved', storedAt: NOW });
    expect(cache.peek().value).toBe('just saved');
    expect(removed()).toBe(0);
  });

  it('should remove an entry whose computed lifetime throws, and not serve it', () => {
    const { cache, removed } = persisting(
      { value: 'bad', storedAt: NOW - 1 },
      {
        ttl: () => {
          throw new Error('no expiry');
        },
      },
    );
    expect(cache.peek().value).toBeUndefined();
    expect(removed()).toBe(1);
  });

  it('should leave alone a loaded entry older than a value seeded meanwhile', async () => {
    let finish!: (entry: StoredEntry<string>) => void;
    const { cache, removed } = persisting(new Promise((resolve) => (finish = resolve)));
    cache.seed('seeded');
    finish({ value: 'older', storedAt: NOW - 1_000 });
    await flush();
    expect(cache.peek().value).toBe('seeded');
    expect(removed()).toBe(0);
  });
});

describe('stop()', () => {
  it('should close the sharing connection once, however often it is called', () => {
    let closed = 0;
    const { cache } = setup({
      share: {
        connect: () => ({
          fetch: () => new Promise(() => {}),
          publish: () => {},
          invalidate: () => {},
          close: () => closed++,
        }),
      },
    });
    cache.stop();
    cache.stop();
    expect(closed).toBe(1);
  });
});
