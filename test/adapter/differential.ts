import fc from 'fast-check';
import { expect } from 'vitest';
import { CacheStoppedError, createBackgroundCache } from '../../src/index.js';
import type { BackgroundCache, BackgroundCacheOptions, CacheClock } from '../../src/index.js';
import { stateOf } from '../helpers.js';
import { CacheModel } from './model.js';
import type { Behaviour, LateTimers, ModelReason, ModelSignal, RetryScript } from './model.js';
import { Part1Model } from './model-part1.js';

/**
 * The differential harness: random interleavings of everything a user and
 * time can do (scenarios), run against the real cache and against the
 * independent model in test/adapter/model.ts (SPEC Parts 1 and 2), comparing
 * everything a caller can see after every step. A fifth of the scenarios set
 * none of Part 2's options and use only Part 1's operations: those are also
 * held to the Part 1 model (test/adapter/model-part1.ts). test/adapter/differential.test.ts
 * runs it; test/adapter/v2-differential-findings.test.ts replays single scenarios.
 */

export type Mode = 'deferred' | 'throws' | 'returns';
export type Boundary = 'window' | 'failureAtWindow' | 'expiry' | 'failure' | 'retry' | 'timeout';

/** A value's lifetime as the `ttl`/`refreshWindow` functions compute it, rules broken or not. */
interface LifeEntry {
  readonly ttl: number | 'throws';
  readonly refreshWindow: number | 'throws';
}

export type Action =
  | { kind: 'get'; fetch: 'own' | 'default'; mode: Mode; life: number; signal: 'none' | 'live' | 'aborted' }
  | { kind: 'refresh'; mode: Mode; life: number }
  | { kind: 'seed'; life: number; age: number | undefined }
  | { kind: 'invalidate' }
  | { kind: 'stop' }
  | { kind: 'leave'; pick: number }
  | { kind: 'skip'; ms: number }
  | { kind: 'advance'; ms: number }
  /** Time moves (`fire`: timers fire) to `offset` ms from the next boundary of that kind, if there is one ahead. */
  | { kind: 'toBoundary'; boundary: Boundary; offset: number; fire: boolean }
  | { kind: 'settle'; pick: number; ok: boolean; errorObject: boolean; life: number };

export interface Scenario {
  /** None of Part 2's options, only Part 1's operations. */
  readonly part1: boolean;
  readonly ttl: number;
  readonly refreshWindow: number;
  /** Lifetimes per value (`#k` at the end of a value picks entry k), when `ttl` or `refreshWindow` is a function. */
  readonly lifetimes: readonly LifeEntry[];
  readonly ttlFunction: boolean;
  readonly windowFunction: boolean;
  readonly fetchTimeout?: number | undefined;
  readonly retry?: number | undefined;
  readonly retryDelay?: number | undefined;
  readonly errorTtl?: number | undefined;
  readonly defaultFetch: boolean;
  /** What retry attempts do, in order, cycling. */
  readonly retryScript: readonly { mode: Mode; life: number }[];
  readonly actions: readonly Action[];
}

const LIVES = 4;
/** A share of ttl for refreshWindow, in [0, 1): fast-check's doubles cluster at 0, which would leave no window. */
const share = fc.noBias(fc.integer({ min: 0, max: 99 })).map((n) => n / 100);
const mode = fc.constantFrom<Mode>('deferred', 'deferred', 'deferred', 'throws', 'returns');
const life = fc.nat({ max: LIVES - 1 });

