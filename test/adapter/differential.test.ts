import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheStoppedError, createBackgroundCache } from '../../src/index.js';
import type { BackgroundCache } from '../../src/index.js';
import { TestClock } from '../../src/testing/index.js';
import { stateOf } from '../helpers.js';
import { CacheModel } from './model.js';
import type { FetchMode, ModelOutcome } from './model.js';

// Random interleavings of everything a user and time can do, run against the
// real cache and against the independent model in model.ts.

const NUM_RUNS = Number(process.env['FC_RUNS'] ?? 1000);

type Action =
  | { kind: 'get'; fetch: 'deferred' | 'throws' | 'returns' }
  | { kind: 'seed' }
  | { kind: 'invalidate' }
  | { kind: 'stop' }
  | { kind: 'skip'; ms: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'settle'; pick: number; ok: boolean; errorObject: boolean };

const actionArbitrary = (ttl: number): fc.Arbitrary<Action> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('get' as const),
        fetch: fc.constantFrom('deferred' as const, 'deferred' as const, 'throws' as const, 'returns' as const),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ kind: 'seed' as const }) },
    { weight: 2, arbitrary: fc.constant({ kind: 'invalidate' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'stop' as const }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('skip' as const), ms: fc.nat({ max: ttl + 5 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat({ max: ttl + 5 }) }) },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('settle' as const),
        pick: fc.nat(),
        ok: fc.boolean(),
        errorObject: fc.boolean(),
      }),
    },
  );

const scenarioArbitrary = fc
  .record({
    ttl: fc.integer({ min: 1, max: 60 }),
    windowShare: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  })
  .chain(({ ttl, windowShare }) =>
    fc.record({
      ttl: fc.constant(ttl),
      refreshWindow: fc.constant(Math.floor(ttl * windowShare)),
      actions: fc.array(actionArbitrary(ttl), { maxLength: 30 }),
    }),
  );

/** The real side's fetches: each call of a user's fetch, settled by the test. */
interface RealFetch {
  readonly signal: AbortSignal;
  settle?: (ok: boolean, result: unknown) => void;
}

