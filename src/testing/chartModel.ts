/**
 * The chart as a graph of what callers can do to a cache. Each vertex is a
 * chart snapshot plus what the chart cannot hold itself: the clock, the
 * pending timers and the fetch in flight. Each edge is a {@link CacheStep}.
 * Transitions are computed by `backgroundCacheMachine.transition()`, with an
 * actor scope that records the timers the chart arms and cancels (so that
 * `advanceTo` fires exactly what the real actor would) and the transitions it
 * takes (for coverage).
 */
import { createEmptyActor } from 'xstate';
import type {
  ActorLogic,
  AnyActorRef,
  AnyEventObject,
  AnyActorScope,
  AnyTransitionDefinition,
  ExecutableActionObject,
  InspectionEvent,
} from 'xstate';
import { CacheStoppedError } from '../adapter/lifecycle.js';
import { FETCH_ACTOR_ID } from '../machine/backgroundCacheMachine.js';
import type { BackgroundCacheMachine, GetEvent } from '../machine/backgroundCacheMachine.js';
import type { CacheTimes } from '../machine/timing.js';
import type { CacheObservation, CachePathStep, CacheStep, CallerOutcome } from './steps.js';

/** When a `get`, `throwFromFetch` or `seed` happens: now, or late, at an age boundary of the stored value. */
export type Moment = 'now' | 'refreshBoundary' | 'expiryBoundary';

/** An edge of the graph: a step, with its time and payload left to the model. */
export type StepIntent =
  | { readonly type: 'get' | 'throwFromFetch' | 'seed'; readonly moment: Moment }
  | { readonly type: 'invalidate' | 'stop' | 'advanceTo' | 'resolveFetch' | 'rejectFetch' };

type ChartSnapshot = ReturnType<BackgroundCacheMachine<string>['transition']>;

interface PendingTimer {
  readonly id: string;
  readonly event: AnyEventObject;
  readonly due: number;
  readonly order: number;
}

/** The most recently started fetch: the only one a step can settle. */
interface FlightRecord {
  readonly id: number;
  readonly actor: AnyActorRef;
  readonly settled: boolean;
}

interface CallerRecord {
  readonly outcome: CallerOutcome<string>;
  readonly flightId: number | undefined;
}

/** A vertex of the graph, with the path that reached it. */
export interface ChartModelState {
  readonly status: 'active';
  readonly output: undefined;
  readonly error: undefined;
  readonly chart: ChartSnapshot;
  readonly now: number;
  readonly timers: readonly PendingTimer[];
  readonly nextTimerOrder: number;
  readonly flight: FlightRecord | undefined;
  readonly fetches: number;
  readonly callers: readonly CallerRecord[];
  readonly steps: readonly CachePathStep<string>[];
}

const DONE_EVENT = `xstate.done.actor.${FETCH_ACTOR_ID}`;
const ERROR_EVENT = `xstate.error.actor.${FETCH_ACTOR_ID}`;
const CALLER_EVENTS = new Set(['get', 'seed', 'invalidate']);

/**
 * Throws unless the model knows how to make the chart receive `eventType`:
 * a chart that grows an event nobody drives must fail its coverage, loudly.
 */
export function assertDrivable(eventType: string, stateId: string): void {
  if (
    CALLER_EVENTS.has(eventType) ||
    eventType.startsWith('xstate.after.') ||
    eventType === DONE_EVENT ||
    eventType === ERROR_EVENT
  ) {
    return;
  }
  throw new Error(
    `getCachePaths cannot drive the event "${eventType}" that ${stateId} accepts: teach src/testing about it`,
  );
}

/** The fetch of the model's `get` events: the model never starts actors, so it must never run. */
export const unusedFetch = (): never => {
  throw new Error('the path model never runs fetches');
};

/** The transition label used in paths and coverage: `source on event [guard] → targets`. */
export function describeTransition(transition: AnyTransitionDefinition): string {
  // The chart's guards are named in setup(), so a guard here is its name.
  const guard = transition.guard ? ` [${transition.guard as string}]` : '';
  // A transition with no target stays where it is.
  const targets = (transition.target ?? [transition.source]).map((node) => node.id).join(', ');
  return `${transition.source.id} on ${transition.eventType}${guard} → ${targets}`;
}

/** The graph model of the chart, for `xstate/graph`. */
export interface ChartModel {
  /** The logic to traverse: its events are {@link StepIntent}s. */
  readonly logic: ActorLogic<ChartModelState, StepIntent, undefined>;
  /** A new cache at clock time 0. */
  readonly initial: ChartModelState;
  /** The steps possible in a vertex. */
  readonly intentsFor: (state: ChartModelState) => StepIntent[];
  /** The vertex key. */
  readonly serialize: (state: ChartModelState) => string;
}

/**
 * Builds the graph model of `machine` for the given lifetimes: the actor
 * logic to traverse, the steps possible in each vertex, and the vertex key.
 */
