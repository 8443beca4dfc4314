/**
 * The seven scenarios of issue 5. Each takes the subjects and a size, runs
 * them side by side (see `harness.ts`) and returns one number per subject per
 * round. They check what they measure (the value served, one fetch per
 * flight, a refresh that lands) and throw if a subject misbehaves, so that a
 * fast number is never a wrong one.
 */
import { alternate, collectGarbage, heapUsed, median, nsPerCall, sleep } from './harness.js';
import type { MicroSettings, RoundSamples } from './harness.js';
import type { BenchCache, BenchSubject, Lifetimes, Value } from './subjects.js';

/** How long values live in the scenarios that never leave "fresh". */
export const LONG_LIFETIMES: Lifetimes = { ttl: 3_600_000, refreshWindow: 600_000 };

/**
 * How scenarios (c) and (e) move time: by default real time passes (real
 * timers fire, as users get them); a test hands in a simulated clock instead.
 */
export interface TimeControl {
  /** Lets `ms` of the subjects' time pass, firing their timers. */
  pass(ms: number): Promise<void>;
  /** The subject's cache with these lifetimes, on this time. */
  create(subject: BenchSubject, lifetimes: Lifetimes): BenchCache;
}

export const realTime: TimeControl = {
  pass: (ms) => sleep(ms),
  create: (subject, lifetimes) => subject.create(lifetimes),
};

const SEEDED: Value = 1;
const REFRESHED: Value = 2;

function expectValue(subject: BenchSubject, scenario: string, actual: unknown, expected: Value): void {
  if (actual !== expected) {
    throw new Error(`${subject.name}, ${scenario}: expected ${expected}, got ${String(actual)}`);
  }
}

/** A fetch that resolves at once with `value`, counting its calls. */
function countingFetch(value: Value): { (): Promise<Value>; calls: number } {
  const fetch = Object.assign(
    () => {
      fetch.calls++;
      return Promise.resolve(value);
    },
    { calls: 0 },
  );
  return fetch;
}

/** (a) A fresh hit: `await cache.get(fetch)` on a seeded cache. */
export function freshHit(
  subjects: readonly BenchSubject[],
  rounds: number,
  micro: MicroSettings,
): Promise<RoundSamples> {
  return alternate(subjects, rounds, async (subject) => {
    const cache = subject.create(LONG_LIFETIMES);
    cache.seed(SEEDED);
    const fetch = countingFetch(REFRESHED);
    expectValue(subject, 'fresh hit', await cache.get(fetch), SEEDED);
    const ns = await nsPerCall(() => cache.get(fetch), micro);
    expectValue(subject, 'fresh hit: fetches', fetch.calls, 0);
    cache.stop();
    return ns;
  });
}

/** (b) `tryGet()` on a seeded cache. */
export function tryGetHit(
  subjects: readonly BenchSubject[],
  rounds: number,
  micro: MicroSettings,
): Promise<RoundSamples> {
  return alternate(subjects, rounds, async (subject) => {
    const cache = subject.create(LONG_LIFETIMES);
    cache.seed(SEEDED);
    expectValue(subject, 'tryGet', cache.tryGet(), SEEDED);
    const ns = await nsPerCall(() => cache.tryGet(), micro);
    cache.stop();
    return ns;
  });
}

/** Sizes of the window scenarios. */
export interface WindowSettings {
  /** Caches brought into their refresh window together, each read once and timed on its own. */
  cachesPerWave: number;
  /** Waves per round: each round's number is the median of `cachesPerWave * waves` timings. */
  waves: number;
  /** `ttl - refreshWindow`: how long a seeded value stays fresh, in ms of the subject's time. */
  freshForMs: number;
}

/**
 * Caches whose seeded value has entered its refresh window: time has passed
 * and their timers have fired, so ours sits in `current.stale`.
 */
async function cachesInWindow(
  subject: BenchSubject,
  time: TimeControl,
  { cachesPerWave, freshForMs }: WindowSettings,
): Promise<BenchCache[]> {
  const lifetimes: Lifetimes = { ttl: 3_600_000, refreshWindow: 3_600_000 - freshForMs };
  const created = Array.from({ length: cachesPerWave }, () => time.create(subject, lifetimes));
  for (const cache of created) cache.seed(SEEDED);
  await time.pass(freshForMs + 1);
  for (const cache of created) {
    if (cache.tryGet() !== undefined) throw new Error(`${subject.name}: the seeded value did not leave "fresh"`);
  }
  collectGarbage();
  return created;
}

/**
 * Times `operation` once on each cache of each wave (the caches brought into
 * their window first, untimed) and returns the median in ns.
 */
async function timeInWindow(
  subject: BenchSubject,
  settings: WindowSettings,
  time: TimeControl,
  operation: (cache: BenchCache) => Promise<void>,
  afterWave: () => Promise<void>,
): Promise<number> {
  const samples: number[] = [];
  for (let wave = 0; wave < settings.waves; wave++) {
    const caches = await cachesInWindow(subject, time, settings);
    for (const cache of caches) {
      const t0 = performance.now();
      await operation(cache);
      samples.push((performance.now() - t0) * 1e6);
    }
    await afterWave();
    for (const cache of caches) cache.stop();
  }
  return median(samples);
}

/**
 * (c) A read in the refresh window: the value at once, one refresh started.
 * The refreshes are held open while timing, so only the read and the start
 * of the refresh are measured; they land after the wave.
 */
