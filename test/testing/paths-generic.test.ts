/**
 * Paths for a value that is not a string (issue 9, defect 6): a user caching
 * `{ token, expiresIn }` behind a JSON API gets no type error, and every
 * generated path passes through their data layer on a held fetch, values
 * compared with their own equality (JSON hands back copies).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { BackgroundCache } from '../../src/index.js';
import { createCacheTestHarness, createHeldFetch, getCachePaths } from '../../src/testing/index.js';
import type { CachePath, CachePaths, HeldFetch } from '../../src/testing/index.js';

interface Token {
  token: string;
  expiresIn: number;
}

class TokenRequestError extends Error {
  constructor(readonly detail: string) {
    super(`POST /token failed: ${detail}`);
  }
}

/** The user's data layer: a token from a JSON endpoint, through the cache. */
function createTokenApi(cache: BackgroundCache<Token>, fetch: HeldFetch['fetch']) {
  const load = async (signal: AbortSignal): Promise<Token> => {
    const response = await fetch('https://auth.test/token', { method: 'POST', signal });
    if (!response.ok) throw new TokenRequestError(await response.text());
    return (await response.json()) as Token;
  };
  return { getToken: () => cache.get(load), refreshToken: () => cache.refresh(), load };
}

const sameToken = (a: Token, b: Token): boolean => a.token === b.token && a.expiresIn === b.expiresIn;

const runs: CachePaths<Token>[] = [
  getCachePaths({ createValue: (name) => ({ token: name, expiresIn: 3600 }), equals: sameToken }),
  getCachePaths({
    ttl: 60_000,
    refreshWindow: 10_000,
    retry: 1,
    retryDelay: 2_000,
    fetchTimeout: 5_000,
    errorTtl: 3_000,
    createValue: (name) => ({ token: name, expiresIn: 3600 }),
    equals: sameToken,
  }),
];

async function replayThroughTheApi({ options }: CachePaths<Token>, path: CachePath<Token>): Promise<void> {
  const held = createHeldFetch();
  const harness = createCacheTestHarness<Token>({
    ...options,
    subject: (cache) => {
      const api = createTokenApi(cache, held.fetch);
      return {
        read: () => api.getToken(),
        refresh: () => api.refreshToken(),
        fetch: api.load,
        resolveFetch: (token) => held.answerLatest(200, JSON.stringify(token), { 'content-type': 'application/json' }),
        rejectFetch: (reason) => held.answerLatest(503, (reason as Error).message),
      };
    },
    matchReason: (actual, expected) =>
      actual === expected || (actual instanceof TokenRequestError && actual.detail === (expected as Error).message),
  });
  try {
    await harness.replay(path);
  } finally {
    harness.cache.stop();
  }
}

describe('paths over a value of your own type', () => {
  it('should type the paths, the steps and the harness by the value', () => {
    expectTypeOf(runs[0]!.paths[0]!.steps[0]!.expected.tryGet).toEqualTypeOf<Token | undefined>();
    expectTypeOf(getCachePaths().paths).toEqualTypeOf<readonly CachePath<string>[]>();
    expect(runs[0]!.options.equals).toBe(sameToken);
    // A value of another type needs its factory: without one the values would be strings.
    // @ts-expect-error createValue is required for a value type other than string
    getCachePaths<Token>({ equals: sameToken });
  });

  it('should make every value with the factory, each one new', () => {
    const values = runs[0]!.paths.flatMap((path) =>
      path.steps.flatMap((step) => (step.type === 'seed' || step.type === 'resolveFetch' ? [step.value] : [])),
    );
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((value) => typeof value.token === 'string' && value.expiresIn === 3600)).toBe(true);
  });

  it('should tell a copy from the value by identity unless equals is given', async () => {
    const path = runs[0]!.paths.find((candidate) => candidate.steps.some((step) => step.type === 'resolveFetch'))!;
    const held = createHeldFetch();
    const harness = createCacheTestHarness<Token>({
      ...runs[0]!.options,
      equals: undefined,
      subject: (cache) => {
        const api = createTokenApi(cache, held.fetch);
        return {
          read: () => api.getToken(),
          fetch: api.load,
          resolveFetch: (token) => held.answerLatest(200, JSON.stringify(token)),
          rejectFetch: (reason) => held.answerLatest(503, (reason as Error).message),
        };
      },
    });
    await expect(harness.replay(path)).rejects.toThrow(/expected resolved \{"token":"fetched \d+","expiresIn":3600\}/);
    harness.cache.stop();
  });

  it("should pass every path of Part 1's cache through a JSON API", async () => {
    for (const path of runs[0]!.paths) await replayThroughTheApi(runs[0]!, path);
  }, 60_000);

  it('should pass, with retries, a timeout and errorTtl, the first path that takes each transition', async () => {
    // Thousands of paths under this policy: one per transition keeps the run short.
    const firstTaking = new Map<string, CachePath<Token>>();
    for (const path of runs[1]!.paths) {
      for (const label of path.steps.flatMap((step) => step.transitions)) {
        if (!firstTaking.has(label)) firstTaking.set(label, path);
      }
    }
    expect(firstTaking.size).toBe(runs[1]!.coverage.transitions.covered);
    for (const path of new Set(firstTaking.values())) await replayThroughTheApi(runs[1]!, path);
  }, 60_000);
});