async function flush(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await Promise.resolve();
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

async function run({ ttl, refreshWindow, actions }: { ttl: number; refreshWindow: number; actions: Action[] }) {
  const clock = new TestClock();
  const cache: BackgroundCache<string> = createBackgroundCache<string>({ ttl, refreshWindow, clock });
  const model = new CacheModel<string>(ttl, refreshWindow);
  const fetches: RealFetch[] = [];
  const callers: ModelOutcome<string>[] = [];
  /** When each value became servable: every value a caller gets must be younger than ttl. */
  const bornAt = new Map<string, number>();

  for (const [step, action] of actions.entries()) {
    const where = `step ${step + 1} (${JSON.stringify(action)})`;
    const before = callers.map((caller) => caller.status);
    switch (action.kind) {
      case 'get': {
        const value = `returned ${step}`;
        const reason = new Error(`thrown ${step}`);
        const mode: FetchMode<string> =
          action.fetch === 'throws'
            ? { kind: 'throws', reason }
            : action.fetch === 'returns'
              ? { kind: 'returns', value }
              : { kind: 'deferred' };
        const index = callers.length;
        callers.push({ status: 'waiting' });
        const promise = cache.get((signal) => {
          const call: RealFetch = { signal };
          fetches.push(call);
          if (mode.kind === 'throws') throw mode.reason;
          if (mode.kind === 'returns') {
            bornAt.set(mode.value, clock.now());
            return mode.value;
          }
          return new Promise<string>((resolve, reject) => {
            call.settle = (ok, result) => (ok ? resolve(result as string) : reject(result));
          });
        });
        promise.then(
          (result) => void (callers[index] = { status: 'resolved', value: result }),
          (error: unknown) =>
            void (callers[index] =
              error instanceof CacheStoppedError ? { status: 'stopped' } : { status: 'rejected', reason: error }),
        );
        model.get(mode);
        break;
      }
      case 'seed': {
        const value = `seeded ${step}`;
        bornAt.set(value, clock.now());
        cache.seed(value);
        model.seed(value);
        break;
      }
      case 'invalidate':
        cache.invalidate();
        model.invalidate();
        break;
      case 'stop':
        cache.stop();
        model.stop();
        break;
      case 'skip':
        clock.skipTo(clock.now() + action.ms);
        model.skip(action.ms);
        break;
      case 'advance':
        clock.advanceTo(clock.now() + action.ms);
        model.advance(action.ms);
        break;
      case 'settle': {
        const open = model.fetches.filter((fetch) => !fetch.settled);
        if (open.length === 0) break;
        const fetch = open[action.pick % open.length]!;
        const value = `fetched ${step}`;
        const reason = action.errorObject ? new Error(`failed ${step}`) : { failed: step };
        bornAt.set(value, clock.now());
        fetches[fetch.index]!.settle!(action.ok, action.ok ? value : reason);
        model.settle(fetch, action.ok ? { ok: true, value } : { ok: false, reason });
        break;
      }
    }
    await flush();

    // What callers see: the same as the model, by identity.
    expect(callers, where).toEqual(model.callers);
    callers.forEach((caller, index) => {
      const expected = model.callers[index]!;
      if (caller.status === 'resolved') expect(caller.value, where).toBe((expected as { value: string }).value);
      if (caller.status === 'rejected') expect(caller.reason, where).toBe((expected as { reason: unknown }).reason);
    });
    expect(fetches.length, `${where}: fetches started`).toBe(model.fetches.length);
    expect(cache.tryGet(), `${where}: tryGet()`).toBe(model.tryGet());
    const snapshot = cache.actor.getSnapshot();
    expect(stateOf(cache.actor), `${where}: state`).toBe(model.state);
    expect(snapshot.status, `${where}: status`).toBe(model.stopped ? 'stopped' : 'active');
    expect(
      fetches.map((fetch) => fetch.signal.aborted),
      `${where}: aborted signals`,
    ).toEqual(model.fetches.map((fetch) => fetch.aborted));

    // Invariants, checked on the real cache alone.
    const owned = Object.values(snapshot.children);
    expect(owned.length, `${where}: fetches owned`).toBeLessThanOrEqual(1);
    if (snapshot.status === 'active' && snapshot.children.fetch) {
      const ownedSignal = snapshot.children.fetch.getSnapshot().flight.signal;
      expect(
        fetches.findIndex((fetch) => fetch.signal === ownedSignal),
        `${where}: owned fetch`,
      ).toBe(model.owned?.index);
    }
    callers.forEach((caller, index) => {
      if (caller.status === 'resolved' && before[index] !== 'resolved') {
        expect(clock.now() - bornAt.get(caller.value)!, `${where}: age of a served value`).toBeLessThan(ttl);
      }
    });
    const fresh = cache.tryGet();
    if (fresh !== undefined) expect(clock.now() - bornAt.get(fresh)!).toBeLessThan(ttl - refreshWindow);
    const superseded = model.fetches.flatMap((fetch) =>
      fetch.supersededValue === undefined ? [] : [fetch.supersededValue],
    );
    expect(superseded, `${where}: a superseded result stored`).not.toContain(snapshot.context.value);
  }
  cache.stop();
  // Rejections nobody handles are reported after the microtasks drain.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled, 'unhandled rejections').toEqual([]);
}

describe('the real cache against the independent model', () => {
  it(`should agree on every step of ${NUM_RUNS} random interleavings`, async () => {
    await fc.assert(fc.asyncProperty(scenarioArbitrary, run), { numRuns: NUM_RUNS });
  }, 120_000);

  it('should agree on a background refresh that fails after its previous value expired', async () => {
    await run({
      ttl: 10,
      refreshWindow: 4,
      actions: [
        { kind: 'seed' },
        { kind: 'skip', ms: 7 },
        { kind: 'get', fetch: 'deferred' },
        { kind: 'skip', ms: 5 },
        { kind: 'settle', pick: 0, ok: false, errorObject: true },
        { kind: 'advance', ms: 0 },
        { kind: 'get', fetch: 'deferred' },
      ],
    });
  });
});
