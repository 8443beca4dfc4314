import { assign, setup } from 'xstate';
import type { DoneActorEvent, ErrorActorEvent } from 'xstate';
import { fetchValueLogic } from './fetchActor.js';
import type { FetchFailure, FetchFn, FetchRequest, FetchSuccess, FetchValueLogic } from './fetchActor.js';
import { isExpiredAt, isInWindowAt } from './timing.js';
import type { CacheTimes } from './timing.js';

/** What the chart is started with: the lifetime settings, in milliseconds. */
export type BackgroundCacheInput = CacheTimes;

/** The chart's extended state. */
export interface BackgroundCacheContext<V = unknown> extends CacheTimes {
  /** The stored value; meaningful only while `storedAt` is set. */
  readonly value: V | undefined;
  /** Clock time at which `value` was stored; `undefined` when none is held. */
  readonly storedAt: number | undefined;
  /** Why the last fetch failed, until a value is stored again. */
  readonly error: unknown;
}

/**
 * A read. `now` is the clock time of the read: guards judge the stored value's
 * age by it, so a late timer changes nothing (guarantee 2).
 */
export interface GetEvent<V = unknown> extends FetchRequest<V> {
  readonly type: 'get';
  readonly now: number;
  readonly fetch: FetchFn<V>;
}

/** Stores `value` as fresh, timestamped `now`; supersedes a fetch in flight. */
export interface SeedEvent<V = unknown> {
  readonly type: 'seed';
  readonly now: number;
  readonly value: V;
}

/** Drops the value; supersedes a fetch in flight. */
export interface InvalidateEvent {
  readonly type: 'invalidate';
}

/** The events a caller sends to the chart. */
export type BackgroundCacheEvent<V = unknown> = GetEvent<V> | SeedEvent<V> | InvalidateEvent;

/**
 * The id of the invoked fetch actor, in `xstate.done.actor.fetch` and the snapshot's `children`.
 *
 * @example
 *   cache.actor.getSnapshot().children[FETCH_ACTOR_ID]; // the fetch in flight, if any
 */
export const FETCH_ACTOR_ID = 'fetch' as const;

type FetchDoneEvent<V> = DoneActorEvent<FetchSuccess<V>, typeof FETCH_ACTOR_ID>;
type FetchErrorEvent = ErrorActorEvent<FetchFailure, typeof FETCH_ACTOR_ID>;

/**
 * The clock time an event happened at. Every event that enters a timed state
 * carries it: callers' events as `now`, fetch outcomes as `fetchedAt`. (The
 * expiry timer lives on `current`, so the delayed fresh-to-stale step, whose
 * time could only be guessed when it fires late, enters no timed state.)
 * Time travels on events rather than through a clock in the guards so that
 * path generation can drive it too.
 */
function eventTime(event: { type: string }): number {
  if (event.type === 'get' || event.type === 'seed') return (event as GetEvent | SeedEvent).now;
  if (event.type === `xstate.done.actor.${FETCH_ACTOR_ID}`) return (event as FetchDoneEvent<unknown>).output.fetchedAt;
  return (event as FetchErrorEvent).error.fetchedAt;
}

/** Milliseconds from `now` until the stored value's age reaches `age` (timed states all hold a value). */
const untilAge = (context: BackgroundCacheContext, age: number, now: number): number =>
  Math.max(0, context.storedAt! + age - now);

/**
 * Builds the chart for values of type `V`. There is one chart at run time,
 * {@link backgroundCacheMachine}; this function exists so that its type can be
 * instantiated for a value type.
 */
