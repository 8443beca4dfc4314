/**
 * The chart as a graph of what callers can do to a cache. Each vertex is a
 * chart snapshot plus what the chart cannot hold itself: the clock, the
 * pending timers, the flights and their callers. Each edge is a
 * {@link CacheStep}. Transitions are computed by
 * `backgroundCacheMachine.transition()`, with an actor scope that records the
 * timers the chart arms and cancels (so that `advanceTo` fires exactly what
 * the real actor would), the flight commands it emits (carried out here as
 * the cache's flight runner does) and the transitions it takes (for coverage).
 */
import { createEmptyActor } from 'xstate';
import type {
  ActorLogic,
  AnyActorScope,
  AnyEventObject,
  AnyTransitionDefinition,
  ExecutableActionObject,
  InspectionEvent,
} from 'xstate';
import { CacheStoppedError } from '../adapter/lifecycle.js';
import type {
  BackgroundCacheInput,
  BackgroundCacheMachine,
  FlightCommand,
  GetEvent,
  RefreshEvent,
} from '../machine/backgroundCacheMachine.js';
import { isExpiredAt, isFreshAt } from '../machine/timing.js';
import type { CacheObservation, CachePathStep, CacheStep, CallerOutcome } from './steps.js';

/**
 * When a read, `refresh` or `seed` happens: now, or late, at a boundary the
 * chart has a timer for (the stored value's window or expiry, the end of a
 * remembered failure), before that timer fires.
 */
export type Moment = 'now' | 'refreshBoundary' | 'expiryBoundary' | 'failureEnd';

/** How old a seeded value is: new, 1 ms before its window, at its window, or as old as its `ttl`. */
export type SeedAge = 'new' | 'almostStale' | 'stale' | 'expired';

/** An edge of the graph: a step, with its time and payload left to the model. */
export type StepIntent =
  | { readonly type: 'get' | 'throwFromFetch' | 'refresh'; readonly moment: Moment }
  | { readonly type: 'seed'; readonly moment: Moment; readonly age: SeedAge }
  | { readonly type: 'invalidate' | 'stop' | 'advanceTo' | 'resolveFetch' | 'rejectFetch' };

type ChartSnapshot<V> = ReturnType<BackgroundCacheMachine<V>['transition']>;

interface PendingTimer {
  readonly id: string;
  readonly event: AnyEventObject;
  readonly due: number;
  readonly order: number;
}

/** A flight, as the cache's flight runner holds it. */
interface FlightRecord {
  readonly id: number;
  /** The chart still owns it: its outcome goes to the chart. */
  readonly owned: boolean;
  readonly settled: boolean;
  /** Why its last attempt failed. */
  readonly lastReason: unknown;
}

/** The latest fetch call: the only one a step can settle. */
interface AttemptRecord {
  readonly flight: number;
  /** Still running: neither settled nor timed out. */
  readonly pending: boolean;
}

interface CallerRecord<V> {
  readonly outcome: CallerOutcome<V>;
  /** The flight the caller waits on. */
  readonly flight: number | undefined;
}

/** A vertex of the graph, with the path that reached it. */
export interface ChartModelState<V> {
  readonly status: 'active';
  readonly output: undefined;
  readonly error: undefined;
  readonly chart: ChartSnapshot<V>;
  readonly now: number;
  readonly timers: readonly PendingTimer[];
  readonly nextTimerOrder: number;
  readonly flights: readonly FlightRecord[];
  readonly attempt: AttemptRecord | undefined;
  readonly fetches: number;
  readonly callers: readonly CallerRecord<V>[];
  readonly steps: readonly CachePathStep<V>[];
}

/** The delays of a flight's timers, which path steps never leave late. */
const FLIGHT_TIMERS = new Set(['fetchTimeout', 'retryDelay']);

const CALLER_EVENTS = new Set(['get', 'refresh', 'seed', 'invalidate', 'fetch.done', 'fetch.error']);

/**
 * Throws unless the model knows how to make the chart receive `eventType`:
 * a chart that grows an event nobody drives must fail its coverage, loudly.
 */
export function assertDrivable(eventType: string, stateId: string): void {
  if (CALLER_EVENTS.has(eventType) || eventType.startsWith('xstate.after.')) return;
  throw new Error(
    `getCachePaths cannot drive the event "${eventType}" that ${stateId} accepts: teach src/testing about it`,
  );
}

