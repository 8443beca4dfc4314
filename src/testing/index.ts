/**
 * xstate-background-cache/testing: path-coverage tests generated from the
 * chart, and a harness that replays them against a real cache on a simulated
 * clock. A separate entry, so that apps importing the cache never load
 * `xstate/graph` or any of this.
 *
 * @packageDocumentation
 */

export { getCachePaths, DEFAULT_PATH_TIMES } from './getCachePaths.js';
export type { CachePaths, CachePathsOptions, CoverageCount } from './getCachePaths.js';
export { createCacheTestHarness, differencesFrom } from './createCacheTestHarness.js';
export type { CacheTestHarness, CacheTestHarnessOptions, CacheTestSubject } from './createCacheTestHarness.js';
export { TestClock } from './testClock.js';
export { describeStep } from './steps.js';
export type { CacheObservation, CachePath, CachePathStep, CacheStep, CallerOutcome } from './steps.js';
