import { and, assign, emit, enqueueActions, setup } from 'xstate';
import { isExpiredAt, isFreshAt, isInWindowAt } from './timing.js';
import type { CacheTimes } from './timing.js';

/**
 * The user's fetch: called once per attempt with a signal that aborts when its
 * result can reach no one, or when the attempt times out. It may return a
 * value, a promise, or throw.
 */
export type FetchFn<V> = (signal: AbortSignal) => V | PromiseLike<V>;

/**
 * How failures of a flight are retried and remembered (SPEC Part 2). With the
 * defaults (no timeout, `retry` 0, `errorTtl` 0) the chart behaves as Part 1.
 */
export interface FailurePolicy {
  /** Ms an attempt may take before it fails with a `TimeoutError`; `undefined`: no limit. */
  readonly fetchTimeout?: number | undefined;
  /** Attempts after the first, or asked after each failure whether one more is allowed. @defaultValue 0 */
  readonly retry?: number | ((failureCount: number, reason: unknown) => boolean) | undefined;
  /** Ms before the next attempt. @defaultValue `min(1000 * 2 ** (failureCount - 1), 30_000)` */
  readonly retryDelay?: number | ((failureCount: number, reason: unknown) => number) | undefined;
  /** Ms a flight's final failure is remembered (`failed`, `current.backingOff`). @defaultValue 0 */
  readonly errorTtl?: number | undefined;
}

/**
 * What the chart is started with: the failure policy, and the lifetime of
 * every value when it is the same for all (`ttl` and `refreshWindow` as
 * numbers). When lifetimes are computed per value, the events that store a
 * value carry its own.
 */
export interface BackgroundCacheInput extends FailurePolicy {
  readonly ttl?: number | undefined;
  readonly refreshWindow?: number | undefined;
  /**
   * The clock time the actor's timers run on (`clock.now`). Delays are then
   * armed from it, so that a wait set up by a late timer ends on time. Without
   * it, a delayed event stands for the moment it was due.
   */
  readonly now?: (() => number) | undefined;
}

/** The chart's extended state. */
export interface BackgroundCacheContext<V = unknown> extends CacheTimes {
  /** The stored value; meaningful only while `storedAt` is set. */
  readonly value: V | undefined;
  /** Clock time at which `value` was stored; `undefined` when none is held. */
  readonly storedAt: number | undefined;
  /** Why the last attempt failed, until a value is stored again. */
  readonly error: unknown;
  /** Clock time until which the last final failure is remembered (`errorTtl`); `undefined` when none is. */
  readonly failedUntil: number | undefined;
  /** Clock time at which the last value expired (the moment a delayed expiry stands for). */
  readonly expiredAt: number | undefined;
  /** The number of the current flight (the last one started); 0 before the first. */
  readonly flight: number;
  /** Failed attempts of the current flight. */
  readonly failures: number;
  /** Clock time at which the current attempt started. */
  readonly attemptAt: number;
  /** Clock time at which the next attempt is due, while `retrying`. */
  readonly retryAt: number;
  /** The failure policy the chart was started with. */
  readonly policy: FailurePolicy;
  /** The clock time of the actor's timers, when the chart was given it ({@link BackgroundCacheInput.now}). */
  readonly now: (() => number) | undefined;
}

/** The lifetime an event that stores a value may carry; without it the chart's own applies. */
interface Lifetime {
  readonly ttl?: number | undefined;
  readonly refreshWindow?: number | undefined;
}

/**
 * A read. `now` is the clock time of the read: guards judge the stored value's
 * age by it, so a late timer changes nothing (guarantee 2). `fetch` is what a
 * flight started by this read calls.
 */
export interface GetEvent<V = unknown> {
  readonly type: 'get';
  readonly now: number;
  readonly fetch: FetchFn<V>;
}

/** `refresh()`: fetch now, whatever the age; joins a flight in flight. */
export interface RefreshEvent<V = unknown> {
  readonly type: 'refresh';
  readonly now: number;
  readonly fetch: FetchFn<V>;
}

