/**
 * The configurations the suite generates paths under: together they take
 * every state and transition of the chart (test/paths-coverage.test.ts).
 * Part 1's cache takes no failure policy; the retry policy reaches
 * `retrying.*`, the fetch timeout and remembered failures at their
 * boundaries; `errorTtl` alone reaches a failed refresh of a fresh value
 * (`current.fresh` while the failure is remembered, then `backingOff`).
 */
import type { CachePathsOptions } from '../../src/testing/index.js';

export const PATH_CONFIGS: readonly { readonly name: string; readonly options: CachePathsOptions }[] = [
  { name: 'Part 1 (no failure policy)', options: {} },
  {
    name: 'retry 1, retryDelay 1 s, fetchTimeout 3 s, errorTtl 2 s',
    options: { retry: 1, retryDelay: 1_000, fetchTimeout: 3_000, errorTtl: 2_000 },
  },
  { name: 'errorTtl 2 s', options: { errorTtl: 2_000 } },
];
