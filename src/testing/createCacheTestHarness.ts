import { createBackgroundCache } from '../adapter/createBackgroundCache.js';
import type { BackgroundCache, GetOptions } from '../adapter/createBackgroundCache.js';
import { CacheStoppedError } from '../adapter/lifecycle.js';
import type { BackgroundCacheOptions } from '../adapter/options.js';
import type { FetchFn } from '../machine/backgroundCacheMachine.js';
import { describeStep } from './steps.js';
import type { CacheObservation, CachePath, CachePathStep, CacheStep, CallerOutcome } from './steps.js';
import { TestClock } from './testClock.js';

/** Your code between the steps and the cache, for {@link CacheTestHarnessOptions.subject}. */
export interface CacheTestSubject<V> {
  /** One caller reading through your code, for example `() => api.getSchema()`. */
  read(): Promise<V>;
  /**
   * One caller asking for a new value through your code, for `refresh` steps.
   *
   * @defaultValue `cache.refresh()`, which calls {@link CacheTestSubject.fetch}
   */
  refresh?(): Promise<V>;
  /**
   * What your code gives the cache as its `fetch` option: what `refresh()`
   * calls. Needed for `refresh` steps unless {@link CacheTestSubject.refresh}
   * is given.
   */
  fetch?: FetchFn<V>;
  /** Makes the most recent fetch your code started resolve with `value` (for example, a test server answers). */
  resolveFetch(value: V): void | Promise<void>;
  /** Makes the most recent fetch your code started fail, carrying `reason` as you see fit. */
  rejectFetch(reason: unknown): void | Promise<void>;
}

/** Options of {@link createCacheTestHarness}: the cache's, as the paths were generated for, and your code around it. */
export interface CacheTestHarnessOptions<V> {
  /** The cache's `ttl` in milliseconds: the one the paths were generated for. */
  ttl: number;
  /** The cache's `refreshWindow` in milliseconds: the one the paths were generated for. */
  refreshWindow: number;
  /** The cache's `fetchTimeout`. @defaultValue none */
  fetchTimeout?: BackgroundCacheOptions<V>['fetchTimeout'];
  /** The cache's `retry`. @defaultValue 0 */
  retry?: BackgroundCacheOptions<V>['retry'];
  /** The cache's `retryDelay`. @defaultValue the cache's default */
  retryDelay?: BackgroundCacheOptions<V>['retryDelay'];
  /** The cache's `errorTtl`. @defaultValue 0 */
  errorTtl?: BackgroundCacheOptions<V>['errorTtl'];
  /** An XState inspection observer for the cache's actor. */
  inspect?: BackgroundCacheOptions<V>['inspect'];
  /**
   * Puts your own code between the steps and the cache: receives the cache
   * (made by the harness, on its clock, with every fetch call counted) and
   * says how a caller reads through your code and how your fetches settle.
   *
   * @defaultValue callers read with `cache.get()`, whose fetch returns a
   *   promise the harness settles
   */
  subject?: (cache: BackgroundCache<V>) => CacheTestSubject<V>;
  /**
   * Whether a value callers got (`actual`) is the one a step expects, for
   * {@link CacheTestHarness.check}; also for `tryGet()`.
   *
   * @defaultValue `Object.is`: the very value the fetch resolved with
   */
  equals?: ((actual: V, expected: V) => boolean) | undefined;
  /**
   * Whether a caller's rejection `actual` is the `expected` one, for
   * {@link CacheTestHarness.check}. A stopped cache's `CacheStoppedError`
   * and a fetch timeout's `TimeoutError` match by kind, before this is asked.
   *
   * @defaultValue `Object.is`: the fetch's reason must reach callers unchanged
   */
  matchReason?: ((actual: unknown, expected: unknown) => boolean) | undefined;
}

/** A real cache on a simulated clock, driven by {@link CacheStep}s. */
export interface CacheTestHarness<V> {
  /** The cache under test, created with the harness clock. */
  readonly cache: BackgroundCache<V>;
  /** The clock the cache runs on. */
  readonly clock: TestClock;
  /** Performs `step`, lets the cache settle, and returns what callers see. */
  apply(step: CacheStep<V>): Promise<CacheObservation<V>>;
  /** What callers see now. */
  observe(): CacheObservation<V>;
  /** Performs `step` and throws an `Error` listing every difference from `step.expected`. */
  check(step: CachePathStep<V>): Promise<void>;
  /** Checks every step of `path` in order. */
  replay(path: CachePath<V>): Promise<void>;
}

interface FetchCall {
  /** Settles when the fetch does; never rejects. */
  settled: Promise<unknown>;
}

/** Lets every promise callback queued by a step run (the cache settles in a few microtasks). */
async function drainMicrotasks(): Promise<void> {
  for (let turn = 0; turn < 50; turn++) await Promise.resolve();
}