/**
 * Stores `value` as stored at `storedAt` (default `now`), unless its age has
 * reached its `ttl`; supersedes a flight in flight.
 */
export interface SeedEvent<V = unknown> extends Lifetime {
  readonly type: 'seed';
  readonly now: number;
  readonly value: V;
  readonly storedAt?: number | undefined;
}

/** Drops the value and any remembered failure; supersedes a flight in flight. */
export interface InvalidateEvent {
  readonly type: 'invalidate';
}

/** An attempt of flight `flight` resolved: the value is stored as of `storedAt` (default `now`). */
export interface FetchDoneEvent<V = unknown> extends Lifetime {
  readonly type: 'fetch.done';
  readonly flight: number;
  readonly now: number;
  readonly value: V;
  readonly storedAt?: number | undefined;
}

/** An attempt of flight `flight` failed with `reason` (unchanged from the fetch). */
export interface FetchErrorEvent {
  readonly type: 'fetch.error';
  readonly flight: number;
  readonly now: number;
  readonly reason: unknown;
  /** Set on the failure the chart raises itself when an attempt times out. */
  readonly timedOut?: true | undefined;
}

/** The events a caller, or the one who runs the fetches, sends to the chart. */
export type BackgroundCacheEvent<V = unknown> =
  GetEvent<V> | RefreshEvent<V> | SeedEvent<V> | InvalidateEvent | FetchDoneEvent<V> | FetchErrorEvent;

/**
 * What the chart asks of whoever runs its fetches (`actor.on(...)`). The chart
 * decides; the runner calls the fetch, aborts it, and settles the callers.
 *
 * - `flight.start`: a new flight; call `fetch` (its first attempt).
 * - `flight.retry`: call the flight's fetch again, with a new signal.
 * - `flight.timeout`: the attempt in flight took too long; abort its signal
 *   with `reason` and ignore its outcome.
 * - `flight.done`: the flight's value is stored; its callers get `value`.
 * - `flight.fail`: the flight failed for good; its callers reject with `reason`.
 * - `flight.release`: the chart no longer owns the flight (superseded, or the
 *   cache stopped); its callers still get its outcome, nothing is stored.
 */
export type FlightCommand<V = unknown> =
  | {
      readonly type: 'flight.start';
      readonly flight: number;
      readonly fetch: FetchFn<V>;
      /** The read that started the flight (its `get` or `refresh` event). */
      readonly request: GetEvent<V> | RefreshEvent<V>;
    }
  | { readonly type: 'flight.retry'; readonly flight: number }
  | { readonly type: 'flight.timeout'; readonly flight: number; readonly reason: unknown }
  | { readonly type: 'flight.done'; readonly flight: number; readonly value: V }
  | { readonly type: 'flight.fail'; readonly flight: number; readonly reason: unknown }
  | { readonly type: 'flight.release'; readonly flight: number };

/** A state of the chart as a dotted path (`'current.fresh'`), as the React hooks report it. */
export type CacheStateName =
  | 'empty'
  | 'failed'
  | 'current.fresh'
  | 'current.stale'
  | 'current.backingOff'
  | 'refreshing.withPrevious'
  | 'refreshing.withoutPrevious'
  | 'retrying.withPrevious'
  | 'retrying.withoutPrevious';

/** An event from a caller or the runner: every one of them carries its time but `invalidate`. */
type TimedEvent = { type: string; now?: number };

/** Default `retryDelay`: 1 s, doubling per failure, at most 30 s. */
const defaultRetryDelay = (failureCount: number): number => Math.min(1000 * 2 ** (failureCount - 1), 30_000);

/**
 * The clock time an event happened at. Callers' events and outcomes carry it
 * as `now`; a delayed event stands for the moment it was due, which the chart
 * knows from its context. Time travels on events rather than through a clock
 * in the guards so that path generation can drive it too.
 */
function eventTime(context: BackgroundCacheContext, event: TimedEvent): number {
  if (event.now !== undefined) return event.now;
  const { type } = event;
  if (type.includes('.refreshAfter.')) return context.storedAt! + context.ttl - context.refreshWindow;
  if (type.includes('.retryDelay.')) return context.retryAt;
  // The expiry, the only other delayed event that enters a state with a timer
  // (a fetch timeout enters none: the failure it raises carries its own time).
  return context.expiredAt!;
}

