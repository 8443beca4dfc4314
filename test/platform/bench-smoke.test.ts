/**
 * The benchmarks, run with tiny sizes so that they never rot (the real run is
 * `npm run bench`), and the check that gives their ratios a meaning: the
 * hand-written floor behaves like the cache on the scenarios they time.
 */
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { backgroundCacheMachine, createBackgroundCache } from '../../src/index.js';
import type { FetchFn } from '../../src/index.js';
import { createActor, SimulatedClock } from 'xstate';
import { measureChartSteps, xstateSkeleton } from '../../bench/chartSteps.js';
import { createFloorCache } from '../../bench/floorCache.js';
import type { SameSemanticsCache } from '../../bench/floorCache.js';
import { renderTable, scenarioRow } from '../../bench/report.js';
import {
  churn,
  coldSingleFlight,
  freshHit,
  heapPerInstance,
  refreshCycle,
  tryGetHit,
  windowRead,
} from '../../bench/scenarios.js';
import type { TimeControl } from '../../bench/scenarios.js';
import { allSubjects, floor, ours } from '../../bench/subjects.js';
import type { BenchSubject, Lifetimes } from '../../bench/subjects.js';
import { controlledFetch, flush, ManualClock } from '../helpers.js';

const TINY_MICRO = { cpuTimeMs: 1, batchSamples: 16 };

/** Every subject got one finite number per round. */
function expectNumbers(samples: Map<BenchSubject, number[]>, subjects: readonly BenchSubject[], rounds: number): void {
  expect([...samples.keys()]).toEqual(expect.arrayContaining([...subjects]));
  for (const subject of subjects) {
    const values = samples.get(subject)!;
    expect(values, subject.name).toHaveLength(rounds);
    for (const value of values) expect(Number.isFinite(value), `${subject.name}: ${value}`).toBe(true);
  }
}

/** Simulated time for the window scenarios: ours and the floor on one ManualClock. */
function manualTime(): TimeControl {
  const clock = new ManualClock();
  return {
    pass: (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    },
    create: (subject, lifetimes: Lifetimes) =>
      subject === ours
        ? createBackgroundCache<number>({ ...lifetimes, clock })
        : createFloorCache<number>({ ...lifetimes, clock }),
  };
}