function actionArbitrary(ttl: number, part1: boolean): fc.Arbitrary<Action> {
  // Steps of up to a third of ttl reach each part of a value's life; longer ones cross several boundaries.
  const time = (kind: 'skip' | 'advance') =>
    fc.record({
      kind: fc.constant(kind),
      ms: fc.oneof(fc.nat({ max: Math.ceil(ttl / 3) }), fc.nat({ max: ttl + 5 })),
    });
  const settle = fc.record({
    kind: fc.constant('settle' as const),
    pick: fc.nat(),
    ok: fc.boolean(),
    errorObject: fc.boolean(),
    life,
  });
  const toBoundary = fc.record({
    kind: fc.constant('toBoundary' as const),
    boundary: fc.constantFrom<Boundary>(
      'window',
      'expiry',
      ...(part1 ? [] : (['failureAtWindow', 'failure', 'retry', 'timeout'] as const)),
    ),
    offset: fc.integer({ min: -1, max: 1 }),
    fire: fc.boolean(),
  });
  const common: fc.WeightedArbitrary<Action>[] = [
    { weight: 6, arbitrary: toBoundary },
    { weight: 2, arbitrary: fc.constant({ kind: 'invalidate' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'stop' as const }) },
    { weight: 6, arbitrary: time('skip') },
    { weight: 10, arbitrary: time('advance') },
    { weight: 12, arbitrary: settle },
  ];
  if (part1) {
    return fc.oneof(
      {
        weight: 12,
        arbitrary: fc.record({
          kind: fc.constant('get' as const),
          fetch: fc.constant('own' as const),
          mode,
          life: fc.constant(0),
          signal: fc.constant('none' as const),
        }),
      },
      {
        weight: 4,
        arbitrary: fc.record({ kind: fc.constant('seed' as const), life: fc.constant(0), age: fc.constant(undefined) }),
      },
      ...common,
    );
  }
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc.record({
        kind: fc.constant('get' as const),
        fetch: fc.constantFrom('own' as const, 'default' as const),
        mode,
        life,
        signal: fc.constantFrom('none' as const, 'live' as const, 'live' as const, 'aborted' as const),
      }),
    },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('refresh' as const), mode, life }) },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('seed' as const),
        life,
        age: fc.oneof(
          { weight: 2, arbitrary: fc.constant(undefined) },
          { weight: 6, arbitrary: fc.nat({ max: ttl + 5 }) },
          { weight: 1, arbitrary: fc.constantFrom(-1, Number.NaN, Infinity) },
        ),
      }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('leave' as const), pick: fc.nat() }) },
    // Long enough for the default retryDelay (1 s, 2 s, ...).
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat({ max: 4_100 }) }) },
    ...common,
  );
}

const lifeEntry = (ttl: number): fc.Arbitrary<LifeEntry> =>
  fc
    .record({
      ttl: fc.oneof(
        { weight: 12, arbitrary: fc.integer({ min: 1, max: 60 }) },
        { weight: 1, arbitrary: fc.constantFrom<number | 'throws'>(0, -3, Number.NaN, Infinity, 'throws') },
      ),
      window: fc.oneof(
        { weight: 12, arbitrary: share },
        {
          weight: 1,
          arbitrary: fc.constantFrom<number | 'throws' | 'equal' | 'over'>(-1, Number.NaN, 'throws', 'equal', 'over'),
        },
      ),
    })
    .map(({ ttl: entryTtl, window }) => {
      const base = typeof entryTtl === 'number' && entryTtl > 0 && entryTtl < Infinity ? entryTtl : ttl;
      const refreshWindow =
        window === 'equal'
          ? base
          : window === 'over'
            ? base + 1
            : window === 'throws' || window < 0 || Number.isNaN(window)
              ? window
              : Math.floor(base * window);
      return { ttl: entryTtl, refreshWindow };
    });

const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary });

export const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .record({
    part1: fc.nat({ max: 4 }).map((n) => n === 0),
    ttl: fc.integer({ min: 1, max: 60 }),
    windowShare: share,
  })
  .chain(({ part1, ttl, windowShare }): fc.Arbitrary<Scenario> => {
    // Half the runs start with a value (with Part 2, often one already in its window), so that more of them
    // reach the window and what follows: background refreshes, their failures, backing off.
    const firstAge = part1 ? fc.constant(undefined) : optional(fc.noBias(fc.nat({ max: ttl })));
    const actions = fc
      .tuple(fc.boolean(), life, firstAge, fc.array(actionArbitrary(ttl, part1), { maxLength: 30, size: 'medium' }))
      .map(([seeded, seedLife, age, rest]): Action[] =>
        seeded ? [{ kind: 'seed', life: part1 ? 0 : seedLife, age }, ...rest] : rest,
      );
    const refreshWindow = Math.floor(ttl * windowShare);
    if (part1) {
      return fc.record({
        part1: fc.constant(true),
        ttl: fc.constant(ttl),
        refreshWindow: fc.constant(refreshWindow),
        lifetimes: fc.constant([]),
        ttlFunction: fc.constant(false),
        windowFunction: fc.constant(false),
        defaultFetch: fc.constant(false),
        retryScript: fc.constant([]),
        actions,
      });
    }
    return fc.record({
      part1: fc.constant(false),
      ttl: fc.constant(ttl),
      refreshWindow: fc.constant(refreshWindow),
      lifetimes: fc.array(lifeEntry(ttl), { minLength: LIVES, maxLength: LIVES }),
      ttlFunction: fc.nat({ max: 2 }).map((n) => n === 0),
      windowFunction: fc.nat({ max: 2 }).map((n) => n === 0),
      // Unbiased: fast-check's integers cluster at their minimum (no retry, no errorTtl).
      fetchTimeout: optional(fc.noBias(fc.integer({ min: 1, max: 2 * ttl }))),
      retry: optional(fc.noBias(fc.nat({ max: 3 }))),
      retryDelay: optional(fc.noBias(fc.nat({ max: ttl }))),
      errorTtl: optional(fc.noBias(fc.nat({ max: 4 * ttl }))),
      defaultFetch: fc.nat({ max: 9 }).map((n) => n > 0),
      retryScript: fc.array(fc.record({ mode, life }), { minLength: 1, maxLength: 4 }),
      actions,
    });
  });

