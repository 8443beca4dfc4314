import { describe, expect, it } from 'vitest';
import { backgroundCacheMachine, CacheStoppedError } from '../../src/index.js';
import type { BackgroundCacheMachine } from '../../src/index.js';
import { assertDrivable, createChartModel, describeTransition, unusedFetch } from '../../src/testing/chartModel.js';
import {
  createCacheTestHarness,
  DEFAULT_PATH_TIMES,
  describeStep,
  differencesFrom,
  getCachePaths,
  TestClock,
} from '../../src/testing/index.js';
import type { CacheObservation, CachePathStep, CacheStep, CacheTestSubject } from '../../src/testing/index.js';
import { defer } from '../helpers.js';

const times = { ttl: 100, refreshWindow: 20 };

const observation = (overrides: Partial<CacheObservation<string>> = {}): CacheObservation<string> => ({
  state: 'empty',
  status: 'active',
  tryGet: undefined,
  fetches: 0,
  callers: [],
  ...overrides,
});

describe('TestClock', () => {
  it('should fire due timers in order of due time, then of arming, each at its own time', () => {
    const clock = new TestClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push('late'), 50);
    clock.advanceTo(30);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers).toBe(1);
  });

  it('should fire a timer armed while firing when it falls due before the end', () => {
    const clock = new TestClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 10);
    clock.advanceTo(15);
    expect(fired).toEqual([10, 15]);
  });

  it('should leave timers late when skipping, and fire them at the current time later', () => {
    const clock = new TestClock();
    const fired: number[] = [];
    const handle = clock.setTimeout(() => fired.push(clock.now()), 10);
    clock.setTimeout(() => fired.push(clock.now()), 12);
    clock.clearTimeout(handle);
    clock.skipTo(40);
    expect(fired).toEqual([]);
    clock.advanceTo(40);
    expect(fired).toEqual([40]);
  });

  it('should refuse to move back in time', () => {
    const clock = new TestClock();
    clock.skipTo(10);
    expect(() => clock.skipTo(5)).toThrow(RangeError);
    expect(() => clock.advanceTo(Number.NaN)).toThrow(/Expected a time >= the clock's now \(10\), got NaN/);
  });
});

describe('getCachePaths', () => {
  it('should use the default lifetimes and start every path from a new cache', () => {
    const { options, paths } = getCachePaths();
    expect(options).toEqual(DEFAULT_PATH_TIMES);
    expect(paths.every((path) => path.steps[0]!.at === 0)).toBe(true);
  });

  it('should put the boundaries of the given lifetimes into the steps', () => {
    const { options, paths } = getCachePaths(times);
    expect(options).toEqual(times);
    const times_ = new Set(paths.flatMap((path) => path.steps.map((step) => step.at)));
    expect(times_).toContain(80);
    expect(times_).toContain(100);
  });

  it('should throw a RangeError naming the option for lifetimes out of bounds', () => {
    expect(() => getCachePaths({ ttl: 0 })).toThrow(/`ttl`/);
    expect(() => getCachePaths({ ttl: 10, refreshWindow: 10 })).toThrow(RangeError);
  });

  it('should report what it cannot cover: nothing is stale or refreshed in the background without a window', () => {
    const { coverage } = getCachePaths({ ttl: 100, refreshWindow: 0 });
    expect(coverage.states.uncovered).toEqual([
      'backgroundCache.current.stale',
      'backgroundCache.refreshing.withPrevious',
    ]);
    expect(coverage.states.covered).toBe(coverage.states.total - 2);
    expect(coverage.transitions.uncovered.length).toBeGreaterThan(0);
    expect(coverage.transitions.uncovered.every((label) => /stale|withPrevious/.test(label))).toBe(true);
  });

  it('should describe each kind of step on one line', () => {
    const steps: CacheStep<string>[] = [
      { type: 'get', at: 1 },
      { type: 'seed', at: 2, value: 'v' },
      { type: 'throwFromFetch', at: 3, reason: new TypeError('bad') },
      { type: 'rejectFetch', at: 4, reason: { code: 7 } },
      { type: 'advanceTo', at: 5, boundary: 'refreshAfter' },
    ];
    expect(steps.map(describeStep)).toEqual([
      'get @1',
      'seed("v") @2',
      'throwFromFetch(TypeError("bad")) @3',
      'rejectFetch({"code":7}) @4',
      'advanceTo(refreshAfter) @5',
    ]);
  });
});