// Real measurements (mitata, heap, churn), however tiny: a timeout well above what they take on a loaded machine.
describe('the benchmark scenarios, at tiny sizes', { timeout: 30_000 }, () => {
  it('should time a fresh hit and tryGet() for every subject', async () => {
    expectNumbers(await freshHit(allSubjects, 1, TINY_MICRO), allSubjects, 1);
    expectNumbers(await tryGetHit(allSubjects, 1, TINY_MICRO), allSubjects, 1);
  });

  it('should time a window read and a refresh cycle for ours and the floor, on simulated time', async () => {
    const settings = { cachesPerWave: 5, waves: 2, freshForMs: 10 };
    expectNumbers(await windowRead([ours, floor], 2, settings, manualTime()), [ours, floor], 2);
    expectNumbers(await refreshCycle([ours, floor], 2, settings, manualTime()), [ours, floor], 2);
  });

  it("should time the chart's own steps of a refresh and XState's skeleton of them, as the single and the keyed cache step it", () => {
    for (const mode of ['actor', 'table'] as const) {
      for (const which of ['cache', 'skeleton'] as const) {
        // It throws unless the three steps end where a refresh ends, in `current.fresh`.
        const steps = measureChartSteps(mode, 1, 20, which);
        for (const ns of [steps.intoWindow, steps.read, steps.landing]) expect(ns).toBeGreaterThan(0);
      }
    }
  });

  it("should take XState's skeleton through the states the chart takes on a refresh, with the same timers", () => {
    const clock = new SimulatedClock();
    const input = { ttl: 100, refreshWindow: 40, now: () => clock.now() };
    const skeleton = createActor(xstateSkeleton, { input, clock }).start();
    const chart = createActor(backgroundCacheMachine, { input, clock }).start();
    const both = (event: Parameters<typeof chart.send>[0]): void => {
      skeleton.send(event);
      chart.send(event);
    };
    const states = (): unknown[] => [skeleton.getSnapshot().value, chart.getSnapshot().value];
    both({ type: 'seed', now: clock.now(), value: 1 });
    expect(states()).toEqual([{ current: 'fresh' }, { current: 'fresh' }]);
    clock.increment(60);
    expect(states()).toEqual([{ current: 'stale' }, { current: 'stale' }]);
    both({ type: 'get', now: clock.now(), fetch: () => 2 });
    expect(states()).toEqual([{ refreshing: 'withPrevious' }, { refreshing: 'withPrevious' }]);
    both({ type: 'fetch.done', flight: 1, now: clock.now(), value: 2 });
    expect(states()).toEqual([{ current: 'fresh' }, { current: 'fresh' }]);
    expect(skeleton.getSnapshot().context).toMatchObject({ value: 2, storedAt: 60, flight: 1 });
    clock.increment(60);
    expect(states()).toEqual([{ current: 'stale' }, { current: 'stale' }]);
    clock.increment(40);
    expect(states()).toEqual(['empty', 'empty']);
    skeleton.stop();
    chart.stop();
  });

  it('should time a cold single flight, measure heap per instance and run get/invalidate/seed cycles', async () => {
    expectNumbers(await coldSingleFlight(allSubjects, 1, 50), allSubjects, 1);
    expectNumbers(await heapPerInstance(allSubjects, 1, 20), allSubjects, 1);
    for (const subject of [ours, floor]) {
      const outcome = await churn(subject, 50);
      expect(Number.isFinite(outcome.heapGrowthBytes)).toBe(true);
      expect(outcome.nsPerCycle).toBeGreaterThan(0);
    }
  });

  it('should render the table with a verdict per target', async () => {
    const samples = await tryGetHit([ours, floor], 2, TINY_MICRO);
    const row = scenarioRow(
      { id: 'b', title: 'tryGet()', unit: 'ns/op', targets: [{ kind: 'ratio', to: floor, atMost: 1.5 }] },
      samples,
      ours,
      floor,
    );
    const table = renderTable([row], [ours, floor]);
    expect(table).toMatch(/^\| \(b\) tryGet\(\) +\| ns\/op +\|/m);
    expect(table).toMatch(/<= 1\.5x floor: (met|\*\*missed\*\*) \(\d+\.\d\dx\)/);
    // bench/RESULTS.md is written as rendered: it must pass the project's Prettier check.
    const options = await prettier.resolveConfig('bench/RESULTS.md');
    expect(await prettier.format(table, { ...options, parser: 'markdown' })).toBe(`${table}\n`);
  });
});

type Cache = SameSemanticsCache<string>;
type MakeCache = (clock: ManualClock) => Cache;

const LIFETIMES = { ttl: 1_000, refreshWindow: 200 };
const makeOurs: MakeCache = (clock) => createBackgroundCache<string>({ ...LIFETIMES, clock });
const makeFloor: MakeCache = (clock) => createFloorCache<string>({ ...LIFETIMES, clock });

/** What a caller of `cache` observes: settled promises as values or reasons. */
async function outcome(promise: Promise<string>): Promise<string> {
  try {
    return `value ${await promise}`;
  } catch (reason) {
    return `rejected ${(reason as Error).message}`;
  }
}

/**
 * Scripts that drive a cache through what the benchmarks time, each
 * returning its trace of observations. Both caches must produce the same.
 */