/**
 * The real side's clock: time moves with or without firing timers; when they
 * fire, each runs at its own due time (or now, if late), in order of due time
 * then of arming, and pending promise callbacks run between two timers, as
 * they do between two macrotasks.
 */
class StepClock implements CacheClock {
  #now = 0;
  #next = 0;
  readonly #timers = new Map<number, { due: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const handle = this.#next++;
    this.#timers.set(handle, { due: this.#now + ms, fn });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  skip(ms: number): void {
    this.#now += ms;
  }

  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      let next: number | undefined;
      for (const [handle, timer] of this.#timers) {
        if (timer.due <= end && (next === undefined || timer.due < this.#timers.get(next)!.due)) next = handle;
      }
      if (next === undefined) break;
      const timer = this.#timers.get(next)!;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, timer.due);
      timer.fn();
      await flush();
    }
    this.#now = end;
  }
}

async function flush(): Promise<void> {
  for (let turn = 0; turn < 30; turn++) await Promise.resolve();
}

/** The real side's fetch calls, in order. */
interface RealCall {
  readonly fetch: string;
  readonly signal: AbortSignal;
  settle?: (ok: boolean, result: unknown) => void;
}

type RealOutcome =
  | { status: 'waiting' }
  | { status: 'resolved'; value: string; at: number }
  | { status: 'rejected'; reason: unknown }
  | { status: 'stopped' }
  | { status: 'noFetch' };

const classify = (error: unknown): RealOutcome =>
  error instanceof CacheStoppedError
    ? { status: 'stopped' }
    : error instanceof TypeError && error.message.includes('`fetch`')
      ? { status: 'noFetch' }
      : { status: 'rejected', reason: error };

const lifeIndex = (value: string): number => Number(value.slice(value.lastIndexOf('#') + 1));

/** Options for both sides, readings of the model included. */
export function optionsOf(scenario: Scenario) {
  const thrown = scenario.lifetimes.map((_, index) => ({
    ttl: new Error(`ttl throws for #${index}`),
    refreshWindow: new Error(`refreshWindow throws for #${index}`),
  }));
  const pick = (name: 'ttl' | 'refreshWindow') => (value: string) => {
    const index = lifeIndex(value);
    const setting = scenario.lifetimes[index]![name];
    if (setting === 'throws') throw thrown[index]![name];
    return setting;
  };
  const ttl = scenario.ttlFunction ? pick('ttl') : scenario.ttl;
  const refreshWindow = scenario.windowFunction ? pick('refreshWindow') : scenario.refreshWindow;
  return { ttl, refreshWindow };
}

/** The model's readings that the cache is held to, and a trace of each step. */
export interface RunOptions {
  /** See {@link LateTimers}; `'lagged'` is how the cache reads the SPEC today (see the findings). */
  readonly lateTimers?: LateTimers | undefined;
  /** See `ModelOptions.supersededAttemptsTimeOut`. */
  readonly supersededAttemptsTimeOut?: boolean | undefined;
  /** Logs each step with the model's and the cache's state. */
  readonly trace?: boolean | undefined;
}

