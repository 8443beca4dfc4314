/**
 * What the chart's own steps cost, measured alone, stepped as the caches step
 * it but with nothing else around: no fetch called, no flight, no timer armed.
 * This is the floor of any cache whose every state change is a step of this
 * chart, so the tables print it beside the peers. A refresh of a value in its
 * window takes three steps (SPEC: the delayed move into the window, the read,
 * the landing).
 *
 * - `'actor'`: as the single cache steps it, an XState actor of the chart
 *   (`actor.send`; its scheduler books the delayed events on a clock that
 *   arms nothing).
 * - `'table'`: as the keyed cache steps each key, the chart's
 *   `transition(snapshot, event, scope)` in one scope made once, whose
 *   delayed events and commands go nowhere.
 */
import { assign, createActor, emit, setup } from 'xstate';
import type { ActorLogic, AnyActorScope, EventObject, Snapshot } from 'xstate';
import type { BackgroundCacheEvent } from '../src/index.js';
import { chartFor } from '../src/machine/backgroundCacheMachine.js';
import { createChartScope } from '../src/keyed/xstateSeams.js';
import { median } from './harness.js';

/** Median ns per step of one refresh, each step timed over a batch. */
export interface ChartStepCosts {
  /** `current.fresh` to `current.stale`: the delayed event of `refreshAfter`. */
  intoWindow: number;
  /** `current.stale` to `refreshing.withPrevious`: the read that starts the refresh. */
  read: number;
  /** `refreshing.withPrevious` to `current.fresh`: the fetch's value stored. */
  landing: number;
}

const HOUR = 3_600_000;

/** The chart the benchmarked caches run: they have no `fetchTimeout`. */
const cacheChart = chartFor(undefined);

interface SkeletonContext {
  ttl: number;
  refreshWindow: number;
  value: unknown;
  storedAt: number;
  flight: number;
  now: () => number;
}

/**
 * XState's own floor for a refresh of this chart's shape: the fewest states,
 * timers and actions that SPEC's three steps of a refresh go through, and
 * nothing else. The same ids and state values (`current.fresh`,
 * `current.stale`, `refreshing.withPrevious`), the same three timers (the
 * expiry on `current` and on `refreshing.withPrevious`, the window on
 * `current.fresh`), one `assign` and one `emit` in the read and in the
 * landing as the chart has; no guard, no late-timer rows, no failures. What
 * is left between it and the chart is the chart's own logic; what it costs
 * is what any chart with SPEC's states costs XState.
 */
export const xstateSkeleton = setup({
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
  types: {} as {
    context: SkeletonContext;
    events: BackgroundCacheEvent;
    input: { ttl: number; refreshWindow: number; now: () => number };
  },
  delays: {
    refreshAfter: ({ context }) => Math.max(0, context.storedAt + context.ttl - context.refreshWindow - context.now()),
    expireAfter: ({ context }) => Math.max(0, context.storedAt + context.ttl - context.now()),
  },
  actions: {
    openFlight: assign(({ context }) => ({ flight: context.flight + 1 })),
    startFlight: emit(({ context }) => ({ type: 'flight.start', flight: context.flight })),
    storeValue: assign(({ event }) => {
      const done = event as { value: unknown; now: number };
      return { value: done.value, storedAt: done.now };
    }),
    finishFlight: emit(({ context }) => ({ type: 'flight.done', flight: context.flight, value: context.value })),
  },
}).createMachine({
  id: 'backgroundCache',
  context: ({ input }) => ({ ...input, value: undefined, storedAt: 0, flight: 0 }),
  initial: 'empty',
  on: { seed: { target: '.current', actions: 'storeValue' } },
  states: {
    empty: {},
    current: {
      initial: 'fresh',
      after: { expireAfter: 'empty' },
      on: { get: { target: 'refreshing', actions: ['openFlight', 'startFlight'] } },
      states: { fresh: { after: { refreshAfter: 'stale' } }, stale: {} },
    },
    refreshing: {
      initial: 'withPrevious',
      on: { 'fetch.done': { target: 'current', actions: ['storeValue', 'finishFlight'] } },
      states: { withPrevious: { after: { expireAfter: 'withoutPrevious' } }, withoutPrevious: {} },
    },
  },
});

