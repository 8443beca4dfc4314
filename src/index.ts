/**
 * xstate-background-cache: a stale-while-revalidate cache for one expensive
 * value, whose every state lives in an explicit XState v5 statechart.
 *
 * @packageDocumentation
 */

export { createBackgroundCache } from './adapter/createBackgroundCache.js';
export { CacheStoppedError } from './adapter/lifecycle.js';
export type { BackgroundCache, BackgroundCacheActor, CachePeek, GetOptions } from './adapter/createBackgroundCache.js';
export type { BackgroundCacheOptions, CacheSettings, ResilienceOptions } from './adapter/options.js';
export type {
  AnyValuePersister,
  AnyValueSharing,
  CachePersister,
  CacheSharing,
  RefreshTrigger,
  SharingConnection,
  SharingPort,
  StoredEntry,
} from './adapter/extensions.js';
export { createSystemClock, MAX_TIMER_DELAY } from './adapter/clock.js';
export type { CacheClock } from './adapter/clock.js';
export { backgroundCacheMachine } from './machine/backgroundCacheMachine.js';
export type {
  BackgroundCacheContext,
  BackgroundCacheEvent,
  BackgroundCacheInput,
  BackgroundCacheMachine,
  FailurePolicy,
  FetchDoneEvent,
  FetchErrorEvent,
  FetchFn,
  FlightCommand,
  GetEvent,
  InvalidateEvent,
  RefreshEvent,
  SeedEvent,
} from './machine/backgroundCacheMachine.js';
export { redactInspection, redactAll } from './inspect/redactInspection.js';
export type { InspectionMask } from './inspect/redactInspection.js';
export { createKeyedBackgroundCache } from './keyed/createKeyedBackgroundCache.js';
export type { KeyedBackgroundCache, KeyedBackgroundCacheActor } from './keyed/createKeyedBackgroundCache.js';
export type { KeyPeek } from './keyed/keyEntry.js';
export type { KeyedCacheEvent, KeyedCacheSnapshot, KeyedCacheView } from './keyed/keyedCacheLogic.js';
export type { KeyChange } from './keyed/keyTable.js';
export type { KeyedBackgroundCacheOptions } from './keyed/options.js';