/** The fetch of the model's `get` and `refresh` events: the model never runs fetches, it settles them by steps. */
export const unusedFetch = (): never => {
  throw new Error('the path model never runs fetches');
};

/** A guard by its name; `and([a, b])` as `a and b`. */
function guardName(guard: unknown): string {
  if (typeof guard === 'string') return guard;
  const { guards } = guard as { guards?: unknown[] };
  // The chart's guards are named in setup(), or `and` of named ones.
  return guards!.map(guardName).join(' and ');
}

/** The transition label used in paths and coverage: `source on event [guard] → targets`. */
export function describeTransition(transition: AnyTransitionDefinition): string {
  const guard = transition.guard ? ` [${guardName(transition.guard)}]` : '';
  // A transition with no target stays where it is.
  const targets = (transition.target ?? [transition.source]).map((node) => node.id).join(', ');
  return `${transition.source.id} on ${transition.eventType}${guard} → ${targets}`;
}

/** What the model is built for: the cache's lifetimes and failure policy, and how values are made. */
export interface ChartModelOptions<V> extends BackgroundCacheInput {
  readonly ttl: number;
  readonly refreshWindow: number;
  /** Makes the value of a step from its name (`"fetched 3"`, `"seeded 1"`). */
  readonly createValue: (name: string) => V;
}

/** The graph model of the chart, for `xstate/graph`. */
export interface ChartModel<V> {
  /** The logic to traverse: its events are {@link StepIntent}s. */
  readonly logic: ActorLogic<ChartModelState<V>, StepIntent, undefined>;
  /** A new cache at clock time 0. */
  readonly initial: ChartModelState<V>;
  /** The steps possible in a vertex. */
  readonly intentsFor: (state: ChartModelState<V>) => StepIntent[];
  /** The vertex key. */
  readonly serialize: (state: ChartModelState<V>) => string;
}

/** A mutable copy of what a step changes. */
interface Draft<V> {
  chart: ChartSnapshot<V>;
  timers: PendingTimer[];
  nextTimerOrder: number;
  flights: FlightRecord[];
  attempt: AttemptRecord | undefined;
  fetches: number;
  callers: CallerRecord<V>[];
}

/**
 * Builds the graph model of `machine` for the given lifetimes and failure
 * policy: the actor logic to traverse, the steps possible in each vertex, and
 * the vertex key.
 */