const scripts: Record<string, (make: MakeCache) => Promise<unknown[]>> = {
  'single flight: concurrent gets on an empty cache share one fetch': async (make) => {
    const clock = new ManualClock();
    const cache = make(clock);
    const fetch = controlledFetch<string>();
    const waiting = [cache.get(fetch), cache.get(fetch), cache.get(fetch)];
    const trace: unknown[] = [fetch.calls, cache.tryGet()];
    fetch.resolve('v1');
    trace.push(await Promise.all(waiting.map(outcome)), cache.tryGet());
    cache.stop();
    return trace;
  },

  'the refresh window: the value at once, one background refresh, then the new value': async (make) => {
    const clock = new ManualClock();
    const cache = make(clock);
    cache.seed('old');
    clock.advance(799);
    const fetch = controlledFetch<string>();
    const trace: unknown[] = [await outcome(cache.get(fetch)), fetch.calls];
    clock.advance(1);
    trace.push(cache.tryGet(), await outcome(cache.get(fetch)), fetch.calls);
    trace.push(await outcome(cache.get(fetch)), fetch.calls);
    fetch.resolve('new');
    await flush();
    trace.push(cache.tryGet(), await outcome(cache.get(fetch)), fetch.calls);
    cache.stop();
    return trace;
  },

  'expiry at ttl, timers late or on time': async (make) => {
    const clock = new ManualClock();
    const cache = make(clock);
    cache.seed('old');
    clock.skip(999);
    const fetch = controlledFetch<string>();
    const trace: unknown[] = [await outcome(cache.get(fetch)), fetch.calls];
    fetch.resolve('refreshed');
    await flush();
    clock.skip(1_000);
    const waiting = cache.get(fetch);
    trace.push(fetch.calls, cache.tryGet());
    fetch.resolve('after expiry');
    trace.push(await outcome(waiting), cache.tryGet());
    clock.advance(1_000);
    trace.push(cache.tryGet());
    cache.stop();
    return trace;
  },

  'seed supersedes a fetch in flight: its waiter still gets it, the cache keeps the seed': async (make) => {
    const clock = new ManualClock();
    const cache = make(clock);
    const fetch = controlledFetch<string>();
    const waiting = cache.get(fetch);
    cache.seed('seeded');
    fetch.resolve('superseded');
    const trace: unknown[] = [await outcome(waiting), cache.tryGet(), fetch.signals[0]!.aborted];
    trace.push(await outcome(cache.get(fetch)), fetch.calls);
    cache.stop();
    return trace;
  },

  'invalidate supersedes a refresh nobody waits on: its signal aborts, the next get fetches anew': async (make) => {
    const clock = new ManualClock();
    const cache = make(clock);
    cache.seed('old');
    clock.advance(900);
    const fetch = controlledFetch<string>();
    const trace: unknown[] = [await outcome(cache.get(fetch))];
    cache.invalidate();
    await flush();
    trace.push(fetch.signals[0]!.aborted, cache.tryGet());
    const waiting = cache.get(fetch);
    trace.push(fetch.calls);
    fetch.resolve('ignored');
    fetch.resolve('fresh');
    trace.push(await outcome(waiting), cache.tryGet());
    cache.stop();
    return trace;
  },

  'failures: a failed refresh keeps the previous value; a failed first fetch rejects every waiter': async (make) => {
    const clock = new ManualClock();
    const cache = make(clock);
    cache.seed('old');
    clock.advance(900);
    const fetch = controlledFetch<string>();
    const trace: unknown[] = [await outcome(cache.get(fetch))];
    fetch.reject(new Error('refresh failed'));
    await flush();
    trace.push(await outcome(cache.get(fetch)), fetch.calls);
    fetch.resolve('second refresh');
    await flush();
    trace.push(cache.tryGet());
    cache.invalidate();
    const waiting = [cache.get(fetch), cache.get(fetch)];
    fetch.reject(new Error('first fetch failed'));
    trace.push(await Promise.all(waiting.map(outcome)), fetch.calls, cache.tryGet());
    cache.stop();
    return trace;
  },
};

describe('the floor behaves like the cache', () => {
  for (const [title, script] of Object.entries(scripts)) {
    it(`should match on ${title}`, async () => {
      const expected = await script(makeOurs);
      expect(await script(makeFloor)).toEqual(expected);
    });
  }

  it('should trace what the SPEC says, so that matching means something', async () => {
    expect(await scripts['single flight: concurrent gets on an empty cache share one fetch']!(makeFloor)).toEqual([
      1,
      undefined,
      ['value v1', 'value v1', 'value v1'],
      'v1',
    ]);
    expect(
      await scripts['the refresh window: the value at once, one background refresh, then the new value']!(makeFloor),
    ).toEqual(['value old', 0, undefined, 'value old', 1, 'value old', 1, 'new', 'value new', 1]);
    expect(await scripts['expiry at ttl, timers late or on time']!(makeOurs)).toEqual([
      'value old',
      1,
      2,
      undefined,
      'value after expiry',
      'after expiry',
      undefined,
    ]);
  });

  it('should reject a non-function fetch and refuse service after stop, like the cache', async () => {
    for (const make of [makeOurs, makeFloor]) {
      const cache = make(new ManualClock());
      await expect(cache.get(42 as unknown as FetchFn<string>)).rejects.toThrow(TypeError);
      cache.seed('v');
      cache.stop();
      expect(cache.tryGet()).toBeUndefined();
      await expect(cache.get(() => 'x')).rejects.toThrow(/stopped/);
      cache.stop();
    }
  });
});