export function createChartModel(machine: BackgroundCacheMachine<string>, times: CacheTimes): ChartModel {
  const freshFor = times.ttl - times.refreshWindow;
  const emptyActor = createEmptyActor();
  let actions: ExecutableActionObject[] = [];
  let taken: AnyTransitionDefinition[] = [];
  emptyActor.system.inspect((event: InspectionEvent) => {
    if (event.type === '@xstate.microstep') taken.push(...event._transitions);
  });
  const scope = {
    self: emptyActor,
    id: '',
    sessionId: '',
    logger: () => {},
    defer: () => {},
    emit: () => {},
    system: emptyActor.system,
    stopChild: () => {},
    actionExecutor: (action: ExecutableActionObject) => void actions.push(action),
  } as AnyActorScope as Parameters<BackgroundCacheMachine<string>['transition']>[2];

  /** Sends `event` at clock time `time`; returns the snapshot, the timers after it and the transitions taken. */
  function send(
    state: Pick<ChartModelState, 'chart' | 'timers' | 'nextTimerOrder'>,
    event: AnyEventObject,
    time: number,
  ) {
    actions = [];
    taken = [];
    const chart = machine.transition(state.chart, event as never, scope);
    let timers = state.timers;
    let nextTimerOrder = state.nextTimerOrder;
    for (const action of actions) {
      if (action.type === 'xstate.cancel') {
        const { sendId } = action.params as { sendId: string };
        timers = timers.filter((timer) => timer.id !== sendId);
      } else if (action.type === 'xstate.raise') {
        const raised = action.params as { event: AnyEventObject; id: string; delay: number };
        timers = [...timers, { id: raised.id, event: raised.event, due: time + raised.delay, order: nextTimerOrder++ }];
      }
    }
    // A stopped actor clears all of its timers.
    if (chart.status !== 'active') timers = [];
    return { chart, timers, nextTimerOrder, transitions: taken };
  }

  const initialChart = machine.getInitialSnapshot(scope, times);
  const initial: ChartModelState = {
    status: 'active',
    output: undefined,
    error: undefined,
    chart: initialChart,
    now: 0,
    timers: [],
    nextTimerOrder: 0,
    flight: undefined,
    fetches: 0,
    callers: [],
    steps: [],
  };

  const timeOf = (state: ChartModelState, moment: Moment): number => {
    const { storedAt } = state.chart.context;
    if (moment === 'now' || storedAt === undefined) return state.now;
    return storedAt + (moment === 'refreshBoundary' ? freshFor : times.ttl);
  };

  const nextTimer = (timers: readonly PendingTimer[], until: number): PendingTimer | undefined =>
    timers
      .filter((timer) => timer.due <= until)
      .reduce<PendingTimer | undefined>(
        (first, timer) =>
          !first || timer.due < first.due || (timer.due === first.due && timer.order < first.order) ? timer : first,
        undefined,
      );

  const delayOf = (eventType: string): string => eventType.slice('xstate.after.'.length).split('.')[0]!;

  /** Applies one step: the heart of the model. */
  function apply(state: ChartModelState, intent: StepIntent): ChartModelState {
    const stepNumber = state.steps.length + 1;
    const now = 'moment' in intent ? timeOf(state, intent.moment) : state.now;
    let next = { chart: state.chart, timers: state.timers, nextTimerOrder: state.nextTimerOrder };
    let { flight, fetches, callers } = state;
    const transitions: string[] = [];
    const sendToChart = (event: AnyEventObject, time: number): void => {
      const sent = send(next, event, time);
      next = sent;
      transitions.push(...sent.transitions.map(describeTransition));
    };
    const settleFlight = (outcome: CallerOutcome<string>): void => {
      const settling = flight!;
      if (next.chart.children[FETCH_ACTOR_ID] === settling.actor) {
        sendToChart(
          outcome.status === 'resolved'
            ? { type: DONE_EVENT, actorId: FETCH_ACTOR_ID, output: { value: outcome.value, fetchedAt: now } }
            : {
                type: ERROR_EVENT,
                actorId: FETCH_ACTOR_ID,
                error: { reason: (outcome as { reason: unknown }).reason, fetchedAt: now },
              },
          now,
        );
      }
      flight = { ...settling, settled: true };
      callers = callers.map((caller) =>
        caller.flightId === settling.id && caller.outcome.status === 'waiting' ? { ...caller, outcome } : caller,
      );
    };
    const active = state.chart.status === 'active';
    let step: CacheStep<string>;
    switch (intent.type) {
      case 'get':
      case 'throwFromFetch': {
        const reason = new Error(`fetch ${stepNumber} threw`);
        step = intent.type === 'get' ? { type: 'get', at: now } : { type: 'throwFromFetch', at: now, reason };
        if (!active) {
          callers = [
            ...callers,
            { outcome: { status: 'rejected', reason: new CacheStoppedError() }, flightId: undefined },
          ];
          break;
        }
        const before = next.chart.children[FETCH_ACTOR_ID];
        const event: GetEvent<string> = { type: 'get', now, fetch: unusedFetch };
        sendToChart(event, now);
        const owned = next.chart.children[FETCH_ACTOR_ID];
        if (owned && owned !== before) {
          fetches++;
          flight = { id: fetches, actor: owned, settled: false };
        }
        const { context } = next.chart;
        callers = [
          ...callers,
          context.storedAt !== undefined && now - context.storedAt < times.ttl
            ? { outcome: { status: 'resolved', value: context.value! }, flightId: undefined }
            : { outcome: { status: 'waiting' }, flightId: flight?.id },
        ];
        if (intent.type === 'throwFromFetch') settleFlight({ status: 'rejected', reason });
        break;
      }
      case 'seed': {
        const value = `seeded ${stepNumber}`;
        step = { type: 'seed', at: now, value };
        if (active) sendToChart({ type: 'seed', now, value }, now);
        break;
      }
      case 'invalidate':
      case 'stop':
        step = { type: intent.type, at: now };
        if (active) sendToChart({ type: intent.type === 'stop' ? 'xstate.stop' : 'invalidate' }, now);
        break;
      case 'advanceTo': {
        const first = nextTimer(next.timers, Infinity)!;
        const until = Math.max(now, first.due);
        step = { type: 'advanceTo', at: until, boundary: delayOf(first.id) };
        for (let timer = first as PendingTimer | undefined; timer; timer = nextTimer(next.timers, until)) {
          const firing = timer;
          next = { ...next, timers: next.timers.filter((pending) => pending !== firing) };
          sendToChart(firing.event, Math.max(now, firing.due));
        }
        break;
      }
      case 'resolveFetch': {
        const value = `fetched ${stepNumber}`;
        step = { type: 'resolveFetch', at: now, value };
        settleFlight({ status: 'resolved', value });
        break;
      }
      case 'rejectFetch': {
        const reason = new Error(`fetch ${stepNumber} failed`);
        step = { type: 'rejectFetch', at: now, reason };
        settleFlight({ status: 'rejected', reason });
        break;
      }
    }
    const clock = step.at;
    const expected: CacheObservation<string> = {
      state: next.chart.value,
      status: next.chart.status,
      tryGet:
        next.chart.status === 'active' &&
        next.chart.context.storedAt !== undefined &&
        clock - next.chart.context.storedAt < freshFor
          ? next.chart.context.value
          : undefined,
      fetches,
      callers: callers.map((caller) => caller.outcome),
    };
    return {
      ...state,
      ...next,
      now: clock,
      flight,
      fetches,
      callers,
      steps: [...state.steps, { ...step, expected, transitions }],
    };
  }

  /** The steps possible in `state`: every caller action, plus the chart's own timers and fetch outcomes. */
  function intentsFor(state: ChartModelState): StepIntent[] {
    for (const node of state.chart._nodes) {
      for (const eventType of node.transitions.keys()) assertDrivable(eventType, node.id);
    }
    const active = state.chart.status === 'active';
    const moments = (['now', 'refreshBoundary', 'expiryBoundary'] as const).filter(
      (moment) => moment === 'now' || (active && timeOf(state, moment) > state.now),
    );
    const intents: StepIntent[] = [];
    for (const moment of moments) {
      intents.push({ type: 'get', moment }, { type: 'seed', moment });
      // A fetch that throws needs a get that starts a fetch.
      if (apply(state, { type: 'get', moment }).fetches > state.fetches)
        intents.push({ type: 'throwFromFetch', moment });
    }
    intents.push({ type: 'invalidate' }, { type: 'stop' });
    if (state.timers.length > 0) intents.push({ type: 'advanceTo' });
    if (state.flight && !state.flight.settled) intents.push({ type: 'resolveFetch' }, { type: 'rejectFetch' });
    return intents;
  }

  /**
   * The vertex key: what decides every later step and transition. Absolute
   * times and values are left out (only ages and delays matter), so the graph
   * stays finite.
   */
  function serialize(state: ChartModelState): string {
    const { chart, now, flight } = state;
    const owned = chart.children[FETCH_ACTOR_ID];
    const fetching = {
      flight: !flight || flight.settled ? 'none' : owned === flight.actor ? 'owned' : 'released',
      waiting: state.callers.some((caller) => caller.outcome.status === 'waiting'),
    };
    // A stopped cache is frozen: only its fetch can still settle.
    if (chart.status !== 'active') return JSON.stringify({ status: chart.status, ...fetching });
    return JSON.stringify({
      state: chart.value,
      age: chart.context.storedAt === undefined ? null : now - chart.context.storedAt,
      timers: [...state.timers].sort((a, b) => a.due - b.due || a.order - b.order).map((t) => [t.id, t.due - now]),
      ...fetching,
    });
  }

  const logic: ActorLogic<ChartModelState, StepIntent, undefined> = {
    getInitialSnapshot: () => initial,
    transition: apply,
    getPersistedSnapshot: (state) => state,
  };

  return { logic, initial, intentsFor, serialize };
}
