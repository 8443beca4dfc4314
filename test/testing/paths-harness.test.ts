import { describe, expect, it } from 'vitest';
import { backgroundCacheMachine, CacheStoppedError } from '../../src/index.js';
import type { BackgroundCacheMachine } from '../../src/index.js';
import { assertDrivable, createChartModel, describeTransition, unusedFetch } from '../../src/testing/chartModel.js';
import {
  combinedCoverage,
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
  it('should use the default lifetimes and no policy, and start every path from a new cache', () => {
    const { options, paths } = getCachePaths();
    expect(options).toEqual(DEFAULT_PATH_TIMES);
    expect(paths.every((path) => path.steps[0]!.at === 0)).toBe(true);
  });

  it('should put the boundaries of the given lifetimes and policy into the steps, and hand the policy on', () => {
    const policy = { retry: 1, retryDelay: 20, fetchTimeout: 40, errorTtl: 20 };
    const { options, paths } = getCachePaths({ ...times, ...policy, equals: Object.is });
    expect(options).toEqual({ ...times, ...policy, equals: Object.is });
    const steps = paths.flatMap((path) => path.steps);
    const at = new Set(steps.map((step) => step.at));
    expect(at).toContain(80);
    expect(at).toContain(100);
    const boundaries = new Set(steps.flatMap((step) => (step.type === 'advanceTo' ? [step.boundary] : [])));
    expect([...boundaries].sort()).toEqual(['errorTtl', 'expireAfter', 'fetchTimeout', 'refreshAfter', 'retryDelay']);
    expect(new Set(steps.map((step) => step.type))).toEqual(
      new Set([
        'get',
        'throwFromFetch',
        'refresh',
        'seed',
        'invalidate',
        'stop',
        'advanceTo',
        'resolveFetch',
        'rejectFetch',
      ]),
    );
    const ages = new Set(steps.flatMap((step) => (step.type === 'seed' ? [step.age] : [])));
    expect([...ages].sort((a, b) => a - b)).toEqual([0, 79, 80, 100]);
  }, 30_000);

  it('should leave an option given as undefined at its default', () => {
    expect(getCachePaths({ ttl: undefined, retry: undefined }).options).toEqual(DEFAULT_PATH_TIMES);
  });

  it('should throw a RangeError naming the option for numbers out of bounds, a TypeError for a function policy', () => {
    expect(() => getCachePaths({ ttl: 0 })).toThrow(/`ttl`/);
    expect(() => getCachePaths({ ttl: 10, refreshWindow: 10 })).toThrow(RangeError);
    expect(() => getCachePaths({ fetchTimeout: 0 })).toThrow(/`fetchTimeout`/);
    expect(() => getCachePaths({ retry: 1.5 })).toThrow(RangeError);
    expect(() => getCachePaths({ retry: (() => true) as never })).toThrow(
      new TypeError('Expected `retry` to be a number: paths are generated for a fixed policy, got a function'),
    );
    expect(() => getCachePaths({ retryDelay: (() => 1) as never })).toThrow(/`retryDelay`/);
  });

  it('should report what it cannot cover: without a window no read refreshes in the background', () => {
    const { coverage } = getCachePaths({ ttl: 100, refreshWindow: 0 });
    expect(coverage.states.uncovered).not.toContain('backgroundCache.refreshing.withPrevious');
    expect(coverage.transitions.uncovered).toContain(
      'backgroundCache.current on get [isInRefreshWindow] → backgroundCache.refreshing.withPrevious',
    );
  });

  it('should report the rows a policy does not reach, and cover them together with another', () => {
    const partOne = getCachePaths(times);
    expect(partOne.coverage.states.uncovered).toEqual([
      'backgroundCache.failed',
      'backgroundCache.current.backingOff',
      'backgroundCache.retrying',
      'backgroundCache.retrying.withPrevious',
      'backgroundCache.retrying.withoutPrevious',
    ]);
    const retrying = getCachePaths({ ...times, retry: 1, retryDelay: 20, fetchTimeout: 40, errorTtl: 20 });
    const both = combinedCoverage([partOne, retrying]);
    expect(both.states).toEqual({ covered: 12, total: 12, uncovered: [] });
    expect(both.transitions.covered).toBeGreaterThan(
      Math.max(partOne.coverage.transitions.covered, retrying.coverage.transitions.covered),
    );
  }, 30_000);

  it('should describe each kind of step on one line', () => {
    const steps: CacheStep<string>[] = [
      { type: 'get', at: 1 },
      { type: 'seed', at: 2, value: 'v', age: 0 },
      { type: 'seed', at: 2, value: 'v', age: 80 },
      { type: 'throwFromFetch', at: 3, reason: new TypeError('bad') },
      { type: 'rejectFetch', at: 4, reason: { code: 7 } },
      { type: 'advanceTo', at: 5, boundary: 'refreshAfter' },
      { type: 'refresh', at: 6 },
      { type: 'rejectFetch', at: 7, reason: new DOMException('slow', 'TimeoutError') },
    ];
    expect(steps.map(describeStep)).toEqual([
      'get @1',
      'seed("v") @2',
      'seed("v", age 80) @2',
      'throwFromFetch(TypeError("bad")) @3',
      'rejectFetch({"code":7}) @4',
      'advanceTo(refreshAfter) @5',
      'refresh @6',
      'rejectFetch(TimeoutError("slow")) @7',
    ]);
  });
});

