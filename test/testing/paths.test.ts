import { describe, expect, it } from 'vitest';
import type { StateValue } from 'xstate';
import { createCacheTestHarness, differencesFrom, getCachePaths } from '../../src/testing/index.js';

// One test per path generated from the chart, replayed against the real adapter.
const { options, paths } = getCachePaths();

/**
 * The SPEC's state table, checked against the age of the value the chart
 * holds. In a generated path every timer fires on time, so the state is
 * always the one the age implies.
 */
function expectStateTableHolds(state: StateValue, age: number | undefined): void {
  const name =
    typeof state === 'string'
      ? state
      : Object.entries(state as Record<string, string>)
          .flat()
          .join('.');
  const freshFor = options.ttl - options.refreshWindow;
  const meaning: Record<string, (age: number | undefined) => boolean> = {
    empty: (age) => age === undefined,
    'current.fresh': (age) => age !== undefined && age < freshFor,
    'current.stale': (age) => age !== undefined && age >= freshFor && age < options.ttl,
    'refreshing.withPrevious': (age) => age !== undefined && age < options.ttl,
    'refreshing.withoutPrevious': (age) => age === undefined,
  };
  expect(meaning[name]?.(age), `${name} with a value aged ${age}`).toBe(true);
}

describe('paths generated from backgroundCacheMachine', () => {
  it('should generate paths whose steps each carry an expectation', () => {
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path.steps.length).toBeGreaterThan(0);
  });

  for (const path of paths) {
    it(path.description, async () => {
      const harness = createCacheTestHarness(options);
      for (const step of path.steps) {
        const observed = await harness.apply(step);
        expect(observed, `after ${step.type} @${step.at}`).toEqual(step.expected);
        expect(harness.cache.actor.getSnapshot().value).toEqual(step.expected.state);
        // Values and reasons by identity: a fetch's reason reaches callers unchanged (guarantee 5).
        expect(differencesFrom(step.expected, observed)).toEqual([]);
        const snapshot = harness.cache.actor.getSnapshot();
        if (snapshot.status === 'active') {
          const { storedAt } = snapshot.context;
          expectStateTableHolds(snapshot.value, storedAt === undefined ? undefined : harness.clock.now() - storedAt);
        }
      }
    });
  }
});