export function createChartModel<V>(machine: BackgroundCacheMachine<V>, options: ChartModelOptions<V>): ChartModel<V> {
  const { createValue, ...input } = options;
  const freshFor = input.ttl - input.refreshWindow;
  const seedAges: Record<SeedAge, number> = {
    new: 0,
    almostStale: freshFor - 1,
    stale: freshFor,
    expired: input.ttl,
  };
  const emptyActor = createEmptyActor();
  let actions: ExecutableActionObject[] = [];
  let taken: AnyTransitionDefinition[] = [];
  // `transition()` sends its system only microsteps (events are sent by running actors).
  emptyActor.system.inspect((event: InspectionEvent) => {
    taken.push(...(event as Extract<InspectionEvent, { type: '@xstate.microstep' }>)._transitions);
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
  } as AnyActorScope as Parameters<BackgroundCacheMachine<V>['transition']>[2];

  const initialChart = machine.getInitialSnapshot(scope, input);
  const initial: ChartModelState<V> = {
    status: 'active',
    output: undefined,
    error: undefined,
    chart: initialChart,
    now: 0,
    timers: [],
    nextTimerOrder: 0,
    flights: [],
    attempt: undefined,
    fetches: 0,
    callers: [],
    steps: [],
  };

  const timeOf = (state: ChartModelState<V>, moment: Moment): number => {
    const { storedAt, failedUntil } = state.chart.context;
    if (moment === 'failureEnd') return Math.max(state.now, failedUntil ?? state.now);
    if (moment === 'now' || storedAt === undefined) return state.now;
    return storedAt + (moment === 'refreshBoundary' ? freshFor : input.ttl);
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
  function apply(state: ChartModelState<V>, intent: StepIntent): ChartModelState<V> {
    const stepNumber = state.steps.length + 1;
    const now = 'moment' in intent ? timeOf(state, intent.moment) : state.now;
    const draft: Draft<V> = {
      chart: state.chart,
      timers: [...state.timers],
      nextTimerOrder: state.nextTimerOrder,
      flights: [...state.flights],
      attempt: state.attempt,
      fetches: state.fetches,
      callers: [...state.callers],
    };
    const transitions: string[] = [];

    const ownedFlight = (): FlightRecord | undefined => draft.flights.find((flight) => flight.owned);
    const updateFlight = (id: number, change: Partial<FlightRecord>): void => {
      draft.flights = draft.flights.map((flight) => (flight.id === id ? { ...flight, ...change } : flight));
    };
    // Only a flight that is still running settles: owned, or with its attempt pending.
    const settle = (id: number, outcome: CallerOutcome<V>): void => {
      updateFlight(id, { settled: true, owned: false });
      draft.callers = draft.callers.map((caller) =>
        caller.flight === id && caller.outcome.status === 'waiting' ? { ...caller, outcome } : caller,
      );
    };
    const startAttempt = (id: number): void => {
      draft.fetches++;
      draft.attempt = { flight: id, pending: true };
    };
    const attemptPending = (id: number): boolean => draft.attempt?.flight === id && draft.attempt.pending;
    /** The chart lets go of its flight: between attempts its callers reject with the last failure. */
    const release = (): void => {
      const flight = ownedFlight();
      if (!flight) return;
      updateFlight(flight.id, { owned: false });
      if (!attemptPending(flight.id)) settle(flight.id, { status: 'rejected', reason: flight.lastReason });
    };
    /** Carries out a command of the chart as the cache's flight runner does. */
    const carryOut = (command: FlightCommand<V>): void => {
      const owned = ownedFlight();
      switch (command.type) {
        case 'flight.start':
          draft.flights.push({ id: command.flight, owned: true, settled: false, lastReason: undefined });
          startAttempt(command.flight);
          return;
        case 'flight.retry':
          startAttempt(command.flight);
          return;
        case 'flight.timeout':
          draft.attempt = { flight: command.flight, pending: false };
          updateFlight(command.flight, { lastReason: command.reason });
          return;
        case 'flight.fail':
          settle(command.flight, { status: 'rejected', reason: command.reason });
          return;
        case 'flight.release':
          if (owned?.id === command.flight) release();
          return;
      }
    };
    /** Sends `event` to the chart at clock time `time`: timers, commands and transitions follow. */
    const sendToChart = (event: AnyEventObject, time: number): void => {
      actions = [];
      taken = [];
      draft.chart = machine.transition(draft.chart, event as never, scope);
      transitions.push(...taken.map(describeTransition));
      const commands: FlightCommand<V>[] = [];
      for (const action of actions) {
        if (action.type === 'xstate.cancel') {
          const { sendId } = action.params as { sendId: string };
          draft.timers = draft.timers.filter((timer) => timer.id !== sendId);
        } else if (action.type === 'xstate.raise') {
          const raised = action.params as { event: AnyEventObject; id: string; delay: number | undefined };
          // A raise without a delay is handled inside the step; a delay of
          // Infinity (no fetchTimeout) arms no timer on the cache's clock.
          if (typeof raised.delay === 'number' && raised.delay !== Infinity) {
            const due = time + raised.delay;
            draft.timers.push({ id: raised.id, event: raised.event, due, order: draft.nextTimerOrder++ });
          }
        } else {
          // The only other action the chart hands its executor: an emitted flight command.
          commands.push((action.params as { event: FlightCommand<V> }).event);
        }
      }
      // A stopped actor clears all of its timers.
      if (draft.chart.status !== 'active') draft.timers = [];
      commands.forEach(carryOut);
    };
    /** The latest attempt settles: its outcome goes to the chart while it owns the flight, else to its callers. */
    const settleAttempt = (outcome: CallerOutcome<V>): void => {
      const { flight: id } = draft.attempt!;
      draft.attempt = { flight: id, pending: false };
      const flight = draft.flights.find((candidate) => candidate.id === id)!;
      if (outcome.status === 'resolved') {
        if (flight.owned) {
          updateFlight(id, { owned: false });
          sendToChart({ type: 'fetch.done', flight: id, now, value: outcome.value }, now);
        }
        settle(id, outcome);
        return;
      }
      const { reason } = outcome as { reason: unknown };
      updateFlight(id, { lastReason: reason });
      if (flight.owned) sendToChart({ type: 'fetch.error', flight: id, now, reason }, now);
      else settle(id, outcome);
    };
    /** A caller of `get` or `refresh`: its outcome as the cache gives it. */
    const read = (type: 'get' | 'refresh'): void => {
      const before = draft.chart.context;
      const servable = type === 'get' && before.storedAt !== undefined && !isExpiredAt(before, before.storedAt, now);
      const event: GetEvent<V> | RefreshEvent<V> = { type, now, fetch: unusedFetch };
      sendToChart(event, now);
      const owned = ownedFlight();
      const outcome: CallerRecord<V> = servable
        ? { outcome: { status: 'resolved', value: before.value as V }, flight: undefined }
        : owned
          ? { outcome: { status: 'waiting' }, flight: owned.id }
          : // Neither served nor fetching: `failed`, which rejects with the remembered reason.
            { outcome: { status: 'rejected', reason: draft.chart.context.error }, flight: undefined };
      draft.callers.push(outcome);
    };

    const active = state.chart.status === 'active';
    const stopped = (): void =>
      void draft.callers.push({ outcome: { status: 'rejected', reason: new CacheStoppedError() }, flight: undefined });
    let step: CacheStep<V>;
    switch (intent.type) {
      case 'get':
      case 'throwFromFetch': {
        const reason = new Error(`fetch ${stepNumber} threw`);
        step = intent.type === 'get' ? { type: 'get', at: now } : { type: 'throwFromFetch', at: now, reason };
        if (!active) {
          stopped();
          break;
        }
        const fetchesBefore = draft.fetches;
        read('get');
        if (intent.type === 'throwFromFetch' && draft.fetches > fetchesBefore) {
          settleAttempt({ status: 'rejected', reason });
        }
        break;
      }
      case 'refresh':
        step = { type: 'refresh', at: now };
        if (active) read('refresh');
        else stopped();
        break;
      case 'seed': {
        const value = createValue(`seeded ${stepNumber}`);
        const age = seedAges[intent.age];
        step = { type: 'seed', at: now, value, age };
        if (active) sendToChart({ type: 'seed', now, value, storedAt: now - age }, now);
        break;
      }
      case 'invalidate':
        step = { type: 'invalidate', at: now };
        if (active) sendToChart({ type: 'invalidate' }, now);
        break;
      case 'stop':
        step = { type: 'stop', at: now };
        if (active) {
          // The cache lets go of its flight, then stops its actor.
          release();
          sendToChart({ type: 'xstate.stop' }, now);
        }
        break;
      case 'advanceTo': {
        const first = nextTimer(draft.timers, Infinity)!;
        const until = Math.max(now, first.due);
        step = { type: 'advanceTo', at: until, boundary: delayOf(first.id) };
        for (let timer = first as PendingTimer | undefined; timer; timer = nextTimer(draft.timers, until)) {
          const firing = timer;
          draft.timers = draft.timers.filter((pending) => pending !== firing);
          sendToChart(firing.event, Math.max(now, firing.due));
        }
        break;
      }
      case 'resolveFetch': {
        const value = createValue(`fetched ${stepNumber}`);
        step = { type: 'resolveFetch', at: now, value };
        settleAttempt({ status: 'resolved', value });
        break;
      }
      case 'rejectFetch': {
        const reason = new Error(`fetch ${stepNumber} failed`);
        step = { type: 'rejectFetch', at: now, reason };
        settleAttempt({ status: 'rejected', reason });
        break;
      }
    }
    const clock = step.at;
    const { context } = draft.chart;
    const expected: CacheObservation<V> = {
      state: draft.chart.value,
      status: draft.chart.status,
      tryGet:
        draft.chart.status === 'active' && context.storedAt !== undefined && isFreshAt(context, context.storedAt, clock)
          ? context.value
          : undefined,
      fetches: draft.fetches,
      callers: draft.callers.map((caller) => caller.outcome),
    };
    return {
      ...state,
      ...draft,
      now: clock,
      steps: [...state.steps, { ...step, expected, transitions }],
    };
  }

  /**
   * Whether a step can happen at `moment`: later than now, and leaving late
   * only the timers whose lateness the chart judges by the time of the next
   * event (the value's window and expiry, a remembered failure's end). A
   * flight's own timers (fetch timeout, retry delay) always fire on time.
   */
  const hasTime = (state: ChartModelState<V>, moment: Moment): boolean => {
    if (moment === 'now') return true;
    const time = timeOf(state, moment);
    return (
      state.chart.status === 'active' &&
      time > state.now &&
      !state.timers.some((timer) => FLIGHT_TIMERS.has(delayOf(timer.id)) && timer.due < time)
    );
  };

  /** The steps possible in `state`: every caller action, plus the chart's own timers and fetch outcomes. */
  function intentsFor(state: ChartModelState<V>): StepIntent[] {
    for (const node of state.chart._nodes) {
      for (const eventType of node.transitions.keys()) assertDrivable(eventType, node.id);
    }
    const intents: StepIntent[] = [];
    for (const moment of (['now', 'refreshBoundary', 'expiryBoundary', 'failureEnd'] as const).filter((moment) =>
      hasTime(state, moment),
    )) {
      intents.push({ type: 'get', moment });
      // A fetch that throws needs a get that starts a fetch.
      if (apply(state, { type: 'get', moment }).fetches > state.fetches) {
        intents.push({ type: 'throwFromFetch', moment });
      }
      if (moment !== 'refreshBoundary') intents.push({ type: 'refresh', moment });
      // Seeds of every age now; late, only a new value.
      const ages = moment === 'now' ? (['new', 'almostStale', 'stale', 'expired'] as const) : (['new'] as const);
      for (const age of ages) intents.push({ type: 'seed', moment, age });
    }
    intents.push({ type: 'invalidate' }, { type: 'stop' });
    if (state.timers.length > 0) intents.push({ type: 'advanceTo' });
    if (state.attempt?.pending) intents.push({ type: 'resolveFetch' }, { type: 'rejectFetch' });
    return intents;
  }

  /**
   * The vertex key: what decides every later step and transition. Absolute
   * times, values and flight numbers are left out (only ages, delays and who
   * waits on what matter), so the graph stays finite.
   */
  function serialize(state: ChartModelState<V>): string {
    const { chart, now, attempt } = state;
    const waitingOn = new Set(
      state.callers.filter((caller) => caller.outcome.status === 'waiting').map((caller) => caller.flight),
    );
    // What may still happen to a flight: the chart may hear its outcome
    // (owned), a step may settle it (its attempt is the latest, pending), and
    // callers may hear it. A set: how many flights are alike does not matter.
    const flightKey = (flight: FlightRecord): string =>
      [
        flight.owned ? 'owned' : 'released',
        attempt?.flight === flight.id && attempt.pending ? 'pending' : 'idle',
        waitingOn.has(flight.id) ? 'heard' : 'unheard',
      ].join(' ');
    const fetching = {
      flights: [
        ...new Set(
          state.flights
            // A released flight no step can settle never changes again: its callers wait forever.
            .filter((flight) => !flight.settled && (flight.owned || (attempt?.flight === flight.id && attempt.pending)))
            .map(flightKey),
        ),
      ].sort(),
    };
    // A stopped cache is frozen: only its fetches can still settle.
    if (chart.status !== 'active') return JSON.stringify({ status: chart.status, ...fetching });
    const { storedAt, failedUntil, failures } = chart.context;
    return JSON.stringify({
      state: chart.value,
      age: storedAt === undefined ? null : now - storedAt,
      // A failure remembered until now or before decides nothing more.
      failedFor: failedUntil === undefined || failedUntil <= now ? null : failedUntil - now,
      // Failures count toward `retry` only while the flight is on.
      failures: chart.matches('refreshing') || chart.matches('retrying') ? failures : null,
      timers: [...state.timers].sort((a, b) => a.due - b.due || a.order - b.order).map((t) => [t.id, t.due - now]),
      ...fetching,
    });
  }

  const logic: ActorLogic<ChartModelState<V>, StepIntent, undefined> = {
    getInitialSnapshot: () => initial,
    transition: apply,
    getPersistedSnapshot: (state) => state,
  };

  return { logic, initial, intentsFor, serialize };
}
