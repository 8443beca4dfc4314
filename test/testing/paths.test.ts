import { describe, expect, it } from 'vitest';
import type { StateValue } from 'xstate';
import { createCacheTestHarness, differencesFrom, getCachePaths } from '../../src/testing/index.js';
import { PATH_CONFIGS } from './pathConfigs.js';

/**
 * The SPEC's state table (Parts 1 and 2), checked against the age of the
 * value the chart holds, whenever no timer is overdue (a step at a boundary
 * happens before the timer due then fires).
 */
function expectStateTableHolds(
  state: StateValue,
  age: number | undefined,
  { ttl, refreshWindow }: { ttl: number; refreshWindow: number },
): void {
  const name =
    typeof state === 'string'
      ? state
      : Object.entries(state as Record<string, string>)
          .flat()
          .join('.');
  const freshFor = ttl - refreshWindow;
  const none = (age: number | undefined) => age === undefined;
  const servable = (age: number | undefined) => age !== undefined && age < ttl;
  const inWindow = (age: number | undefined) => age !== undefined && age >= freshFor && age < ttl;
  const meaning: Record<string, (age: number | undefined) => boolean> = {
    empty: none,
    failed: none,
    'current.fresh': (age) => age !== undefined && age < freshFor,
    'current.stale': inWindow,
    'current.backingOff': inWindow,
    'refreshing.withPrevious': servable,
    'refreshing.withoutPrevious': none,
    'retrying.withPrevious': servable,
    'retrying.withoutPrevious': none,
  };
  expect(meaning[name]?.(age), `${name} with a value aged ${age}`).toBe(true);
}

// One test per path generated from the chart, replayed against the real adapter, under each policy.
for (const config of PATH_CONFIGS) {
  const { options, paths } = getCachePaths(config.options);

  describe(`paths generated from backgroundCacheMachine, ${config.name}`, () => {
    it('should generate paths whose steps each carry an expectation', () => {
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path.steps.length).toBeGreaterThan(0);
    });

    for (const path of paths) {
      it(path.description, async () => {
        const harness = createCacheTestHarness(options);
        for (const step of path.steps) {
          const observed = await harness.apply(step);
          // Values and reasons by identity: a fetch's reason reaches callers unchanged (guarantee 5).
          const differences = differencesFrom(step.expected, observed);
          if (differences.length > 0) expect.fail(`after ${step.type} @${step.at}:\n${differences.join('\n')}`);
          const snapshot = harness.cache.actor.getSnapshot();
          const overdue = (harness.clock.nextDueAt ?? Infinity) <= harness.clock.now();
          if (snapshot.status === 'active' && !overdue) {
            const { storedAt } = snapshot.context;
            const age = storedAt === undefined ? undefined : harness.clock.now() - storedAt;
            expectStateTableHolds(snapshot.value, age, options);
          }
        }
      });
    }
  });
}
