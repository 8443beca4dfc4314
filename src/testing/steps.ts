import type { StateValue } from 'xstate';

/**
 * One thing that happens to a cache in a generated path. Every step happens
 * at clock time `at` (milliseconds on a clock that starts at 0): the harness
 * moves the clock there first, firing timers only for `advanceTo`.
 *
 * - `get`: a caller reads; if the cache fetches, the fetch is held open until
 *   a later `resolveFetch` or `rejectFetch`.
 * - `throwFromFetch`: a caller reads, and the fetch the cache starts throws
 *   `reason` synchronously.
 * - `refresh`: a caller calls `refresh()`, which fetches with the cache's
 *   `fetch` option whatever the age (or joins the fetch in flight).
 * - `seed`: `seed(value, { age })`, a value stored `age` ms ago.
 * - `invalidate`, `stop`: the cache methods of those names.
 * - `advanceTo`: time reaches the next timer of the chart, named by its delay
 *   (`boundary`: `'refreshAfter'`, `'expireAfter'`, `'fetchTimeout'`,
 *   `'retryDelay'` or `'errorTtl'`), which fires on time.
 * - `resolveFetch`, `rejectFetch`: the most recently started fetch call (the
 *   latest attempt, retries included) settles.
 */
export type CacheStep<V = unknown> =
  | { readonly type: 'get'; readonly at: number }
  | { readonly type: 'throwFromFetch'; readonly at: number; readonly reason: unknown }
  | { readonly type: 'refresh'; readonly at: number }
  | { readonly type: 'seed'; readonly at: number; readonly value: V; readonly age: number }
  | { readonly type: 'invalidate'; readonly at: number }
  | { readonly type: 'stop'; readonly at: number }
  | { readonly type: 'advanceTo'; readonly at: number; readonly boundary: string }
  | { readonly type: 'resolveFetch'; readonly at: number; readonly value: V }
  | { readonly type: 'rejectFetch'; readonly at: number; readonly reason: unknown };

/** What one caller of `get()` or `refresh()` has seen so far. */
export type CallerOutcome<V = unknown> =
  | { readonly status: 'waiting' }
  | { readonly status: 'resolved'; readonly value: V }
  | { readonly status: 'rejected'; readonly reason: unknown };

/** Everything a user of the cache can see after a step. */
export interface CacheObservation<V = unknown> {
  /** The chart's state: `cache.actor.getSnapshot().value`. */
  readonly state: StateValue;
  /** `'active'`, or `'stopped'` after `stop()`. */
  readonly status: string;
  /** What `cache.tryGet()` returns. */
  readonly tryGet: V | undefined;
  /** How many fetch calls the cache has made so far (each attempt of a retried flight counts). */
  readonly fetches: number;
  /** One entry per `get`, `throwFromFetch` or `refresh` step so far, in call order. */
  readonly callers: readonly CallerOutcome<V>[];
}

/** A step of a generated path, with what a caller must see after it. */
export type CachePathStep<V = unknown> = CacheStep<V> & {
  /** The observation the step must lead to. */
  readonly expected: CacheObservation<V>;
  /**
   * The chart transitions the step takes, as `source on event [guard] →
   * target` labels (none when the chart ignores the event).
   */
  readonly transitions: readonly string[];
};

/** A path through the chart, replayable step by step. */
export interface CachePath<V = unknown> {
  /** The steps, for a test title: `get @0 → resolveFetch("fetched 2") @0`. */
  readonly description: string;
  readonly steps: readonly CachePathStep<V>[];
}

const show = (value: unknown): string =>
  // A DOMException (a fetch timeout) is an Error too.
  value instanceof Error ? `${value.name}(${JSON.stringify(value.message)})` : JSON.stringify(value);

/**
 * A step in one line, as in test titles.
 *
 * @example
 *   describeStep({ type: 'advanceTo', at: 25_000, boundary: 'refreshAfter' }); // 'advanceTo(refreshAfter) @25000'
 *   describeStep({ type: 'resolveFetch', at: 25_000, value: 'v2' }); // 'resolveFetch("v2") @25000'
 *   describeStep({ type: 'seed', at: 0, value: 'v1', age: 25_000 }); // 'seed("v1", age 25000) @0'
 */
export function describeStep(step: CacheStep<unknown>): string {
  switch (step.type) {
    case 'seed':
      return `seed(${show(step.value)}${step.age ? `, age ${step.age}` : ''}) @${step.at}`;
    case 'resolveFetch':
      return `${step.type}(${show(step.value)}) @${step.at}`;
    case 'throwFromFetch':
    case 'rejectFetch':
      return `${step.type}(${show(step.reason)}) @${step.at}`;
    case 'advanceTo':
      return `advanceTo(${step.boundary}) @${step.at}`;
    default:
      return `${step.type} @${step.at}`;
  }
}