/** Runs one scenario against the real cache and the models, comparing after every step. */
export async function run(
  scenario: Scenario,
  { lateTimers = 'lagged', supersededAttemptsTimeOut = false, trace = false }: RunOptions = {},
): Promise<void> {
  const { actions } = scenario;
  const clock = new StepClock();
  const { ttl, refreshWindow } = optionsOf(scenario);
  const lifetimeOf = (value: string) => ({
    ttl: typeof ttl === 'number' ? ttl : ttl(value),
    refreshWindow: typeof refreshWindow === 'number' ? refreshWindow : refreshWindow(value),
  });

  // What the user's fetches do: the first call as its caller's step says, retries as the script says.
  const memo: Behaviour<string>[] = [];
  const retries: RetryScript<string> = {
    at: (n) =>
      (memo[n] ??= ((entry) =>
        entry.mode === 'deferred'
          ? { mode: 'deferred' }
          : entry.mode === 'throws'
            ? { mode: 'throws', reason: new Error(`retry ${n} thrown`) }
            : { mode: 'returns', value: `retry ${n}#${entry.life}` })(
        scenario.retryScript[n % scenario.retryScript.length]!,
      )),
  };
  const calls: RealCall[] = [];
  /** When each value counts as stored, for the invariants. */
  const storedAt = new Map<string, number>();
  let retryCount = 0;
  const perform = (label: string, behaviour: Behaviour<string>, signal: AbortSignal): string | Promise<string> => {
    const call: RealCall = { fetch: label, signal };
    calls.push(call);
    if (behaviour.mode === 'throws') throw behaviour.reason;
    if (behaviour.mode === 'returns') {
      storedAt.set(behaviour.value, clock.now());
      return behaviour.value;
    }
    return new Promise<string>((resolve, reject) => {
      call.settle = (ok, result) => (ok ? resolve(result as string) : reject(result));
    });
  };
  let pendingFirst: Behaviour<string> | undefined;
  const defaultFetch = (signal: AbortSignal) => {
    const behaviour = pendingFirst ?? retries.at(retryCount++);
    pendingFirst = undefined;
    return perform('default', behaviour, signal);
  };
  const ownFetch = (label: string, first: Behaviour<string>) => {
    let called = false;
    return (signal: AbortSignal) => {
      const behaviour = called ? retries.at(retryCount++) : first;
      called = true;
      return perform(label, behaviour, signal);
    };
  };

  const options: BackgroundCacheOptions<string> = { ttl, refreshWindow, clock };
  if (scenario.defaultFetch) options.fetch = defaultFetch;
  for (const name of ['fetchTimeout', 'retry', 'retryDelay', 'errorTtl'] as const) {
    if (scenario[name] !== undefined) options[name] = scenario[name];
  }
  const cache: BackgroundCache<string> = createBackgroundCache<string>(options);
  const model = new CacheModel<string>({
    ttl,
    refreshWindow,
    fetchTimeout: scenario.fetchTimeout,
    retry: scenario.retry,
    retryDelay: scenario.retryDelay,
    errorTtl: scenario.errorTtl,
    hasDefaultFetch: scenario.defaultFetch,
    retries,
    lateTimers,
    supersededAttemptsTimeOut,
  });
  const part1 = scenario.part1 ? new Part1Model<string>(scenario.ttl, scenario.refreshWindow) : undefined;

  const callers: RealOutcome[] = [];
  const signals: { controller: AbortController; model: ModelSignal }[] = [];
  /** The real object each model reason stands for, once seen. */
  const realOf = new Map<ModelReason, unknown>();
  const expectReason = (expected: ModelReason, actual: unknown, where: string): void => {
    if (realOf.has(expected)) {
      expect(actual, `${where}: the same reason object as before`).toBe(realOf.get(expected));
      return;
    }
    switch (expected.kind) {
      case 'given':
        expect(actual, `${where}: the reason object unchanged`).toBe(expected.reason);
        break;
      case 'timeout':
        expect(actual, `${where}: a TimeoutError`).toBeInstanceOf(DOMException);
        expect((actual as DOMException).name, `${where}: a TimeoutError`).toBe('TimeoutError');
        expect(actual, `${where}: the reason its attempt's signal aborted with`).toBe(
          calls[expected.call]?.signal.reason,
        );
        break;
      case 'range': {
        expect(actual, `${where}: a RangeError`).toBeInstanceOf(RangeError);
        const named = /`(\w+)`/.exec((actual as RangeError).message)?.[1];
        expect(expected.names, `${where}: the option the RangeError names (${String(actual)})`).toContain(named);
        if (expected.causes.has(named!)) {
          expect((actual as RangeError).cause, `${where}: what the function threw, as cause`).toBe(
            expected.causes.get(named!),
          );
        }
        break;
      }
    }
    realOf.set(expected, actual);
  };

  const watch = (promise: Promise<string>): void => {
    const index = callers.length;
    callers.push({ status: 'waiting' });
    promise.then(
      (value) => void (callers[index] = { status: 'resolved', value, at: clock.now() }),
      (error: unknown) => void (callers[index] = classify(error)),
    );
  };
  const behaviourOf = (step: number, action: { mode: Mode; life: number }): Behaviour<string> =>
    action.mode === 'throws'
      ? { mode: 'throws', reason: new Error(`thrown ${step}`) }
      : action.mode === 'returns'
        ? { mode: 'returns', value: `returned ${step}#${action.life}` }
        : { mode: 'deferred' };

  for (const [step, action] of actions.entries()) {
    const where = `step ${step + 1} (${JSON.stringify(action)})`;
    const before = callers.map((caller) => caller.status);
    switch (action.kind) {
      case 'get': {
        const first = behaviourOf(step, action);
        let signal: AbortSignal | undefined;
        let modelSignal: ModelSignal | undefined;
        if (action.signal !== 'none') {
          const reason = { left: step };
          const controller = new AbortController();
          modelSignal = { reason, aborted: false };
          if (action.signal === 'aborted') {
            controller.abort(reason);
            modelSignal.aborted = true;
          } else {
            signals.push({ controller, model: modelSignal });
          }
          signal = controller.signal;
        }
        const label = `own ${step}`;
        if (action.fetch === 'own') {
          const fetch = ownFetch(label, first);
          watch(signal ? cache.get(fetch, { signal }) : cache.get(fetch));
        } else {
          pendingFirst = first;
          watch(cache.get({ signal }));
          pendingFirst = undefined;
        }
        model.get(action.fetch === 'own' ? label : undefined, first, modelSignal);
        part1?.get(
          first.mode === 'throws'
            ? { kind: 'throws', reason: first.reason }
            : first.mode === 'returns'
              ? { kind: 'returns', value: first.value }
              : { kind: 'deferred' },
        );
        break;
      }
      case 'refresh': {
        const first = behaviourOf(step, action);
        pendingFirst = first;
        watch(cache.refresh());
        pendingFirst = undefined;
        model.refresh(first);
        break;
      }
      case 'seed': {
        const value = `seeded ${step}#${action.life}`;
        let real: { returns: boolean } | { throws: unknown };
        try {
          real = { returns: action.age === undefined ? cache.seed(value) : cache.seed(value, { age: action.age }) };
        } catch (error) {
          real = { throws: error };
        }
        const expected = model.seed(value, action.age);
        if ('returns' in expected) {
          expect(real, `${where}: seed() returns`).toEqual(expected);
        } else {
          expect('throws' in real, `${where}: seed() throws`).toBe(true);
          expectReason(expected.throws, (real as { throws: unknown }).throws, `${where}: seed() throws`);
        }
        if ('returns' in expected && expected.returns) storedAt.set(value, clock.now() - (action.age ?? 0));
        part1?.seed(value);
        break;
      }
      case 'invalidate':
        cache.invalidate();
        model.invalidate();
        part1?.invalidate();
        break;
      case 'stop':
        cache.stop();
        model.stop();
        part1?.stop();
        break;
      case 'leave': {
        const live = signals.filter((signal) => !signal.model.aborted);
        if (live.length === 0) break;
        const signal = live[action.pick % live.length]!;
        signal.controller.abort(signal.model.reason);
        model.leave(signal.model);
        break;
      }
      case 'skip':
        clock.skip(action.ms);
        model.skip(action.ms);
        part1?.skip(action.ms);
        break;
      case 'advance':
        await clock.advance(action.ms);
        model.advance(action.ms);
        part1?.advance(action.ms);
        break;
      case 'toBoundary': {
        const at = model.boundary(action.boundary);
        const ms = at === undefined ? 0 : Math.max(0, at + action.offset - clock.now());
        if (action.fire) {
          await clock.advance(ms);
          model.advance(ms);
          part1?.advance(ms);
        } else {
          clock.skip(ms);
          model.skip(ms);
          part1?.skip(ms);
        }
        break;
      }
      case 'settle': {
        const open = model.calls.filter((call) => !call.fetchSettled);
        if (open.length === 0) break;
        const call = open[action.pick % open.length]!;
        const value = `fetched ${step}#${action.life}`;
        const reason = action.errorObject ? new Error(`failed ${step}`) : { failed: step };
        storedAt.set(value, clock.now());
        calls[call.index]!.settle!(action.ok, action.ok ? value : reason);
        model.settle(call, action.ok ? { ok: true, value } : { ok: false, reason });
        part1?.settle(part1.fetches[call.index]!, action.ok ? { ok: true, value } : { ok: false, reason });
        break;
      }
    }
    await flush();

    if (trace) console.log(`${where}: model ${model.state}, cache ${stateOf(cache.actor)}`);

    // What callers see: the same as the model.
    expect(
      callers.map((caller) => caller.status),
      `${where}: callers`,
    ).toEqual(model.callers.map((caller) => caller.status));
    callers.forEach((caller, index) => {
      const expected = model.callers[index]!;
      if (caller.status === 'resolved' && expected.status === 'resolved') {
        expect(caller.value, `${where}: caller ${index}`).toBe(expected.value);
      }
      if (caller.status === 'rejected' && expected.status === 'rejected') {
        expectReason(expected.reason, caller.reason, `${where}: caller ${index}`);
      }
    });
    expect(
      calls.map((call) => call.fetch),
      `${where}: fetches called`,
    ).toEqual(model.calls.map((call) => call.fetch));
    expect(
      calls.map((call) => call.signal.aborted),
      `${where}: aborted signals`,
    ).toEqual(model.calls.map((call) => call.aborted));
    model.calls.forEach((call, index) => {
      if (call.timeout) expectReason(call.timeout, calls[index]!.signal.reason, `${where}: call ${index}'s signal`);
    });
    expect(cache.tryGet(), `${where}: tryGet()`).toBe(model.tryGet());
    const snapshot = cache.actor.getSnapshot();
    expect(stateOf(cache.actor), `${where}: state`).toBe(model.state);
    expect(snapshot.status, `${where}: status`).toBe(model.stopped ? 'stopped' : 'active');
    if (!model.stopped) {
      const peek = cache.peek();
      const expected = model.peek();
      expect(peek.value, `${where}: peek().value`).toBe(expected.value);
      if (expected.error === undefined) expect(peek.error, `${where}: peek().error`).toBeUndefined();
      else expectReason(expected.error, peek.error, `${where}: peek().error`);
    }

    // Part 1's model, for runs with none of Part 2.
    if (part1) {
      expect(
        callers.map((caller) => caller.status),
        `${where}: callers (Part 1)`,
      ).toEqual(part1.callers.map((caller) => caller.status));
      callers.forEach((caller, index) => {
        const expected = part1.callers[index]!;
        if (caller.status === 'resolved') expect(caller.value).toBe((expected as { value: string }).value);
        if (caller.status === 'rejected') expect(caller.reason).toBe((expected as { reason: unknown }).reason);
      });
      expect(calls.length, `${where}: fetches (Part 1)`).toBe(part1.fetches.length);
      expect(
        calls.map((call) => call.signal.aborted),
        `${where}: aborted (Part 1)`,
      ).toEqual(part1.fetches.map((fetch) => fetch.aborted));
      expect(cache.tryGet(), `${where}: tryGet() (Part 1)`).toBe(part1.tryGet());
      expect(stateOf(cache.actor), `${where}: state (Part 1)`).toBe(part1.state);
    }

    // Invariants, checked on the real cache alone.
    callers.forEach((caller, index) => {
      if (caller.status === 'resolved' && before[index] !== 'resolved' && storedAt.has(caller.value)) {
        const age = caller.at - storedAt.get(caller.value)!;
        const superseded = model.calls.some((call) => call.supersededValue === caller.value);
        // A superseded fetch's result reaches its own callers whatever its age.
        if (!superseded) expect(age, `${where}: age of a served value`).toBeLessThan(lifetimeOf(caller.value).ttl);
      }
    });
    const fresh = cache.tryGet();
    if (fresh !== undefined) {
      const lifetime = lifetimeOf(fresh);
      expect(clock.now() - storedAt.get(fresh)!).toBeLessThan(lifetime.ttl - lifetime.refreshWindow);
    }
    const superseded = model.calls.flatMap((call) =>
      call.supersededValue === undefined ? [] : [call.supersededValue],
    );
    expect(superseded, `${where}: a superseded result stored`).not.toContain(snapshot.context.value);
  }
  cache.stop();
  // Rejections nobody handles are reported after the microtasks drain.
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  expect(unhandled, 'unhandled rejections').toEqual([]);
}
