import { createBackgroundCache } from '../adapter/createBackgroundCache.js';
import { CacheStoppedError } from '../adapter/lifecycle.js';
import type { BackgroundCache } from '../adapter/createBackgroundCache.js';
import type { BackgroundCacheOptions } from '../adapter/options.js';
import type { FetchFn } from '../machine/fetchActor.js';
import { describeStep } from './steps.js';
import type { CacheObservation, CachePath, CachePathStep, CacheStep, CallerOutcome } from './steps.js';
import { TestClock } from './testClock.js';

/** Your code between the steps and the cache, for {@link CacheTestHarnessOptions.subject}. */
export interface CacheTestSubject<V> {
  /** One caller reading through your code, for example `() => api.getSchema()`. */
  read(): Promise<V>;
  /** Makes the most recent fetch your code started resolve with `value` (for example, a test server answers). */
  resolveFetch(value: V): void | Promise<void>;
  /** Makes the most recent fetch your code started fail, carrying `reason` as you see fit. */
  rejectFetch(reason: unknown): void | Promise<void>;
}

/** Options of {@link createCacheTestHarness}. */
export interface CacheTestHarnessOptions<V> {
  /** The cache's `ttl` in milliseconds: the one the paths were generated for. */
  ttl: number;
  /** The cache's `refreshWindow` in milliseconds: the one the paths were generated for. */
  refreshWindow: number;
  /** An XState inspection observer for the cache's actor. */
  inspect?: BackgroundCacheOptions['inspect'];
  /**
   * Puts your own code between the steps and the cache: receives the cache
   * (made by the harness, on its clock, with every fetch counted) and says
   * how a caller reads through your code and how your fetches settle.
   *
   * @defaultValue callers read with `cache.get(fetch)`, where `fetch` returns
   *   a promise the harness settles
   */
  subject?: (cache: BackgroundCache<V>) => CacheTestSubject<V>;
  /**
   * Whether a caller's rejection `actual` is the `expected` one, for
   * {@link CacheTestHarness.check}.
   *
   * @defaultValue `Object.is`: the fetch's reason must reach callers unchanged
   */
  matchReason?: (actual: unknown, expected: unknown) => boolean;
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
  readonly signal: AbortSignal;
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
 * @param options - The lifetimes the paths were made for, and optionally your
 *   code around the cache ({@link CacheTestHarnessOptions.subject}).
 */
export function createCacheTestHarness<V = string>(options: CacheTestHarnessOptions<V>): CacheTestHarness<V> {
  const clock = new TestClock();
  const cache = createBackgroundCache<V>({
    ttl: options.ttl,
    refreshWindow: options.refreshWindow,
    clock,
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  const matchReason = options.matchReason ?? Object.is;
  const calls: FetchCall[] = [];
  const callers: { outcome: CallerOutcome<V> }[] = [];
  let throwNext: { reason: unknown } | undefined;

  // Every fetch the cache starts goes through here: counted, and thrown
  // synchronously when a `throwFromFetch` step asks for it.
  const counted =
    (fetch: FetchFn<V>): FetchFn<V> =>
    (signal) => {
      const call: FetchCall = { signal, settled: Promise.resolve() };
      calls.push(call);
      if (throwNext) throw throwNext.reason;
      const result = fetch(signal);
      call.settled = Promise.resolve(result).then(
        () => undefined,
        () => undefined,
      );
      return result;
    };
  const observed: BackgroundCache<V> = {
    get: (fetch) => cache.get(typeof fetch === 'function' ? counted(fetch) : fetch),
    tryGet: () => cache.tryGet(),
    seed: (value) => cache.seed(value),
    invalidate: () => cache.invalidate(),
    stop: () => cache.stop(),
    [Symbol.dispose]: () => cache.stop(),
    actor: cache.actor,
  };

  const subject = options.subject ? options.subject(observed) : deferredFetchSubject(observed);

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

  const read = (): void => {
    const caller: { outcome: CallerOutcome<V> } = { outcome: { status: 'waiting' } };
    callers.push(caller);
    subject.read().then(
      (value) => void (caller.outcome = { status: 'resolved', value }),
      (reason: unknown) => void (caller.outcome = { status: 'rejected', reason }),
    );
  };

  const apply = async (step: CacheStep<V>): Promise<CacheObservation<V>> => {
    if (step.type === 'advanceTo') clock.advanceTo(step.at);
    else clock.skipTo(step.at);
    switch (step.type) {
      case 'get':
        read();
        break;
      case 'throwFromFetch':
        throwNext = { reason: step.reason };
        try {
          read();
        } finally {
          throwNext = undefined;
        }
        break;
      case 'seed':
        cache.seed(step.value);
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
    const differences = differencesFrom(step.expected, await apply(step), matchReason);
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

/** The default subject: callers use `cache.get` with fetches the harness holds open until a step settles them. */
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
    resolveFetch: (value) => latest().resolve(value),
    rejectFetch: (reason) => latest().reject(reason),
  };
}

const show = (value: unknown): string => (value instanceof Error ? String(value) : JSON.stringify(value));

const sameOutcome = (
  expected: CallerOutcome<unknown>,
  actual: CallerOutcome<unknown>,
  matchReason: (actual: unknown, expected: unknown) => boolean,
): boolean => {
  if (expected.status === 'resolved') return actual.status === 'resolved' && Object.is(actual.value, expected.value);
  if (expected.status === 'rejected') {
    return (
      actual.status === 'rejected' &&
      (expected.reason instanceof CacheStoppedError
        ? actual.reason instanceof CacheStoppedError
        : matchReason(actual.reason, expected.reason))
    );
  }
  return actual.status === 'waiting';
};

const showOutcome = (outcome: CallerOutcome<unknown>): string =>
  outcome.status === 'resolved'
    ? `resolved ${show(outcome.value)}`
    : outcome.status === 'rejected'
      ? `rejected ${show(outcome.reason)}`
      : 'waiting';

/**
 * Every way `actual` differs from `expected`, in words; empty when they
 * agree. Values and reasons are compared by identity (`matchReason` decides
 * for reasons); any `CacheStoppedError` matches an expected one.
 *
 * @example
 *   const observed = await harness.apply(step);
 *   expect(differencesFrom(step.expected, observed)).toEqual([]);
 */
export function differencesFrom<V>(
  expected: CacheObservation<V>,
  actual: CacheObservation<V>,
  matchReason: (actual: unknown, expected: unknown) => boolean = Object.is,
): string[] {
  const differences: string[] = [];
  const compare = (what: string, want: string, got: string): void => {
    if (want !== got) differences.push(`${what}: expected ${want}, got ${got}`);
  };
  compare('state', JSON.stringify(expected.state), JSON.stringify(actual.state));
  compare('status', expected.status, actual.status);
  compare('fetches started', String(expected.fetches), String(actual.fetches));
  if (!Object.is(expected.tryGet, actual.tryGet)) {
    differences.push(`tryGet(): expected ${show(expected.tryGet)}, got ${show(actual.tryGet)}`);
  }
  compare('callers', String(expected.callers.length), String(actual.callers.length));
  expected.callers.forEach((want, index) => {
    const got = actual.callers[index];
    if (got && !sameOutcome(want, got, matchReason))
      compare(`caller ${index + 1}`, showOutcome(want), showOutcome(got));
  });
  return differences;
}