export function windowRead(
  subjects: readonly BenchSubject[],
  rounds: number,
  settings: WindowSettings,
  time: TimeControl = realTime,
): Promise<RoundSamples> {
  return alternate(subjects, rounds, async (subject) => {
    let release: (value: Value) => void = () => {};
    let calls = 0;
    let held = Promise.resolve(REFRESHED);
    const fetch = (): Promise<Value> => {
      calls++;
      return held;
    };
    const hold = () => {
      held = new Promise<Value>((resolve) => (release = resolve));
    };
    hold();
    const ns = await timeInWindow(
      subject,
      settings,
      time,
      async (cache) => expectValue(subject, 'window read', await cache.get(fetch), SEEDED),
      async () => {
        release(REFRESHED);
        await sleep(0);
        hold();
      },
    );
    expectValue(subject, 'window read: refreshes started', calls, settings.cachesPerWave * settings.waves);
    return ns;
  });
}

/** Microtask turns a refresh may take to land before the scenario calls it lost. */
const MAX_TURNS_TO_LAND = 1_000;

/**
 * (e) One full refresh cycle: from the refresh window, a read starts the
 * refresh (stale to refreshing), the fetch resolves and the new value is
 * stored (refreshing to fresh). Timed until the new value is stored (seen by
 * peeking, so that a slow machine cannot age it past "fresh" first).
 */
export function refreshCycle(
  subjects: readonly BenchSubject[],
  rounds: number,
  settings: WindowSettings,
  time: TimeControl = realTime,
): Promise<RoundSamples> {
  return alternate(subjects, rounds, async (subject) => {
    const fetch = countingFetch(REFRESHED);
    const ns = await timeInWindow(
      subject,
      settings,
      time,
      async (cache) => {
        expectValue(subject, 'refresh cycle', await cache.get(fetch), SEEDED);
        let turns = 0;
        while (subject.peek(cache) !== REFRESHED) {
          if (++turns > MAX_TURNS_TO_LAND) throw new Error(`${subject.name}: the refresh never landed`);
          await Promise.resolve();
        }
      },
      () => Promise.resolve(),
    );
    expectValue(subject, 'refresh cycle: fetches', fetch.calls, settings.cachesPerWave * settings.waves);
    return ns;
  });
}

/**
 * (d) Cold single flight: `callers` concurrent `get()` on an empty cache,
 * one fetch. Returns the total time in ns, until every caller has the value.
 */
export function coldSingleFlight(
  subjects: readonly BenchSubject[],
  rounds: number,
  callers: number,
): Promise<RoundSamples> {
  return alternate(subjects, rounds, async (subject) => {
    const cache = subject.create(LONG_LIFETIMES);
    const fetch = countingFetch(REFRESHED);
    const pending: Promise<Value>[] = new Array<Promise<Value>>(callers);
    const t0 = performance.now();
    for (let i = 0; i < callers; i++) pending[i] = cache.get(fetch);
    const values = await Promise.all(pending);
    const ns = (performance.now() - t0) * 1e6;
    expectValue(subject, 'cold single flight: fetches', fetch.calls, 1);
    if (values.some((value) => value !== REFRESHED)) throw new Error(`${subject.name}: a caller got the wrong value`);
    cache.stop();
    return ns;
  });
}

/** (f) Heap bytes per seeded cache, over `instances` caches alive at once. */
export function heapPerInstance(
  subjects: readonly BenchSubject[],
  rounds: number,
  instances: number,
): Promise<RoundSamples> {
  return alternate(subjects, rounds, (subject) => {
    const before = heapUsed();
    const caches: BenchCache[] = new Array<BenchCache>(instances);
    for (let i = 0; i < instances; i++) {
      const cache = subject.create(LONG_LIFETIMES);
      cache.seed(SEEDED);
      caches[i] = cache;
    }
    const bytes = (heapUsed() - before) / instances;
    for (const cache of caches) cache.stop();
    return Promise.resolve(bytes);
  });
}

/** What (g) reports: heap growth over the cycles, and their speed. */
export interface CycleOutcome {
  heapGrowthBytes: number;
  nsPerCycle: number;
}

/**
 * (g) `cycles` get / invalidate / seed cycles on one cache: each cycle
 * invalidates, reads (a fetch, since the cache is empty: a flight is made,
 * settled and stored) and seeds. Heap is measured after a warm-up and after
 * the cycles.
 */
export async function churn(subject: BenchSubject, cycles: number): Promise<CycleOutcome> {
  const cache = subject.create(LONG_LIFETIMES);
  const fetch = countingFetch(REFRESHED);
  const cycle = async (i: number): Promise<void> => {
    cache.invalidate();
    expectValue(subject, 'churn: fetched', await cache.get(fetch), REFRESHED);
    cache.seed(i);
  };
  const warmUp = Math.min(10_000, cycles);
  for (let i = 0; i < warmUp; i++) await cycle(i);
  const before = heapUsed();
  const t0 = performance.now();
  for (let i = 0; i < cycles; i++) await cycle(i);
  const nsPerCycle = ((performance.now() - t0) * 1e6) / cycles;
  const heapGrowthBytes = heapUsed() - before;
  expectValue(subject, 'churn: fetches', fetch.calls, warmUp + cycles);
  expectValue(subject, 'churn: last seed', cache.tryGet(), cycles - 1);
  cache.stop();
  return { heapGrowthBytes, nsPerCycle };
}
