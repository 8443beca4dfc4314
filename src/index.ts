/**
 * xstate-background-cache: a stale-while-revalidate cache for one expensive
 * value, whose every state lives in an explicit XState v5 statechart.
 *
 * @packageDocumentation
 */

export { createBackgroundCache } from './adapter/createBackgroundCache.js';
export { CacheStoppedError } from './adapter/lifecycle.js';
export type { BackgroundCache, BackgroundCacheActor } from './adapter/createBackgroundCache.js';
export type { BackgroundCacheOptions } from './adapter/options.js';
export { createSystemClock, MAX_TIMER_DELAY } from './adapter/clock.js';
export type { CacheClock } from './adapter/clock.js';
export { backgroundCacheMachine, FETCH_ACTOR_ID } from './machine/backgroundCacheMachine.js';
export type {
  BackgroundCacheContext,
  BackgroundCacheEvent,
  BackgroundCacheInput,
  BackgroundCacheMachine,
  GetEvent,
  InvalidateEvent,
  SeedEvent,
} from './machine/backgroundCacheMachine.js';
export type { FetchFailure, FetchFn, FetchSuccess } from './machine/fetchActor.js';
export { redactInspection, redactAll } from './inspect/redactInspection.js';
export type { InspectionMask } from './inspect/redactInspection.js';
export { createKeyedBackgroundCache } from './keyed/createKeyedBackgroundCache.js';
export type { KeyedBackgroundCache, KeyedBackgroundCacheActor } from './keyed/createKeyedBackgroundCache.js';
export type { KeyedBackgroundCacheOptions } from './keyed/options.js';
