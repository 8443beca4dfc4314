/**
 * The README's recipes as a user writes them, with no type argument: the
 * cache's value type comes from `ttl`, `refreshWindow` and `fetch`, and a
 * `persist` or `share` made without one fits it instead of turning it into
 * `unknown` (or failing to compile). `npm run typecheck` checks the types
 * here; the tests check that these caches run.
 */
import { SimulatedClock } from 'xstate';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import type { BackgroundCache, CachePersister, CacheSharing } from '../../src/index.js';
import { storagePersister } from '../../src/persist/index.js';
import type { StoragePersister } from '../../src/persist/index.js';
import { shareAcrossTabs } from '../../src/share/index.js';
import { MemoryStorage } from '../persist/memoryStorage.js';

interface Token {
  accessToken: string;
  expiresIn: number; // seconds
}

const clock = new SimulatedClock();
const token = (accessToken: string): Token => ({ accessToken, expiresIn: 60 });

describe('the value type, with persist and share made without a type argument', () => {
  it("should be the lifetime functions' type when only they name it", () => {
    const cache = createBackgroundCache({
      ttl: (value: Token) => value.expiresIn * 1_000 - 5_000,
      refreshWindow: (value: Token) => Math.min(60_000, (value.expiresIn * 1_000) / 4),
      clock,
      persist: storagePersister('token', { storage: new MemoryStorage() }),
    });
    expectTypeOf(cache).toEqualTypeOf<BackgroundCache<Token>>();
    cache.seed(token('a'));
    expect(cache.tryGet()).toEqual(token('a'));
    cache.stop();
  });

  it("should be the fetch's type in the README's token recipe (lifetime functions and a fetch with a signal)", async () => {
    const cache = createBackgroundCache({
      ttl: (value: Token) => value.expiresIn * 1_000 - 5_000,
      refreshWindow: (value: Token) => Math.min(60_000, (value.expiresIn * 1_000) / 4),
      clock,
      fetch: async (signal): Promise<Token> => token(String(signal.aborted)),
      fetchTimeout: 10_000,
      persist: storagePersister('token', { storage: new MemoryStorage() }),
      share: shareAcrossTabs('access-token'),
    });
    expectTypeOf(cache).toEqualTypeOf<BackgroundCache<Token>>();
    await expect(cache.get()).resolves.toEqual(token('false'));
    cache.stop();
  });

  it("should be the fetch's type when the lifetimes are numbers", async () => {
    const withSignal = createBackgroundCache({
      ttl: 60_000,
      refreshWindow: 10_000,
      clock,
      fetch: async (signal): Promise<Token> => token(String(signal.aborted)),
      share: shareAcrossTabs('access-token'),
    });
    const withoutSignal = createBackgroundCache({
      ttl: 60_000,
      refreshWindow: 10_000,
      clock,
      fetch: async (): Promise<Token> => token('b'),
      persist: storagePersister('token', { storage: new MemoryStorage() }),
    });
    expectTypeOf(withSignal).toEqualTypeOf<BackgroundCache<Token>>();
    expectTypeOf(withoutSignal).toEqualTypeOf<BackgroundCache<Token>>();
    await expect(withoutSignal.get()).resolves.toEqual(token('b'));
    withSignal.stop();
    withoutSignal.stop();
  });

  it('should take the type of deserialize, and still refuse a persister or sharing of another type', () => {
    const toToken = (data: unknown): Token => data as Token;
    const persister = storagePersister('token', { storage: new MemoryStorage(), deserialize: toToken });
    expectTypeOf(persister).toEqualTypeOf<StoragePersister<Token>>();
    // An explicit type argument still gives the typed contracts.
    expectTypeOf(shareAcrossTabs<Token>('access-token')).toEqualTypeOf<CacheSharing<Token>>();
    expectTypeOf(storagePersister<Token>('token')).toEqualTypeOf<StoragePersister<Token>>();

    const numbers: CachePersister<number> = storagePersister('n', { deserialize: Number });
    const options = { ttl: (value: Token) => value.expiresIn, refreshWindow: 0, clock, fetch: () => token('c') };
    // @ts-expect-error a persister of numbers does not fit a cache of tokens
    createBackgroundCache({ ...options, persist: numbers }).stop();
    // @ts-expect-error a sharing of numbers does not fit a cache of tokens
    createBackgroundCache({ ...options, share: shareAcrossTabs<number>('n') }).stop();
  });
});