describe('the path model', () => {
  it('should fail loudly on an event of the chart it cannot drive', () => {
    expect(() => assertDrivable('refresh', 'backgroundCache.current')).toThrow(
      'getCachePaths cannot drive the event "refresh" that backgroundCache.current accepts',
    );
    expect(() => assertDrivable('xstate.done.actor.fetch', 'backgroundCache.refreshing')).not.toThrow();
  });

  it('should never run a fetch, start from a new cache, and persist its vertices as they are', () => {
    expect(() => unusedFetch()).toThrow(/never runs fetches/);
    const model = createChartModel(backgroundCacheMachine as unknown as BackgroundCacheMachine<string>, times);
    expect(model.logic.getInitialSnapshot({} as never, undefined)).toBe(model.initial);
    expect(model.logic.getPersistedSnapshot(model.initial)).toBe(model.initial);
    expect(model.initial).toMatchObject({ now: 0, fetches: 0, steps: [], chart: { value: 'empty' } });
  });

  it('should label transitions by source, event, guard and target; a targetless one stays put', () => {
    const fresh = backgroundCacheMachine.getStateNodeById('backgroundCache.current.fresh');
    expect(fresh.transitions.get('get')!.map(describeTransition)).toEqual([
      'backgroundCache.current.fresh on get [isExpired] → backgroundCache.refreshing.withoutPrevious',
      'backgroundCache.current.fresh on get [isInRefreshWindow] → backgroundCache.refreshing.withPrevious',
    ]);
    expect(describeTransition({ source: fresh, eventType: 'poke', target: undefined } as never)).toBe(
      'backgroundCache.current.fresh on poke → backgroundCache.current.fresh',
    );
  });
});

describe('createCacheTestHarness', () => {
  it('should replay a generated path and tell what callers see', async () => {
    const { options, paths } = getCachePaths(times);
    const path = paths.find((candidate) => candidate.steps.some((step) => step.type === 'resolveFetch'))!;
    const harness = createCacheTestHarness(options);
    await harness.replay(path);
    expect(harness.observe()).toEqual(path.steps.at(-1)!.expected);
  });

  it('should throw, naming the step and every difference, when the cache disagrees', async () => {
    const harness = createCacheTestHarness(times);
    const step: CachePathStep<string> = {
      type: 'get',
      at: 0,
      transitions: [],
      expected: observation({ tryGet: 'x', fetches: 2, callers: [{ status: 'resolved', value: 'x' }] }),
    };
    await expect(harness.check(step)).rejects.toThrow(
      [
        'After get @0:',
        '  state: expected "empty", got {"refreshing":"withoutPrevious"}',
        '  fetches started: expected 2, got 1',
        '  tryGet(): expected "x", got undefined',
        '  caller 1: expected resolved "x", got waiting',
      ].join('\n'),
    );
  });

  it('should name the path and the step number when a replay fails', async () => {
    const harness = createCacheTestHarness(times);
    const path = {
      description: 'invalidate @0',
      steps: [{ type: 'invalidate', at: 0, transitions: [], expected: observation({ status: 'stopped' }) }],
    } satisfies { description: string; steps: CachePathStep<string>[] };
    await expect(harness.replay(path)).rejects.toThrow(/^Step 1 of invalidate @0\nAfter invalidate @0:\n {2}status/);
  });

  it('should reject an unknown step and a settle with no fetch started', async () => {
    const harness = createCacheTestHarness(times);
    await expect(harness.apply({ type: 'jump', at: 0 } as unknown as CacheStep<string>)).rejects.toThrow(
      new TypeError('Unknown step type "jump"'),
    );
    await expect(harness.apply({ type: 'resolveFetch', at: 0, value: 'v' })).rejects.toThrow(
      'No fetch has started: nothing to settle',
    );
    await expect(harness.apply({ type: 'rejectFetch', at: 0, reason: 'r' })).rejects.toThrow('nothing to settle');
  });

  it('should drive your code through a subject, counting the fetches it starts', async () => {
    const responses: ReturnType<typeof defer<string>>[] = [];
    let cacheSeen: Parameters<NonNullable<Parameters<typeof createCacheTestHarness<string>>[0]['subject']>>[0];
    const subject = (cache: typeof cacheSeen): CacheTestSubject<string> => {
      cacheSeen = cache;
      return {
        read: () =>
          cache.get(() => {
            const response = defer<string>();
            responses.push(response);
            return response.promise.then((body) => body.toUpperCase());
          }),
        resolveFetch: (value) => responses.at(-1)!.resolve(value),
        // A layer that wraps failures: the reason arrives as its message.
        rejectFetch: (reason) => responses.at(-1)!.reject(new Error(String((reason as Error).message))),
      };
    };
    const harness = createCacheTestHarness<string>({
      ...times,
      subject,
      matchReason: (actual, expected) => (actual as Error).message === (expected as Error).message,
    });

    expect(await harness.apply({ type: 'get', at: 0 })).toMatchObject({ fetches: 1, callers: [{ status: 'waiting' }] });
    expect(await harness.apply({ type: 'resolveFetch', at: 0, value: 'schema' })).toMatchObject({
      tryGet: 'SCHEMA',
      callers: [{ status: 'resolved', value: 'SCHEMA' }],
    });
    expect(await harness.apply({ type: 'throwFromFetch', at: 90, reason: 'boom' })).toMatchObject({
      state: { current: 'stale' },
      fetches: 2,
      callers: [{ status: 'resolved' }, { status: 'resolved', value: 'SCHEMA' }],
    });
    await harness.apply({ type: 'get', at: 100 });
    const failure = new Error('down');
    await harness.check({
      type: 'rejectFetch',
      at: 100,
      reason: failure,
      transitions: [],
      expected: observation({
        fetches: 3,
        callers: [
          { status: 'resolved', value: 'SCHEMA' },
          { status: 'resolved', value: 'SCHEMA' },
          { status: 'rejected', reason: failure },
        ],
      }),
    });

    // The cache your code receives is the harness's, with the usual methods.
    cacheSeen!.seed('seeded');
    expect(cacheSeen!.tryGet()).toBe('seeded');
    cacheSeen!.invalidate();
    expect(harness.observe().state).toBe('empty');
    await expect(cacheSeen!.get(42 as never)).rejects.toThrow(TypeError);
    cacheSeen![Symbol.dispose]();
    cacheSeen!.stop();
    expect(cacheSeen!.actor.getSnapshot().status).toBe('stopped');
  });

  it('should settle your fetch even when your subject started none through the cache', async () => {
    const harness = createCacheTestHarness<string>({
      ...times,
      subject: () => ({ read: () => Promise.resolve('direct'), resolveFetch: () => {}, rejectFetch: () => {} }),
    });
    expect(await harness.apply({ type: 'resolveFetch', at: 0, value: 'v' })).toEqual(observation());
  });
});

