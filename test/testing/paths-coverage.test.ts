import { describe, expect, it, vi } from 'vitest';
import type { AnyMachineSnapshot, AnyStateNode, AnyTransitionDefinition, InspectionEvent } from 'xstate';
import { backgroundCacheMachine, createBackgroundCache } from '../../src/index.js';
import type { CacheSharing } from '../../src/index.js';
import { combinedCoverage, createCacheTestHarness, getCachePaths, TestClock } from '../../src/testing/index.js';
import { PATH_CONFIGS } from './pathConfigs.js';

declare module 'vitest' {
  interface TaskMeta {
    /** The one line `npm run test:paths` prints (scripts/paths-reporter.ts). */
    pathsSummary?: string;
  }
}

type Config = Record<string, unknown> | undefined;

const asArray = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every state node below the root, read from the chart's own `states`. */
function stateNodesOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states).flatMap((child) => [child, ...stateNodesOf(child)]);
}

/**
 * Every transition of the chart, read from the config as written: event
 * transitions (`on`) and delayed ones (`after`), one per guarded
 * alternative, as `node|event|index`.
 */
function transitionsOf(node: AnyStateNode): string[] {
  const config = node.config as { on?: Config; after?: Config };
  const ids: string[] = [];
  const add = (eventType: string, transitions: unknown): void => {
    asArray(transitions).forEach((_, index) => ids.push(`${node.id}|${eventType}|${index}`));
  };
  for (const [eventType, transitions] of Object.entries(config.on ?? {})) add(eventType, transitions);
  for (const [delay, transitions] of Object.entries(config.after ?? {})) {
    add(`xstate.after.${delay}.${node.id}`, transitions);
  }
  return ids;
}

/** The id `transitionsOf` gives a transition the running actor took. */
const idOf = (transition: AnyTransitionDefinition): string =>
  `${transition.source.id}|${transition.eventType}|${transition.source.transitions.get(transition.eventType)!.indexOf(transition)}`;

const SHARED_ROW =
  'backgroundCache.refreshing on fetch.done [isCurrentFlight and isStoredInWindow] → backgroundCache.current.stale';

/** A cache whose fetch goes through a sharing stand-in that answers with a value stored 27 s ago elsewhere. */
async function sharedValueInItsWindow(inspect: (event: InspectionEvent) => void): Promise<void> {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(1_000_000);
    const share: CacheSharing<string> = {
      connect: () => ({
        fetch: () => Promise.resolve({ value: "another tab's", storedAt: Date.now() - 27_000 }),
        publish: () => {},
        invalidate: () => {},
        close: () => {},
      }),
    };
    const cache = createBackgroundCache({
      ttl: 30_000,
      refreshWindow: 5_000,
      clock: new TestClock(),
      fetch: () => 'unused',
      share,
      inspect,
    });
    await expect(cache.get()).resolves.toBe("another tab's");
    expect(cache.actor.getSnapshot().value).toEqual({ current: 'stale' });
    cache.stop();
  } finally {
    vi.useRealTimers();
  }
}

/**
 * Answers that come after their attempt's fetchTimeout while the timeout's
 * timer is late (a background tab): the chart times the attempt out instead
 * of taking them. Generated paths fire the fetch timeout on time, so these
 * three rows are played here, on the real cache with a test clock.
 */
