import { adjacencyMapToArray, getAdjacencyMap, getStateNodes } from 'xstate/graph';
import { backgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { BackgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import { expected } from '../adapter/errors.js';
import { SETTING_NAMES, validateSettings } from '../adapter/options.js';
import { createChartModel, describeTransition } from './chartModel.js';
import type { ChartModelState, StepIntent } from './chartModel.js';
import { describeStep } from './steps.js';
import type { CachePath } from './steps.js';

/**
 * The failure policy to generate paths for: SPEC Part 2's options of those
 * names, as numbers (a function `retry` could retry forever, and the graph
 * must stay finite). Pass the one your cache uses; none is Part 1's cache.
 */
export interface CachePathPolicy {
  /** Milliseconds an attempt may take. @defaultValue none */
  fetchTimeout?: number | undefined;
  /** Attempts after the first failure of a flight. @defaultValue 0 */
  retry?: number | undefined;
  /** Milliseconds between a failed attempt and the next. @defaultValue the cache's default (1 s, doubling) */
  retryDelay?: number | undefined;
  /** Milliseconds a final failure is remembered. @defaultValue 0 */
  errorTtl?: number | undefined;
}

/** What the paths were generated for, to hand to `createCacheTestHarness` as they are. */
export interface CachePathSettings<V> extends CachePathPolicy {
  /** The cache's `ttl`, in milliseconds. */
  readonly ttl: number;
  /** The cache's `refreshWindow`, in milliseconds. */
  readonly refreshWindow: number;
  /** How the harness compares values, when not by identity. */
  readonly equals?: ((actual: V, expected: V) => boolean) | undefined;
}

/** Options of {@link getCachePaths}. */
export interface CachePathsOptions<V = string> extends CachePathPolicy {
  /**
   * The cache's `ttl`, in milliseconds; the harness gets the same.
   *
   * @defaultValue 30_000
   */
  ttl?: number | undefined;
  /**
   * The cache's `refreshWindow`, in milliseconds. With `0` no value is ever
   * stale or refreshed in the background, so `current.stale` and
   * `refreshing.withPrevious` cannot be covered.
   *
   * @defaultValue 5_000
   */
  refreshWindow?: number | undefined;
  /**
   * Makes the value a `seed` or `resolveFetch` step carries, from a name
   * unique in its path (`"seeded 1"`, `"fetched 3"`): for example
   * `(name) => ({ token: name, expiresIn: 3600 })`. Each call must return a
   * new value.
   *
   * @defaultValue the name itself (values are strings)
   */
  createValue?: ((name: string) => V) | undefined;
  /**
   * How the harness compares a value callers got with the one a step
   * expects: needed when your code hands back a copy (for example a value
   * parsed from JSON). It is passed on in {@link CachePaths.options}.
   *
   * @defaultValue `Object.is`: the very value the fetch resolved with
   */
  equals?: ((actual: V, expected: V) => boolean) | undefined;
}

/** How much of the chart a set of paths takes: covered out of the chart's own total. */
export interface CoverageCount {
  readonly covered: number;
  readonly total: number;
  /** Ids of state nodes, or labels of transitions (`source on event [guard] → target`), never taken. */
  readonly uncovered: readonly string[];
}

/** How much of the chart paths take: state nodes and transitions. */
export interface ChartCoverage {
  readonly states: CoverageCount;
  readonly transitions: CoverageCount;
}

/** What {@link getCachePaths} returns. */
export interface CachePaths<V = string> {
  /** What the paths were computed for: hand them to `createCacheTestHarness`. */
  readonly options: CachePathSettings<V>;
  /** Every path starts from a new cache at clock time 0. */
  readonly paths: readonly CachePath<V>[];
  /**
   * State nodes (every node below the root) and transitions (every event
   * and `after` transition of every node, root included, one per guarded
   * alternative) of `backgroundCacheMachine` that the paths take.
   */
  readonly coverage: ChartCoverage;
}

/** The lifetimes used when none are given. */
export const DEFAULT_PATH_TIMES: { readonly ttl: number; readonly refreshWindow: number } = {
  ttl: 30_000,
  refreshWindow: 5_000,
};

/**
 * Generates test paths from {@link backgroundCacheMachine} with `xstate/graph`:
 * an edge cover, in which every step possible in every reachable situation of
 * the cache (chart state, age of the value, remembered failure, pending
 * timers, flights and who waits on them) is the last step of some path,
 * reached by a shortest path. So every transition the policy allows is taken,
 * including the delayed ones (refresh window, expiry, fetch timeout, retry
 * delay, `errorTtl`), the fetch outcomes and the guarded rows for late
 * timers, which shortest or simple paths alone miss. Each step carries what a
 * caller must observe after it.
 *
 * @example
 *   const { options, paths } = getCachePaths({ ttl: 60_000, refreshWindow: 10_000, retry: 1, errorTtl: 5_000 });
 *   for (const path of paths) {
 *     test(path.description, () => createCacheTestHarness(options).replay(path));
 *   }
 *
 * @example
 *   // Values of your own type: a factory, and an equality when your code copies them.
 *   const { options, paths } = getCachePaths({
 *     createValue: (name) => ({ token: name, expiresIn: 3600 }),
 *     equals: (a, b) => a.token === b.token && a.expiresIn === b.expiresIn,
 *   });
 *
 * @param options - The lifetimes and failure policy to generate for, and how values are made.
 * @throws RangeError naming the option when a number breaks the cache's bounds;
 *   TypeError when `retry` or `retryDelay` is not a number.
 */
export function getCachePaths(options?: CachePathsOptions<string>): CachePaths<string>;
export function getCachePaths<V>(options: CachePathsOptions<V> & { createValue: (name: string) => V }): CachePaths<V>;
export function getCachePaths<V>(options: CachePathsOptions<V> = {}): CachePaths<V> {
  const { createValue = (name: string) => name as V, equals, ...chosen } = options;
  const settings = { ...DEFAULT_PATH_TIMES, ...withoutUndefined(chosen) } as CachePathSettings<V>;
  validateSettings(settings, SETTING_NAMES);
  for (const name of ['retry', 'retryDelay'] as const) {
    const value: unknown = settings[name];
    if (value !== undefined && typeof value !== 'number') {
      throw expected(TypeError, name, 'a number: paths are generated for a fixed policy', value);
    }
  }
  const machine = backgroundCacheMachine as unknown as BackgroundCacheMachine<V>;
  const model = createChartModel(machine, { ...settings, createValue });
  const adjacency = getAdjacencyMap<ChartModelState<V>, StepIntent, undefined>(model.logic, {
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
  return {
    options: equals ? { ...settings, equals } : settings,
    paths,
    coverage: coverageOf(paths, visited),
  };
}

/** The options that are set: an explicit `undefined` leaves the default. */
const withoutUndefined = <T extends object>(options: T): Partial<T> =>
  Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;

/** Drops every path that is the start of another: its edges are taken there too. */
function withoutPrefixes<T>(paths: readonly (readonly T[])[]): (readonly T[])[] {
  const longestFirst = [...paths].sort((a, b) => b.length - a.length);
  const kept = new Set<readonly T[]>();
  // A path is a prefix of a longer one exactly when its last step is in it:
  // the steps of a path are shared objects with every path it starts.
  const inside = new Set<T>();
  for (const path of longestFirst) {
    if (inside.has(path.at(-1)!)) continue;
    kept.add(path);
    for (const step of path) inside.add(step);
  }
  return paths.filter((path) => kept.has(path));
}

/** The chart's state node ids and transition labels: what coverage counts. */
function chartParts(): { states: string[]; transitions: string[] } {
  const nodes = getStateNodes(backgroundCacheMachine.root);
  return {
    states: nodes.map((node) => node.id),
    transitions: [backgroundCacheMachine.root, ...nodes]
      .flatMap((node) => [...node.transitions.values()].flat())
      .map(describeTransition),
  };
}

const count = (all: readonly string[], isCovered: (id: string) => boolean): CoverageCount => {
  const uncovered = all.filter((id) => !isCovered(id));
  return { covered: all.length - uncovered.length, total: all.length, uncovered };
};

function coverageOf(paths: readonly CachePath<unknown>[], visited: readonly { id: string }[]): ChartCoverage {
  const parts = chartParts();
  const takenTransitions = new Set(paths.flatMap((path) => path.steps.flatMap((step) => step.transitions)));
  const visitedStates = new Set(visited.map((node) => node.id));
  return {
    states: count(parts.states, (id) => visitedStates.has(id)),
    transitions: count(parts.transitions, (label) => takenTransitions.has(label)),
  };
}

/**
 * The coverage of several sets of paths together, for example of paths
 * generated under a few policies: a state or transition counts as covered
 * when any of them takes it.
 *
 * @example
 *   const runs = [getCachePaths(), getCachePaths({ retry: 1, fetchTimeout: 3_000, errorTtl: 2_000 })];
 *   combinedCoverage(runs).transitions.uncovered; // []
 */
export function combinedCoverage(results: readonly Pick<CachePaths<unknown>, 'coverage'>[]): ChartCoverage {
  const parts = chartParts();
  const uncoveredByAll = (kind: keyof ChartCoverage) => (id: string) =>
    !results.every((result) => result.coverage[kind].uncovered.includes(id));
  return {
    states: count(parts.states, uncoveredByAll('states')),
    transitions: count(parts.transitions, uncoveredByAll('transitions')),
  };
}