describe('differencesFrom', () => {
  it('should find nothing when observations agree, by identity for values and reasons', () => {
    const reason = new Error('r');
    const value = { v: 1 };
    const same = observation({
      tryGet: 'v',
      callers: [{ status: 'resolved', value: 'v' }, { status: 'rejected', reason }, { status: 'waiting' }],
    });
    expect(differencesFrom(same, { ...same })).toEqual([]);
    expect(
      differencesFrom(observation({ tryGet: value as never }), observation({ tryGet: { v: 1 } as never })),
    ).toEqual(['tryGet(): expected {"v":1}, got {"v":1}']);
  });

  it('should match any CacheStoppedError for a stopped cache, and report each mismatch', () => {
    const stopped = observation({ callers: [{ status: 'rejected', reason: new CacheStoppedError() }] });
    expect(
      differencesFrom(stopped, observation({ callers: [{ status: 'rejected', reason: new CacheStoppedError() }] })),
    ).toEqual([]);
    expect(
      differencesFrom(stopped, observation({ callers: [{ status: 'rejected', reason: new Error('x') }] })),
    ).toEqual([
      'caller 1: expected rejected CacheStoppedError: The cache is stopped: get() cannot start or join a fetch after stop(), got rejected Error: x',
    ]);
    expect(
      differencesFrom(
        observation({ callers: [{ status: 'waiting' }, { status: 'rejected', reason: 'a' }] }),
        observation({ callers: [{ status: 'resolved', value: 'v' }] }),
      ),
    ).toEqual(['callers: expected 2, got 1', 'caller 1: expected waiting, got resolved "v"']);
    expect(
      differencesFrom(
        observation({ callers: [{ status: 'rejected', reason: 'a' }] }),
        observation({ callers: [{ status: 'rejected', reason: 'b' }] }),
      ),
    ).toEqual(['caller 1: expected rejected "a", got rejected "b"']);
  });
});
