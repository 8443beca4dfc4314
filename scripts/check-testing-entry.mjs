// Imports the built testing entry the way a user's plain Node ESM test would
// (by name, through `exports`), replays generated paths with node:test,
// and checks that the main entry's module graph never reaches the testing
// entry or xstate/graph. Run after `npm run build`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combinedCoverage, createCacheTestHarness, getCachePaths } from 'xstate-background-cache/testing';
import { distModuleGraph } from './dist-module-graph.mjs';

test('the main entry reaches neither the testing entry nor xstate/graph', async () => {
  const { files, bare } = await distModuleGraph();
  assert.ok(files.length > 1, 'the walk found the main entry modules');
  assert.deepEqual(
    files.filter((file) => file.startsWith('testing')),
    [],
  );
  assert.deepEqual(bare, ['xstate']);
});

// Part 1's cache, and two policies that reach what Part 1's cannot (retries, timeouts, remembered failures).
const runs = [{}, { retry: 1, retryDelay: 1_000, fetchTimeout: 3_000, errorTtl: 2_000 }, { errorTtl: 2_000 }].map(
  (policy) => getCachePaths(policy),
);

test('the generated paths cover the whole chart, but the rows only tab sharing and late answers reach', () => {
  const { states, transitions } = combinedCoverage(runs);
  assert.equal(states.covered, states.total);
  // Played by scenarios in test/testing/paths-coverage.test.ts: a value already in its window from another tab, and
  // answers that come after their fetchTimeout while the timeout's timer is late.
  assert.deepEqual([...transitions.uncovered].sort(), [
    'backgroundCache.refreshing on fetch.done [isCurrentFlight and isPastFetchTimeout] → backgroundCache.refreshing',
    'backgroundCache.refreshing on fetch.done [isCurrentFlight and isStoredInWindow] → backgroundCache.current.stale',
    'backgroundCache.refreshing.withPrevious on fetch.error [isCurrentFlight and isPastFetchTimeout] → backgroundCache.refreshing.withPrevious',
    'backgroundCache.refreshing.withoutPrevious on fetch.error [isCurrentFlight and isPastFetchTimeout] → backgroundCache.refreshing.withoutPrevious',
  ]);
});

// Every path of Part 1's cache; under the policies, the first path that takes each transition.
const [partOne, ...policies] = runs;
for (const path of partOne.paths) {
  test(path.description, async () => {
    await createCacheTestHarness(partOne.options).replay(path);
  });
}
for (const { options, paths } of policies) {
  const firstTaking = new Map();
  for (const path of paths) {
    for (const label of path.steps.flatMap((step) => step.transitions)) {
      if (!firstTaking.has(label)) firstTaking.set(label, path);
    }
  }
  for (const path of new Set(firstTaking.values())) {
    test(`${JSON.stringify(options)}: ${path.description}`, async () => {
      await createCacheTestHarness(options).replay(path);
    });
  }
}