/** Which chart to step: the benchmarked caches' own, or XState's floor for its shape ({@link xstateSkeleton}). */
export type ChartUnderTest = 'cache' | 'skeleton';

const noop = (): void => {};

/** A clock whose timers never fire: the actor books its delayed events, nothing runs them. */
const inertClock = { setTimeout: () => 0, clearTimeout: noop };

/** A real actor scope, as the keyed cache's registry gets one from XState. */
function registryScope(): AnyActorScope {
  let scope: AnyActorScope | undefined;
  const probe: ActorLogic<Snapshot<undefined>, EventObject> = {
    getInitialSnapshot: () => ({ status: 'active', output: undefined, error: undefined }),
    transition: (snapshot, _event, actorScope) => {
      scope = actorScope;
      return snapshot;
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  };
  const actor = createActor(probe).start();
  actor.send({ type: 'probe' });
  actor.stop();
  return scope!;
}

/** Steps the chart by one event and returns its state, as the cache of `mode` would. */
type Stepper = (event: BackgroundCacheEvent | EventObject) => { value: unknown; context: { flight: number } };

function stepper(mode: 'actor' | 'table', which: ChartUnderTest, now: () => number): Stepper {
  const chart = (which === 'cache' ? cacheChart : xstateSkeleton) as typeof cacheChart;
  const input = { ttl: HOUR, refreshWindow: HOUR - 5, now };
  if (mode === 'actor') {
    const actor = createActor(chart, { input, clock: inertClock }).start();
    return (event) => {
      actor.send(event as BackgroundCacheEvent);
      return actor.getSnapshot();
    };
  }
  const scope = createChartScope(registryScope(), { schedule: noop, cancel: noop, emit: noop, defer: noop });
  let snapshot = createActor(chart, { input }).getSnapshot();
  return (event) => (snapshot = chart.transition(snapshot, event as never, scope as never));
}

/**
 * Times the three steps of a refresh on the bare chart (or on XState's
 * skeleton of it), `batches` batches of `cycles` refreshes each, and returns
 * the medians per step.
 */
export function measureChartSteps(
  mode: 'actor' | 'table',
  batches = 7,
  cycles = 20_000,
  which: ChartUnderTest = 'cache',
): ChartStepCosts {
  let now = 0;
  const fetch = (): number => now;
  const chart = which === 'cache' ? cacheChart : xstateSkeleton;
  const windowEvent: EventObject = {
    type: chart.getStateNodeById('backgroundCache.current.fresh').after[0]!.eventType,
  };
  const step = stepper(mode, which, () => now);
  let snapshot = step({ type: 'seed', now, value: 0 });
  const samples: Record<keyof ChartStepCosts, number[]> = { intoWindow: [], read: [], landing: [] };
  for (let batch = -1; batch < batches; batch++) {
    const spent = { intoWindow: 0, read: 0, landing: 0 };
    for (let i = 0; i < cycles; i++) {
      now += 10;
      const t0 = performance.now();
      step(windowEvent);
      const t1 = performance.now();
      const { flight } = step({ type: 'get', now, fetch }).context;
      const t2 = performance.now();
      snapshot = step({ type: 'fetch.done', flight, now, value: now });
      const t3 = performance.now();
      spent.intoWindow += t1 - t0;
      spent.read += t2 - t1;
      spent.landing += t3 - t2;
    }
    // The first batch warms the JIT up.
    if (batch < 0) continue;
    for (const step of ['intoWindow', 'read', 'landing'] as const) samples[step].push((spent[step] * 1e6) / cycles);
  }
  const value = JSON.stringify(snapshot.value);
  if (value !== '{"current":"fresh"}') throw new Error(`the chart's refresh cycle ended in ${value}`);
  return { intoWindow: median(samples.intoWindow), read: median(samples.read), landing: median(samples.landing) };
}