describe('the path model', () => {
  it('should fail loudly on an event of the chart it cannot drive', () => {
    expect(() => assertDrivable('poke', 'backgroundCache.current')).toThrow(
      'getCachePaths cannot drive the event "poke" that backgroundCache.current accepts',
    );
    for (const event of ['get', 'refresh', 'seed', 'invalidate', 'fetch.done', 'fetch.error', 'xstate.after.x.y']) {
      expect(() => assertDrivable(event, 'backgroundCache')).not.toThrow();
    }
  });

  it('should never run a fetch, start from a new cache, and persist its vertices as they are', () => {
    expect(() => unusedFetch()).toThrow(/never runs fetches/);
    const model = createChartModel(backgroundCacheMachine as unknown as BackgroundCacheMachine<string>, {
      ...times,
      createValue: (name) => name,
    });
    expect(model.logic.getInitialSnapshot({} as never, undefined)).toBe(model.initial);
    expect(model.logic.getPersistedSnapshot(model.initial)).toBe(model.initial);
    expect(model.initial).toMatchObject({ now: 0, fetches: 0, steps: [], chart: { value: 'empty' } });
  });

  it('should label transitions by source, event, guard and target; a targetless one stays put', () => {
    const current = backgroundCacheMachine.getStateNodeById('backgroundCache.current');
    expect(current.transitions.get('get')!.map(describeTransition)).toEqual([
      'backgroundCache.current on get [isExpired and isBackingOff] → backgroundCache.failed',
      'backgroundCache.current on get [isExpired] → backgroundCache.refreshing.withoutPrevious',
      'backgroundCache.current on get [isBackingOff] → backgroundCache.current',
      'backgroundCache.current on get [isInRefreshWindow] → backgroundCache.refreshing.withPrevious',
    ]);
    expect(describeTransition({ source: current, eventType: 'poke', target: undefined } as never)).toBe(
      'backgroundCache.current on poke → backgroundCache.current',
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
    expect(cacheSeen!.peek()).toEqual({ state: 'empty', value: undefined, error: undefined });
    // This subject gives no `fetch` for the cache's option: refresh() fails with the TypeError that says so.
    await expect(cacheSeen!.refresh()).rejects.toThrow(
      new TypeError("The subject gives no `fetch`: the cache's `fetch` option has nothing to call"),
    );
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

describe('createCacheTestHarness, v2 steps and options', () => {
  it("should run refresh steps with the cache's fetch option and seeds with an age, on the policy given", async () => {
    const harness = createCacheTestHarness({ ...times, retry: 1, retryDelay: 5, errorTtl: 7 });
    expect(await harness.apply({ type: 'seed', at: 0, value: 'old', age: 85 })).toMatchObject({
      state: { current: 'stale' },
      tryGet: undefined,
    });
    expect(await harness.apply({ type: 'refresh', at: 1 })).toMatchObject({
      state: { refreshing: 'withPrevious' },
      fetches: 1,
      callers: [{ status: 'waiting' }],
    });
    const first = new Error('first');
    expect(await harness.apply({ type: 'rejectFetch', at: 1, reason: first })).toMatchObject({
      state: { retrying: 'withPrevious' },
    });
    expect(harness.clock.nextDueAt).toBe(6);
    expect(await harness.apply({ type: 'advanceTo', at: 6, boundary: 'retryDelay' })).toMatchObject({
      state: { refreshing: 'withPrevious' },
      fetches: 2,
    });
    expect(await harness.apply({ type: 'resolveFetch', at: 6, value: 'new' })).toMatchObject({
      state: { current: 'fresh' },
      tryGet: 'new',
      callers: [{ status: 'resolved', value: 'new' }],
    });
    // The view handed to a subject is the same cache.
    expect(harness.cache.peek()).toEqual({ state: { current: 'fresh' }, value: 'new', error: undefined });
  });

  it('should match a fetch timeout by its kind and message: the cache makes its own TimeoutError', async () => {
    const harness = createCacheTestHarness({ ...times, fetchTimeout: 10 });
    await harness.apply({ type: 'get', at: 0 });
    const observed = await harness.apply({ type: 'advanceTo', at: 10, boundary: 'fetchTimeout' });
    const timeout = new DOMException('The fetch did not settle within fetchTimeout (10 ms)', 'TimeoutError');
    const expected = { ...observed, callers: [{ status: 'rejected' as const, reason: timeout }] };
    expect(observed.callers[0]).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } });
    expect(differencesFrom(expected, observed)).toEqual([]);
    const other = new DOMException('The fetch did not settle within fetchTimeout (11 ms)', 'TimeoutError');
    expect(differencesFrom({ ...expected, callers: [{ status: 'rejected', reason: other }] }, observed)).toHaveLength(
      1,
    );
  });

  it('should refresh through your subject: its own refresh(), or the cache with its fetch; neither is an error', async () => {
    const own = createCacheTestHarness<string>({
      ...times,
      subject: () => ({
        read: () => Promise.resolve('read'),
        refresh: () => Promise.resolve('refreshed by your code'),
        resolveFetch: () => {},
        rejectFetch: () => {},
      }),
    });
    expect((await own.apply({ type: 'refresh', at: 0 })).callers).toEqual([
      { status: 'resolved', value: 'refreshed by your code' },
    ]);

    const responses: ReturnType<typeof defer<string>>[] = [];
    const viaFetch = createCacheTestHarness<string>({
      ...times,
      subject: (cache) => ({
        read: () => cache.get({}),
        fetch: () => {
          const response = defer<string>();
          responses.push(response);
          return response.promise;
        },
        resolveFetch: (value) => responses.at(-1)!.resolve(value),
        rejectFetch: (reason) => responses.at(-1)!.reject(reason),
      }),
    });
    expect(await viaFetch.apply({ type: 'refresh', at: 0 })).toMatchObject({ fetches: 1 });
    expect(await viaFetch.apply({ type: 'get', at: 0 })).toMatchObject({ fetches: 1 });
    expect(await viaFetch.apply({ type: 'resolveFetch', at: 0, value: 'v' })).toMatchObject({
      callers: [
        { status: 'resolved', value: 'v' },
        { status: 'resolved', value: 'v' },
      ],
    });

    const neither = createCacheTestHarness<string>({
      ...times,
      subject: () => ({ read: () => Promise.resolve('read'), resolveFetch: () => {}, rejectFetch: () => {} }),
    });
    await expect(neither.apply({ type: 'refresh', at: 0 })).rejects.toThrow(
      'A refresh step needs the subject to give `refresh()` or `fetch`',
    );
  });
});

describe('differencesFrom', () => {
  it('should compare values with `equals` when given, tryGet() included', () => {
    const equals = (a: { id: number }, b: { id: number }) => a.id === b.id;
    const want = observation({
      tryGet: { id: 1 } as never,
      callers: [{ status: 'resolved', value: { id: 1 } as never }],
    });
    const got = observation({
      tryGet: { id: 1 } as never,
      callers: [{ status: 'resolved', value: { id: 1 } as never }],
    });
    expect(differencesFrom(want, got)).toEqual([
      'tryGet(): expected {"id":1}, got {"id":1}',
      'caller 1: expected resolved {"id":1}, got resolved {"id":1}',
    ]);
    expect(differencesFrom<{ id: number }>(want as never, got as never, { equals })).toEqual([]);
    expect(differencesFrom<{ id: number }>(observation() as never, got as never, { equals })).toEqual([
      'tryGet(): expected undefined, got {"id":1}',
      'callers: expected 0, got 1',
    ]);
  });

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
