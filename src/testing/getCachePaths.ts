import { adjacencyMapToArray, getAdjacencyMap, getStateNodes } from 'xstate/graph';
import { backgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { BackgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import { assertCacheTimes } from '../adapter/options.js';
import type { CacheTimes } from '../machine/timing.js';
import { createChartModel, describeTransition } from './chartModel.js';
import type { ChartModelState, StepIntent } from './chartModel.js';
import { describeStep } from './steps.js';
import type { CachePath } from './steps.js';

/** Options of {@link getCachePaths}. */
export interface CachePathsOptions {
  /**
   * The cache's `ttl`, in milliseconds; pass the same to the harness.
   *
   * @defaultValue 30_000
   */
  ttl?: number;
  /**
   * The cache's `refreshWindow`, in milliseconds. With `0` no value is ever
   * stale or refreshed in the background, so `current.stale` and
   * `refreshing.withPrevious` cannot be covered.
   *
   * @defaultValue 5_000
   */
  refreshWindow?: number;
}

/** How much of the chart a set of paths takes: covered out of the chart's own total. */
export interface CoverageCount {
  readonly covered: number;
  readonly total: number;
  /** Ids of state nodes, or labels of transitions (`source on event [guard] → target`), never taken. */
  readonly uncovered: readonly string[];
}

/** What {@link getCachePaths} returns. */
export interface CachePaths {
  /** The lifetimes the paths were computed for: hand them to `createCacheTestHarness`. */
  readonly options: CacheTimes;
  /** Every path starts from a new cache at clock time 0. */
  readonly paths: readonly CachePath<string>[];
  /**
   * State nodes (every node below the root) and transitions (every event,
   * `after` and invoke done/error transition of every node, root included)
   * of `backgroundCacheMachine` that the paths take.
   */
  readonly coverage: { readonly states: CoverageCount; readonly transitions: CoverageCount };
}

/** The lifetimes used when none are given. */
export const DEFAULT_PATH_TIMES: CacheTimes = { ttl: 30_000, refreshWindow: 5_000 };

/**
 * Generates test paths from {@link backgroundCacheMachine} with `xstate/graph`:
 * an edge cover, in which every step possible in every reachable situation of
 * the cache (chart state, age of the value, pending timers, fetch in flight)
 * is the last step of some path, reached by a shortest path. So every
 * transition of the chart is taken, including the delayed ones, the fetch
 * outcomes and the guarded rows for late timers, which shortest or simple
 * paths alone miss. Each step carries what a caller must observe after it.
 *
 * @example
 *   const { options, paths } = getCachePaths();
 *   for (const path of paths) {
 *     test(path.description, async () => {
 *       await createCacheTestHarness(options).replay(path);
 *     });
 *   }
 *
 * @param options - The lifetimes to generate for.
 * @throws RangeError naming the option when `ttl` or `refreshWindow` breaks its bounds.
 */
export function getCachePaths(options: CachePathsOptions = {}): CachePaths {
  const times: CacheTimes = { ...DEFAULT_PATH_TIMES, ...options };
  assertCacheTimes(times.ttl, times.refreshWindow);
  const machine = backgroundCacheMachine as unknown as BackgroundCacheMachine<string>;
  const model = createChartModel(machine, times);
  const adjacency = getAdjacencyMap<ChartModelState, StepIntent, undefined>(model.logic, {
    fromState: model.initial,
    serializeState: model.serialize,
    serializeEvent: (intent) => JSON.stringify(intent),
    events: model.intentsFor,
  });
  // Each vertex was first reached by a shortest path (the traversal is
  // breadth-first), and each edge's target carries that path plus the edge.
  const edges = adjacencyMapToArray(adjacency);
  const edgePaths = edges.map((edge) => edge.nextState.steps);
  const paths = withoutPrefixes(edgePaths).map((steps) => ({
    description: steps.map(describeStep).join(' → '),
    steps,
  }));
  // Every vertex but the first is the end of some edge, so of some path.
  const visited = [model.initial, ...edges.map((edge) => edge.nextState)].flatMap((state) => state.chart._nodes);
  return { options: times, paths, coverage: coverageOf(machine, paths, visited) };
}

/** Drops every path that is the start of another: its edges are taken there too. */
function withoutPrefixes<T>(paths: readonly (readonly T[])[]): (readonly T[])[] {
  const longestFirst = [...paths].sort((a, b) => b.length - a.length);
  const kept: (readonly T[])[] = [];
  for (const path of longestFirst) {
    if (!kept.some((longer) => path.every((step, index) => longer[index] === step))) kept.push(path);
  }
  return paths.filter((path) => kept.includes(path));
}

function coverageOf(
  machine: BackgroundCacheMachine<string>,
  paths: readonly CachePath<string>[],
  visited: readonly { id: string }[],
): CachePaths['coverage'] {
  const nodes = getStateNodes(machine.root);
  const transitions = [machine.root, ...nodes].flatMap((node) => [...node.transitions.values()].flat());
  const takenTransitions = new Set(paths.flatMap((path) => path.steps.flatMap((step) => step.transitions)));
  const visitedStates = new Set(visited.map((node) => node.id));
  const count = (all: readonly string[], isCovered: (id: string) => boolean): CoverageCount => {
    const uncovered = all.filter((id) => !isCovered(id));
    return { covered: all.length - uncovered.length, total: all.length, uncovered };
  };
  return {
    states: count(
      nodes.map((node) => node.id),
      (id) => visitedStates.has(id),
    ),
    transitions: count(transitions.map(describeTransition), (label) => takenTransitions.has(label)),
  };
}