const defineBackgroundCacheMachine = <V>() =>
  setup({
    // One cast object: `types` only informs TypeScript, so it costs no bytes.
    // The cast is what carries the types (the lint rule sees only the receiver).
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    types: {} as {
      context: BackgroundCacheContext<V>;
      events: BackgroundCacheEvent<V>;
      input: BackgroundCacheInput;
      children: { [FETCH_ACTOR_ID]: 'fetchValue' };
    },
    actors: {
      fetchValue: fetchValueLogic as unknown as FetchValueLogic<V>,
    },
    guards: {
      // Both read a `get` in a state that holds a value, so `storedAt` is set.
      /** The stored value has reached `ttl` at the event's time. */
      isExpired: ({ context, event }) => isExpiredAt(context, context.storedAt!, (event as GetEvent<V>).now),
      /** The stored value is in its refresh window at the event's time. */
      isInRefreshWindow: ({ context, event }) => isInWindowAt(context, context.storedAt!, (event as GetEvent<V>).now),
      /** A previous value is still held (a refresh, not a first fetch). */
      hasPreviousValue: ({ context }) => context.storedAt !== undefined,
    },
    delays: {
      /** Until the value's age reaches `ttl - refreshWindow`. */
      refreshAfter: ({ context, event }) => untilAge(context, context.ttl - context.refreshWindow, eventTime(event)),
      /** Until the value's age reaches `ttl`. */
      expireAfter: ({ context, event }) => untilAge(context, context.ttl, eventTime(event)),
    },
    actions: {
      storeFetchedValue: assign(({ event }) => {
        const { output } = event as unknown as FetchDoneEvent<V>;
        return { value: output.value, storedAt: output.fetchedAt, error: undefined };
      }),
      storeSeededValue: assign(({ event }) => {
        const { value, now } = event as SeedEvent<V>;
        return { value, storedAt: now, error: undefined };
      }),
      dropValue: assign({ value: undefined, storedAt: undefined }),
      recordFailure: assign({ error: ({ event }) => (event as unknown as FetchErrorEvent).error.reason }),
    },
  }).createMachine({
    id: 'backgroundCache',
    context: ({ input }) => ({
      ttl: input.ttl,
      refreshWindow: input.refreshWindow,
      value: undefined,
      storedAt: undefined,
      error: undefined,
    }),
    initial: 'empty',
    on: {
      seed: { target: '.current', reenter: true, actions: 'storeSeededValue' },
      invalidate: { target: '.empty', actions: 'dropValue' },
    },
    states: {
      empty: {
        on: { get: { target: 'refreshing.withoutPrevious' } },
      },
      current: {
        initial: 'fresh',
        // On `current`, not `stale`: armed when the value is stored or restored,
        // it still fires at the value's ttl when the fresh-to-stale timer is late.
        after: { expireAfter: { target: 'empty', actions: 'dropValue' } },
        states: {
          fresh: {
            after: { refreshAfter: { target: 'stale' } },
            on: {
              // A late timer: the age decides (SPEC "Late timers").
              get: [
                { guard: 'isExpired', target: '#backgroundCache.refreshing.withoutPrevious', actions: 'dropValue' },
                { guard: 'isInRefreshWindow', target: '#backgroundCache.refreshing.withPrevious' },
              ],
            },
          },
          stale: {
            on: {
              get: [
                { guard: 'isExpired', target: '#backgroundCache.refreshing.withoutPrevious', actions: 'dropValue' },
                { target: '#backgroundCache.refreshing.withPrevious' },
              ],
            },
          },
        },
      },
      refreshing: {
        initial: 'withoutPrevious',
        invoke: {
          id: FETCH_ACTOR_ID,
          src: 'fetchValue',
          input: ({ event }) => event as GetEvent<V>,
          onDone: { target: 'current', actions: 'storeFetchedValue' },
          onError: [
            { guard: 'hasPreviousValue', target: 'current.stale', actions: 'recordFailure' },
            { target: 'empty', actions: 'recordFailure' },
          ],
        },
        states: {
          withPrevious: {
            after: { expireAfter: { target: 'withoutPrevious', actions: 'dropValue' } },
            on: {
              get: { guard: 'isExpired', target: 'withoutPrevious', actions: 'dropValue' },
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
 * { ttl, refreshWindow }, clock })` and send it `get`, `seed` and `invalidate`
 * events stamped with `clock.now()`, or through {@link createBackgroundCache}.
 *
 * | state | meaning |
 * | --- | --- |
 * | `'empty'` | nothing servable |
 * | `{ current: 'fresh' }` | a value younger than `ttl - refreshWindow` |
 * | `{ current: 'stale' }` | a value in its refresh window |
 * | `{ refreshing: 'withPrevious' }` | a fetch in flight; the previous value is served |
 * | `{ refreshing: 'withoutPrevious' }` | a fetch in flight; readers wait for it |
 *
 * @example
 *   const actor = createActor(backgroundCacheMachine, {
 *     input: { ttl: 30_000, refreshWindow: 5_000 },
 *     clock: new SimulatedClock(),
 *   }).start();
 *   actor.send({ type: 'seed', now: clock.now(), value: 'v1' });
 *   actor.getSnapshot().value; // { current: 'fresh' }
 */
export const backgroundCacheMachine: BackgroundCacheMachine = defineBackgroundCacheMachine<unknown>();