/**
 * Milliseconds until clock time `at`, never negative: from the clock's own
 * time when the chart has it (a timer that fired late then arms the next wait
 * on time), else from the event's time.
 */
const until = (at: number, context: BackgroundCacheContext, event: TimedEvent): number =>
  Math.max(0, at - (context.now?.() ?? eventTime(context, event)));

/** The time of an event that carries it. */
const nowOf = (event: TimedEvent): number => event.now!;

/** The lifetime a storing event carries, or the chart's own. */
const lifetimeOf = (context: BackgroundCacheContext, event: Lifetime): CacheTimes => ({
  ttl: event.ttl ?? context.ttl,
  refreshWindow: event.refreshWindow ?? context.refreshWindow,
});

/** When a storing event's value was stored. */
const storedAtOf = (event: SeedEvent | FetchDoneEvent): number => event.storedAt ?? event.now;

/**
 * Builds the chart for values of type `V` (the function lets its type be
 * instantiated for a value type). `timesAttempts: false` leaves out the one
 * transition that only a `fetchTimeout` can take (`refreshing` after
 * `fetchTimeout`), so that a cache without one books no timer per attempt;
 * everything else is the same chart.
 */
const defineBackgroundCacheMachine = <V>(timesAttempts: boolean) =>
  setup({
    // One cast object: `types` only informs TypeScript, so it costs no bytes.
    // The cast is what carries the types (the lint rule sees only the receiver).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    types: {} as {
      context: BackgroundCacheContext<V>;
      events: BackgroundCacheEvent<V>;
      input: BackgroundCacheInput;
      emitted: FlightCommand<V>;
    },
    guards: {
      // The value guards read a state that holds a value, so `storedAt` is set.
      /** The stored value has reached its `ttl` at the event's time. */
      isExpired: ({ context, event }) => isExpiredAt(context, context.storedAt!, nowOf(event)),
      /** The stored value is in its refresh window at the event's time. */
      isInRefreshWindow: ({ context, event }) => isInWindowAt(context, context.storedAt!, nowOf(event)),
      /** The stored value is still younger than `ttl - refreshWindow` at the event's time. */
      isFresh: ({ context, event }) => isFreshAt(context, context.storedAt!, nowOf(event)),
      /** A final failure is still remembered at the event's time. */
      isBackingOff: ({ context, event }) => context.failedUntil !== undefined && nowOf(event) < context.failedUntil,
      /** The remembered failure is over at the event's time. */
      isFailureOver: ({ context, event }) => nowOf(event) >= context.failedUntil!,
      /** The value reaching its window is still within `errorTtl` of a final failure. */
      isBackingOffAtWindow: ({ context, event }) =>
        context.failedUntil !== undefined && eventTime(context, event) < context.failedUntil,
      /** The value expiring is still within `errorTtl` of a final failure. */
      isBackingOffAtExpiry: ({ context }) =>
        context.failedUntil !== undefined && context.storedAt! + context.ttl < context.failedUntil,
      /** The event is about the chart's current flight (not a superseded one). */
      isCurrentFlight: ({ context, event }) => (event as FetchDoneEvent | FetchErrorEvent).flight === context.flight,
      /** A seed whose value is already as old as its own `ttl`: nothing is stored. */
      isSeedExpired: ({ context, event }) =>
        isExpiredAt(lifetimeOf(context, event as SeedEvent), storedAtOf(event as SeedEvent), nowOf(event)),
      /** A storing event's value is in its refresh window already (seeded with an age, or adopted). */
      isStoredInWindow: ({ context, event }) =>
        isInWindowAt(lifetimeOf(context, event as SeedEvent), storedAtOf(event as SeedEvent), nowOf(event)),
      /** The policy allows another attempt after this failure of the current flight. */
      mayRetry: ({ context, event }) => {
        const { retry } = context.policy;
        const failureCount = context.failures + 1;
        if (typeof retry !== 'function') return failureCount <= (retry ?? 0);
        try {
          return retry(failureCount, (event as FetchErrorEvent).reason) === true;
        } catch {
          // A `retry` that throws allows nothing more: the failure stands.
          return false;
        }
      },
      /** Final failures are remembered (`errorTtl > 0`). */
      remembersFailures: ({ context }) => (context.policy.errorTtl ?? 0) > 0,
      /** A previous value is still held (a refresh, not a first fetch). */
      hasPreviousValue: ({ context }) => context.storedAt !== undefined,
      /** Attempts have a time limit (`fetchTimeout`). */
      hasFetchTimeout: ({ context }) => context.policy.fetchTimeout !== undefined,
      /** The attempt's outcome came after its `fetchTimeout` (its timer is late); never for the timeout's own failure. */
      isPastFetchTimeout: ({ context, event }) =>
        !(event as FetchErrorEvent).timedOut &&
        nowOf(event) > context.attemptAt + (context.policy.fetchTimeout ?? Infinity),
    },
    delays: {
      /** Until the value's age reaches `ttl - refreshWindow`. */
      refreshAfter: ({ context, event }) =>
        until(context.storedAt! + context.ttl - context.refreshWindow, context, event),
      /** Until the value's age reaches `ttl`. */
      expireAfter: ({ context, event }) => until(context.storedAt! + context.ttl, context, event),
      /**
       * Until the attempt has run `fetchTimeout` ms. Without one, `Infinity`,
       * and the guard ignores the timer should a clock fire it: only this whole
       * chart run alone gets here (a cache without `fetchTimeout` runs the
       * chart without this transition, see `chartFor`).
       */
      fetchTimeout: ({ context, event }) =>
        context.policy.fetchTimeout === undefined
          ? Infinity
          : until(context.attemptAt + context.policy.fetchTimeout, context, event),
      /** Until the next attempt is due. */
      retryDelay: ({ context, event }) => until(context.retryAt, context, event),
      /** Until the remembered failure ends (`errorTtl` after it). */
      errorTtl: ({ context, event }) => until(context.failedUntil!, context, event),
    },
    actions: {
      /** A new flight: its number, no failures yet, its first attempt starting now. */
      openFlight: assign(({ context, event }) => ({
        flight: context.flight + 1,
        failures: 0,
        attemptAt: nowOf(event),
        failedUntil: undefined,
      })),
      /** Asks the runner to start the flight with the read's fetch. */
      startFlight: emit(({ context, event }) => ({
        type: 'flight.start' as const,
        flight: context.flight,
        fetch: (event as GetEvent<V>).fetch,
        request: event as GetEvent<V>,
      })),
      /** Counts a failed attempt and sets when the next is due. */
      scheduleRetry: assign(({ context, event }) => {
        const { reason } = event as FetchErrorEvent;
        const failures = context.failures + 1;
        const { retryDelay = defaultRetryDelay } = context.policy;
        let delay: number;
        try {
          delay = typeof retryDelay === 'function' ? retryDelay(failures, reason) : retryDelay;
        } catch {
          delay = defaultRetryDelay(failures);
        }
        // A delay that is not a finite number >= 0 falls back to the default.
        if (!(delay >= 0 && delay < Infinity)) delay = defaultRetryDelay(failures);
        return { failures, error: reason, retryAt: nowOf(event) + delay };
      }),
      /** The next attempt starts now (the moment it was due). */
      openAttempt: assign(({ context }) => ({ attemptAt: context.now?.() ?? context.retryAt })),
      /** Asks the runner for the flight's next attempt. */
      retryFlight: emit(({ context }) => ({ type: 'flight.retry' as const, flight: context.flight })),
      /**
       * The attempt in flight took `fetchTimeout` ms: one `TimeoutError` aborts
       * its signal and fails it, as if the fetch had rejected with it.
       */
      timeOutAttempt: enqueueActions(({ context, enqueue }) => {
        const ms = context.policy.fetchTimeout!;
        const reason = new DOMException(`The fetch did not settle within fetchTimeout (${ms} ms)`, 'TimeoutError');
        enqueue.emit({ type: 'flight.timeout', flight: context.flight, reason });
        enqueue.raise({
          type: 'fetch.error',
          flight: context.flight,
          now: context.attemptAt + ms,
          reason,
          timedOut: true,
        });
      }),
      /** Records the flight's final failure; remembered for `errorTtl` ms when that is > 0. */
      recordFailure: assign(({ context, event }) => {
        const errorTtl = context.policy.errorTtl ?? 0;
        return {
          error: (event as FetchErrorEvent).reason,
          failedUntil: errorTtl > 0 ? nowOf(event) + errorTtl : undefined,
        };
      }),
      /** Tells the runner the flight's value is stored: its callers get it. */
      finishFlight: emit(({ context, event }) => ({
        type: 'flight.done' as const,
        flight: context.flight,
        value: (event as FetchDoneEvent<V>).value,
      })),
      /** Tells the runner the flight failed for good. */
      failFlight: emit(({ context, event }) => ({
        type: 'flight.fail' as const,
        flight: context.flight,
        reason: (event as FetchErrorEvent).reason,
      })),
      /** Tells the runner the chart no longer owns its flight. */
      releaseFlight: emit(({ context }) => ({ type: 'flight.release' as const, flight: context.flight })),
      storeFetchedValue: assign(({ context, event }) => {
        const done = event as FetchDoneEvent<V>;
        return { ...lifetimeOf(context, done), value: done.value, storedAt: storedAtOf(done), error: undefined };
      }),
      storeSeededValue: assign(({ context, event }) => {
        const seed = event as SeedEvent<V>;
        return {
          ...lifetimeOf(context, seed),
          value: seed.value,
          storedAt: storedAtOf(seed),
          error: undefined,
          failedUntil: undefined,
        };
      }),
      /** The value reached its `ttl`: dropped, and the moment noted for the timers that follow. */
      expireValue: assign(({ context }) => ({
        value: undefined,
        storedAt: undefined,
        expiredAt: context.storedAt! + context.ttl,
      })),
      dropValue: assign({ value: undefined, storedAt: undefined }),
      forgetFailure: assign({ failedUntil: undefined }),
    },
  }).createMachine({
    id: 'backgroundCache',
    context: ({ input }) => ({
      ttl: input.ttl ?? NaN,
      refreshWindow: input.refreshWindow ?? NaN,
      value: undefined,
      storedAt: undefined,
      error: undefined,
      failedUntil: undefined,
      expiredAt: undefined,
      flight: 0,
      failures: 0,
      attemptAt: 0,
      retryAt: 0,
      now: input.now,
      policy: {
        fetchTimeout: input.fetchTimeout,
        retry: input.retry,
        retryDelay: input.retryDelay,
        errorTtl: input.errorTtl,
      },
    }),
    initial: 'empty',
    on: {
      seed: [
        { guard: 'isSeedExpired' },
        {
          guard: 'isStoredInWindow',
          target: '.current.stale',
          reenter: true,
          actions: ['releaseFlight', 'storeSeededValue'],
        },
        { target: '.current.fresh', reenter: true, actions: ['releaseFlight', 'storeSeededValue'] },
      ],
      invalidate: { target: '.empty', actions: ['releaseFlight', 'dropValue', 'forgetFailure'] },
    },
    states: {
      empty: {
        on: {
          get: { target: 'refreshing.withoutPrevious', actions: ['openFlight', 'startFlight'] },
          refresh: { target: 'refreshing.withoutPrevious', actions: ['openFlight', 'startFlight'] },
        },
      },
      failed: {
        after: { errorTtl: { target: 'empty', actions: 'forgetFailure' } },
        on: {
          // A late timer: once the failure is over, a read acts as in `empty`.
          get: { guard: 'isFailureOver', target: 'refreshing.withoutPrevious', actions: ['openFlight', 'startFlight'] },
          refresh: { target: 'refreshing.withoutPrevious', actions: ['openFlight', 'startFlight'] },
        },
      },
      current: {
        initial: 'fresh',
        // On `current`, not on its children: armed when the value is stored,
        // it still fires at the value's ttl when the children's timers are late.
        after: {
          expireAfter: [
            { guard: 'isBackingOffAtExpiry', target: 'failed', actions: 'expireValue' },
            { target: 'empty', actions: 'expireValue' },
          ],
        },
        on: {
          // One row for every child: the age and a remembered failure decide,
          // so that a late timer changes nothing (SPEC "Late timers").
          get: [
            { guard: and(['isExpired', 'isBackingOff']), target: 'failed', actions: 'expireValue' },
            {
              guard: 'isExpired',
              target: 'refreshing.withoutPrevious',
              actions: ['expireValue', 'openFlight', 'startFlight'],
            },
            { guard: 'isBackingOff' },
            { guard: 'isInRefreshWindow', target: 'refreshing.withPrevious', actions: ['openFlight', 'startFlight'] },
          ],
          refresh: [
            {
              guard: 'isExpired',
              target: 'refreshing.withoutPrevious',
              actions: ['expireValue', 'openFlight', 'startFlight'],
            },
            { target: 'refreshing.withPrevious', actions: ['openFlight', 'startFlight'] },
          ],
        },
        states: {
          fresh: {
            after: {
              refreshAfter: [{ guard: 'isBackingOffAtWindow', target: 'backingOff' }, { target: 'stale' }],
            },
          },
          stale: {},
          backingOff: {
            after: { errorTtl: { target: 'stale', actions: 'forgetFailure' } },
          },
        },
      },
      refreshing: {
        initial: 'withoutPrevious',
        after: timesAttempts ? { fetchTimeout: { guard: 'hasFetchTimeout', actions: 'timeOutAttempt' } } : {},
        on: {
          'fetch.done': [
            // A result that arrives once the attempt's time is up is ignored, even
            // when the timeout timer is late (guarantees 2 and 14): the attempt times out.
            { guard: and(['isCurrentFlight', 'isPastFetchTimeout']), actions: 'timeOutAttempt' },
            {
              guard: and(['isCurrentFlight', 'isStoredInWindow']),
              target: 'current.stale',
              actions: ['storeFetchedValue', 'finishFlight'],
            },
            { guard: 'isCurrentFlight', target: 'current.fresh', actions: ['storeFetchedValue', 'finishFlight'] },
          ],
        },
        states: {
          withPrevious: {
            after: { expireAfter: { target: 'withoutPrevious', actions: 'expireValue' } },
            on: {
              get: { guard: 'isExpired', target: 'withoutPrevious', actions: 'expireValue' },
              // The previous value stays with its timestamp (Part 1); its age picks the state, and a
              // previous that expired meanwhile leaves at once by the expiry timer of `current`.
              'fetch.error': [
                // After its time was up (a late timeout timer), an answer is ignored: the attempt times out.
                { guard: and(['isCurrentFlight', 'isPastFetchTimeout']), actions: 'timeOutAttempt' },
                {
                  guard: and(['isCurrentFlight', 'mayRetry']),
                  target: '#backgroundCache.retrying.withPrevious',
                  actions: 'scheduleRetry',
                },
                {
                  guard: and(['isCurrentFlight', 'isFresh']),
                  target: '#backgroundCache.current.fresh',
                  actions: ['recordFailure', 'failFlight'],
                },
                {
                  guard: and(['isCurrentFlight', 'remembersFailures']),
                  target: '#backgroundCache.current.backingOff',
                  actions: ['recordFailure', 'failFlight'],
                },
                {
                  guard: 'isCurrentFlight',
                  target: '#backgroundCache.current.stale',
                  actions: ['recordFailure', 'failFlight'],
                },
              ],
            },
          },
          withoutPrevious: {
            on: {
              'fetch.error': [
                // After its time was up (a late timeout timer), an answer is ignored: the attempt times out.
                { guard: and(['isCurrentFlight', 'isPastFetchTimeout']), actions: 'timeOutAttempt' },
                {
                  guard: and(['isCurrentFlight', 'mayRetry']),
                  target: '#backgroundCache.retrying.withoutPrevious',
                  actions: 'scheduleRetry',
                },
                {
                  guard: and(['isCurrentFlight', 'remembersFailures']),
                  target: '#backgroundCache.failed',
                  actions: ['recordFailure', 'failFlight'],
                },
                {
                  guard: 'isCurrentFlight',
                  target: '#backgroundCache.empty',
                  actions: ['recordFailure', 'failFlight'],
                },
              ],
            },
          },
        },
      },
      retrying: {
        initial: 'withoutPrevious',
        after: {
          retryDelay: [
            { guard: 'hasPreviousValue', target: 'refreshing.withPrevious', actions: ['openAttempt', 'retryFlight'] },
            { target: 'refreshing.withoutPrevious', actions: ['openAttempt', 'retryFlight'] },
          ],
        },
        states: {
          withPrevious: {
            after: { expireAfter: { target: 'withoutPrevious', actions: 'expireValue' } },
            on: {
              get: { guard: 'isExpired', target: 'withoutPrevious', actions: 'expireValue' },
            },
          },
          withoutPrevious: {},
        },
      },
    },
  });