/**
 * Creates a real cache ({@link createBackgroundCache}) on a {@link TestClock},
 * with fetches the steps control, and replays {@link CacheStep}s on it. It
 * needs no test runner: {@link CacheTestHarness.check} throws a plain `Error`.
 *
 * @example
 *   const { options, paths } = getCachePaths();
 *   for (const path of paths) {
 *     it(path.description, async () => {
 *       const harness = createCacheTestHarness(options);
 *       for (const step of path.steps) expect(await harness.apply(step)).toEqual(step.expected);
 *     });
 *   }
 *
 * @param options - What the paths were made for (`getCachePaths().options`),
 *   and optionally your code around the cache ({@link CacheTestHarnessOptions.subject}).
 */
export function createCacheTestHarness<V = string>(options: CacheTestHarnessOptions<V>): CacheTestHarness<V> {
  const clock = new TestClock();
  const calls: FetchCall[] = [];
  const callers: { outcome: CallerOutcome<V> }[] = [];
  let throwNext: { reason: unknown } | undefined;

  // Every fetch the cache calls goes through here: counted, and thrown
  // synchronously when a `throwFromFetch` step asks for it.
  const counted =
    (fetch: FetchFn<V>): FetchFn<V> =>
    (signal) => {
      const call: FetchCall = { settled: Promise.resolve() };
      calls.push(call);
      if (throwNext) throw throwNext.reason;
      const result = fetch(signal);
      call.settled = Promise.resolve(result).then(
        () => undefined,
        () => undefined,
      );
      return result;
    };
  const cache: BackgroundCache<V> = createBackgroundCache<V>({
    ttl: options.ttl,
    refreshWindow: options.refreshWindow,
    fetchTimeout: options.fetchTimeout,
    retry: options.retry,
    retryDelay: options.retryDelay,
    errorTtl: options.errorTtl,
    clock,
    // The subject's fetch (the subject is made below): what `refresh()` calls.
    fetch: counted((signal) => {
      if (!subject.fetch) {
        throw new TypeError("The subject gives no `fetch`: the cache's `fetch` option has nothing to call");
      }
      return subject.fetch(signal);
    }),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const equals = options.equals ?? Object.is;
  const matchReason = options.matchReason ?? Object.is;
  const observed = countingView(cache, counted);
  const subject: CacheTestSubject<V> = options.subject ? options.subject(observed) : deferredFetchSubject(observed);

  const observe = (): CacheObservation<V> => {
    const snapshot = cache.actor.getSnapshot();
    return {
      state: snapshot.value,
      status: snapshot.status,
      tryGet: cache.tryGet(),
      fetches: calls.length,
      callers: callers.map((caller) => caller.outcome),
    };
  };

  const call = (read: () => Promise<V>): void => {
    const caller: { outcome: CallerOutcome<V> } = { outcome: { status: 'waiting' } };
    callers.push(caller);
    read().then(
      (value) => void (caller.outcome = { status: 'resolved', value }),
      (reason: unknown) => void (caller.outcome = { status: 'rejected', reason }),
    );
  };

  const refresh = (): Promise<V> => {
    if (subject.refresh) return subject.refresh();
    if (!subject.fetch) throw new TypeError('A refresh step needs the subject to give `refresh()` or `fetch`');
    return cache.refresh();
  };

  const apply = async (step: CacheStep<V>): Promise<CacheObservation<V>> => {
    if (step.type === 'advanceTo') clock.advanceTo(step.at);
    else clock.skipTo(step.at);
    switch (step.type) {
      case 'get':
        call(() => subject.read());
        break;
      case 'throwFromFetch':
        throwNext = { reason: step.reason };
        try {
          call(() => subject.read());
        } finally {
          throwNext = undefined;
        }
        break;
      case 'refresh':
        call(refresh);
        break;
      case 'seed':
        cache.seed(step.value, { age: step.age });
        break;
      case 'invalidate':
        cache.invalidate();
        break;
      case 'stop':
        cache.stop();
        break;
      case 'advanceTo':
        break;
      case 'resolveFetch':
      case 'rejectFetch': {
        const latest = calls.at(-1);
        if (step.type === 'resolveFetch') await subject.resolveFetch(step.value);
        else await subject.rejectFetch(step.reason);
        await latest?.settled;
        break;
      }
      default:
        throw new TypeError(`Unknown step type ${JSON.stringify((step as { type: unknown }).type)}`);
    }
    await drainMicrotasks();
    return observe();
  };

  const check = async (step: CachePathStep<V>): Promise<void> => {
    const differences = differencesFrom(step.expected, await apply(step), { matchReason, equals });
    if (differences.length > 0) {
      throw new Error(`After ${describeStep(step)}:\n  ${differences.join('\n  ')}`);
    }
  };

  return {
    cache,
    clock,
    apply,
    observe,
    check,
    async replay(path) {
      for (const [index, step] of path.steps.entries()) {
        try {
          await check(step);
        } catch (error) {
          throw new Error(`Step ${index + 1} of ${path.description}\n${(error as Error).message}`);
        }
      }
    },
  };
}

/** The cache as the subject sees it: the same cache, with the fetches handed to `get` counted. */
function countingView<V>(cache: BackgroundCache<V>, counted: (fetch: FetchFn<V>) => FetchFn<V>): BackgroundCache<V> {
  return {
    get: (fetchOrOptions?: FetchFn<V> | GetOptions, getOptions?: GetOptions) =>
      typeof fetchOrOptions === 'function'
        ? cache.get(counted(fetchOrOptions), getOptions)
        : cache.get(fetchOrOptions as GetOptions),
    refresh: () => cache.refresh(),
    tryGet: () => cache.tryGet(),
    peek: () => cache.peek(),
    seed: (value, seedOptions) => cache.seed(value, seedOptions),
    invalidate: () => cache.invalidate(),
    stop: () => cache.stop(),
    [Symbol.dispose]: () => cache.stop(),
    actor: cache.actor,
  };
}

/** The default subject: callers use `cache.get`, with fetches the harness holds open until a step settles them. */
function deferredFetchSubject<V>(cache: BackgroundCache<V>): CacheTestSubject<V> {
  const pending: { resolve(value: V): void; reject(reason: unknown): void }[] = [];
  const fetch = (): Promise<V> =>
    new Promise<V>((resolve, reject) => {
      pending.push({ resolve, reject });
    });
  const latest = () => {
    const settle = pending.at(-1);
    if (!settle) throw new Error('No fetch has started: nothing to settle');
    return settle;
  };
  return {
    read: () => cache.get(fetch),
    fetch,
    resolveFetch: (value) => latest().resolve(value),
    rejectFetch: (reason) => latest().reject(reason),
  };
}

const show = (value: unknown): string => (value instanceof Error ? String(value) : JSON.stringify(value));

/** A reason that only the cache makes, so that an expected one matches any of its kind. */
const ownReason = (reason: unknown): string | undefined =>
  reason instanceof CacheStoppedError
    ? 'CacheStoppedError'
    : reason instanceof Error && reason.name === 'TimeoutError'
      ? `TimeoutError: ${reason.message}`
      : undefined;

/** How {@link differencesFrom} compares values and reasons. */
export interface ObservationMatching<V> {
  /** @defaultValue `Object.is` */
  readonly equals?: ((actual: V, expected: V) => boolean) | undefined;
  /** @defaultValue `Object.is` */
  readonly matchReason?: ((actual: unknown, expected: unknown) => boolean) | undefined;
}

/**
 * Every way `actual` differs from `expected`, in words; empty when they
 * agree. Values are compared with `equals` and reasons with `matchReason`
 * (both `Object.is` by default); reasons the cache makes itself match any of
 * their kind: a `CacheStoppedError`, and a fetch timeout's `TimeoutError`
 * with the same message.
 *
 * @example
 *   const observed = await harness.apply(step);
 *   expect(differencesFrom(step.expected, observed)).toEqual([]);
 */
export function differencesFrom<V>(
  expected: CacheObservation<V>,
  actual: CacheObservation<V>,
  matching: ObservationMatching<V> = {},
): string[] {
  const { equals = Object.is, matchReason = Object.is } = matching;
  const sameValue = (got: V | undefined, want: V | undefined): boolean =>
    got === undefined || want === undefined ? got === want : equals(got, want);
  const sameOutcome = (want: CallerOutcome<V>, got: CallerOutcome<V>): boolean => {
    if (want.status === 'resolved') return got.status === 'resolved' && sameValue(got.value, want.value);
    if (want.status === 'rejected') {
      const kind = ownReason(want.reason);
      return (
        got.status === 'rejected' &&
        (kind === undefined ? matchReason(got.reason, want.reason) : ownReason(got.reason) === kind)
      );
    }
    return got.status === 'waiting';
  };
  const showOutcome = (outcome: CallerOutcome<V>): string =>
    outcome.status === 'resolved'
      ? `resolved ${show(outcome.value)}`
      : outcome.status === 'rejected'
        ? `rejected ${show(outcome.reason)}`
        : 'waiting';

  const differences: string[] = [];
  const compare = (what: string, want: string, got: string): void => {
    if (want !== got) differences.push(`${what}: expected ${want}, got ${got}`);
  };
  compare('state', JSON.stringify(expected.state), JSON.stringify(actual.state));
  compare('status', expected.status, actual.status);
  compare('fetches started', String(expected.fetches), String(actual.fetches));
  if (!sameValue(actual.tryGet, expected.tryGet)) {
    differences.push(`tryGet(): expected ${show(expected.tryGet)}, got ${show(actual.tryGet)}`);
  }
  compare('callers', String(expected.callers.length), String(actual.callers.length));
  expected.callers.forEach((want, index) => {
    const got = actual.callers[index];
    // Pushed as it is: two values that print alike may still differ.
    if (got && !sameOutcome(want, got)) {
      differences.push(`caller ${index + 1}: expected ${showOutcome(want)}, got ${showOutcome(got)}`);
    }
  });
  return differences;
}