async function answersAfterTheirTimeout(inspect: (event: InspectionEvent) => void): Promise<void> {
  const clock = new TestClock();
  const answers: { resolve: (value: string) => void; reject: (reason: unknown) => void }[] = [];
  const cache = createBackgroundCache<string>({
    ttl: 30_000,
    refreshWindow: 5_000,
    fetchTimeout: 1_000,
    clock,
    inspect,
    fetch: () => new Promise<string>((resolve, reject) => answers.push({ resolve, reject })),
  });
  const late = async (answer: (pending: (typeof answers)[number]) => void): Promise<void> => {
    clock.skipTo(clock.now() + 1_001); // the timeout's timer does not fire: it is late
    answer(answers.at(-1)!);
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  const first = cache.get().catch((error: unknown) => error);
  await late((pending) => pending.resolve('too late'));
  expect(((await first) as DOMException).name).toBe('TimeoutError');
  const second = cache.get().catch((error: unknown) => error);
  await late((pending) => pending.reject(new Error('too late')));
  expect(((await second) as DOMException).name).toBe('TimeoutError');
  cache.seed('held');
  const third = cache.refresh().catch((error: unknown) => error);
  await late((pending) => pending.reject(new Error('too late')));
  expect(((await third) as DOMException).name).toBe('TimeoutError');
  cache.stop();
}

/** The rows only {@link answersAfterTheirTimeout} takes, as the generator names them. */
const LATE_ANSWER_ROWS = [
  'backgroundCache.refreshing on fetch.done [isCurrentFlight and isPastFetchTimeout] → backgroundCache.refreshing',
  'backgroundCache.refreshing.withPrevious on fetch.error [isCurrentFlight and isPastFetchTimeout] → backgroundCache.refreshing.withPrevious',
  'backgroundCache.refreshing.withoutPrevious on fetch.error [isCurrentFlight and isPastFetchTimeout] → backgroundCache.refreshing.withoutPrevious',
];

describe('coverage of backgroundCacheMachine by the generated paths', () => {
  it('should take every state node and every transition of the chart when replayed on the real cache', async ({
    task,
  }) => {
    const nodes = stateNodesOf(backgroundCacheMachine.root);
    const transitions = [backgroundCacheMachine.root, ...nodes].flatMap(transitionsOf);

    const visited = new Set<string>();
    const taken = new Set<string>();
    const inspect = (event: InspectionEvent): void => {
      if (event.type !== '@xstate.microstep') return;
      for (const node of (event.snapshot as AnyMachineSnapshot)._nodes) visited.add(node.id);
      for (const transition of event._transitions) taken.add(idOf(transition));
    };
    const runs = PATH_CONFIGS.map((config) => getCachePaths(config.options));
    for (const { options, paths } of runs) {
      for (const path of paths) await createCacheTestHarness({ ...options, inspect }).replay(path);
    }

    // One row no generated path can take: a fetch answered with a value that
    // is in its window already, which only tab sharing hands over (another
    // tab's value, with its age). Played here on the real cache, on a fixed Date.
    await sharedValueInItsWindow(inspect);
    // Three rows no generated path takes either: answers after their fetchTimeout, the timer late.
    await answersAfterTheirTimeout(inspect);

    const statesCovered = nodes.filter((node) => visited.has(node.id)).length;
    const transitionsCovered = transitions.filter((id) => taken.has(id)).length;
    const generated = runs.reduce((sum, run) => sum + run.paths.length, 0);
    const counted = combinedCoverage(runs);
    task.meta.pathsSummary =
      `paths: ${generated} generated under ${runs.length} policies, on the real cache states ` +
      `${statesCovered}/${nodes.length} covered, transitions ${transitionsCovered}/${transitions.length} covered ` +
      `(${counted.transitions.covered} by the generated paths, ` +
      `${transitionsCovered - counted.transitions.covered} by the tab-sharing and late-answer scenarios)`;

    expect(
      nodes.map((node) => node.id).filter((id) => !visited.has(id)),
      'state nodes no path enters',
    ).toEqual([]);
    expect(
      transitions.filter((id) => !taken.has(id)),
      'transitions no path takes',
    ).toEqual([]);
    // The generator's own count agrees with the definition and with the run.
    expect(counted.states).toEqual({ covered: nodes.length, total: nodes.length, uncovered: [] });
    expect(counted.transitions.covered).toBe(transitions.length - 1 - LATE_ANSWER_ROWS.length);
    expect(counted.transitions.total).toBe(transitions.length);
    expect([...counted.transitions.uncovered].sort()).toEqual([SHARED_ROW, ...LATE_ANSWER_ROWS].sort());
  }, 120_000);

  it('should count the transitions of the definition: events and delays', () => {
    const ids = [backgroundCacheMachine.root, ...stateNodesOf(backgroundCacheMachine.root)].flatMap(transitionsOf);
    for (const delay of ['refreshAfter', 'expireAfter', 'fetchTimeout', 'retryDelay', 'errorTtl']) {
      expect(ids.some((id) => id.includes(`|xstate.after.${delay}.`))).toBe(true);
    }
    for (const event of ['get', 'refresh', 'seed', 'invalidate', 'fetch.done', 'fetch.error']) {
      expect(ids.some((id) => id.includes(`|${event}|`))).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