/** The chart's type for values of type `V`. */
export type BackgroundCacheMachine<V = unknown> = ReturnType<typeof defineBackgroundCacheMachine<V>>;

/**
 * The statechart of the cache: the single source of truth for its states and
 * transitions. Run it alone with `createActor(backgroundCacheMachine, { input:
 * { ttl, refreshWindow }, clock })`, send it `get`, `refresh`, `seed` and
 * `invalidate` events stamped with `clock.now()`, and run its fetches as its
 * emitted `flight.*` commands ask ({@link FlightCommand}), reporting each
 * attempt's outcome as `fetch.done` or `fetch.error`; or use it through
 * {@link createBackgroundCache}, which does all of that (a cache without
 * `fetchTimeout` runs this chart less its one `after fetchTimeout` transition).
 *
 * | state | meaning |
 * | --- | --- |
 * | `'empty'` | nothing servable |
 * | `'failed'` | nothing servable; the last flight failed less than `errorTtl` ago |
 * | `{ current: 'fresh' }` | a value younger than `ttl - refreshWindow` |
 * | `{ current: 'stale' }` | a value in its refresh window |
 * | `{ current: 'backingOff' }` | a value in its window whose refresh failed less than `errorTtl` ago: no refresh |
 * | `{ refreshing: 'withPrevious' }` | a fetch in flight; the previous value is served |
 * | `{ refreshing: 'withoutPrevious' }` | a fetch in flight; readers wait for it |
 * | `{ retrying: 'withPrevious' }` | an attempt failed, the next is due after `retryDelay`; the previous is served |
 * | `{ retrying: 'withoutPrevious' }` | the same with nothing servable: readers wait |
 *
 * @example
 *   const clock = new SimulatedClock();
 *   const actor = createActor(backgroundCacheMachine, { input: { ttl: 30_000, refreshWindow: 5_000 }, clock });
 *   actor.on('flight.start', ({ flight, fetch }) => ...);
 *   actor.start();
 *   actor.send({ type: 'seed', now: clock.now(), value: 'v1' });
 *   actor.getSnapshot().value; // { current: 'fresh' }
 */
export const backgroundCacheMachine: BackgroundCacheMachine = defineBackgroundCacheMachine<unknown>(true);

/**
 * {@link backgroundCacheMachine} without its `fetchTimeout` transition, which
 * no attempt can take when there is no `fetchTimeout`: what such a cache runs
 * (one timer fewer booked and cancelled per refresh).
 *
 * @internal
 */
const untimedBackgroundCacheMachine: BackgroundCacheMachine = defineBackgroundCacheMachine<unknown>(false);

/**
 * The chart a cache with this `fetchTimeout` runs: the whole chart, or the
 * same without the transition only a `fetchTimeout` takes.
 *
 * @internal
 */
export const chartFor = <V>(fetchTimeout: number | undefined): BackgroundCacheMachine<V> =>
  (fetchTimeout === undefined
    ? untimedBackgroundCacheMachine
    : backgroundCacheMachine) as unknown as BackgroundCacheMachine<V>;
