/**
 * xstate-background-cache/testing: path-coverage tests generated from the
 * chart, and a harness that replays them against a real cache on a simulated
 * clock. A separate entry, so that apps importing the cache never load
 * `xstate/graph` or any of this.
 *
 * @packageDocumentation
 */

export { getCachePaths, combinedCoverage, DEFAULT_PATH_TIMES } from './getCachePaths.js';
export type {
  CachePathPolicy,
  CachePaths,
  CachePathSettings,
  CachePathsOptions,
  ChartCoverage,
  CoverageCount,
} from './getCachePaths.js';
export { createCacheTestHarness, differencesFrom } from './createCacheTestHarness.js';
export type {
  CacheTestHarness,
  CacheTestHarnessOptions,
  CacheTestSubject,
  ObservationMatching,
} from './createCacheTestHarness.js';
export { createHeldFetch } from './heldFetch.js';
export type { HeldFetch, HeldRequest } from './heldFetch.js';
export { TestClock } from './testClock.js';
export { describeStep } from './steps.js';
export type { CacheObservation, CachePath, CachePathStep, CacheStep, CallerOutcome } from './steps.js';
