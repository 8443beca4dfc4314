import type { RefreshTrigger } from '../adapter/extensions.js';

/** Something that dispatches events: `window`, `document`, or an `EventTarget` of a test. */
export type EventTargetLike = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

/** What {@link refreshOnVisible} listens to: `document`, or a stand-in with its own `visibilityState`. */
export interface VisibilitySource extends EventTargetLike {
  readonly visibilityState: string;
}

/** Options of {@link refreshOnVisible}. */
export interface RefreshOnVisibleOptions {
  /**
   * Whose `visibilitychange` events to listen to, looked up when the cache
   * subscribes.
   *
   * @defaultValue `document`; without one (Node, workers) the trigger never fires
   */
  document?: VisibilitySource | undefined;
}

/** Options of {@link refreshOnOnline}. */
export interface RefreshOnOnlineOptions {
  /**
   * Whose `online` events to listen to, looked up when the cache subscribes.
   *
   * @defaultValue the global object (`window`, or a worker's `self`); where it
   *   dispatches no events (Node) the trigger never fires
   */
  target?: EventTargetLike | undefined;
}

const noop = (): void => {};

/** A trigger that calls back on `type` events of `source`, when `when` allows it; a no-op without a source. */
const onEvent = <S extends EventTargetLike>(
  source: () => S | undefined,
  type: string,
  when: (source: S) => boolean,
): RefreshTrigger => ({
  subscribe(trigger) {
    const target = source();
    if (!target) return noop;
    const listener = (): void => {
      if (when(target)) trigger();
    };
    target.addEventListener(type, listener);
    return () => target.removeEventListener(type, listener);
  },
});

/**
 * Refreshes when the page becomes visible again (SPEC guarantee 18): on each
 * `visibilitychange` to `'visible'` the cache acts as a `get` with its default
 * `fetch` and no caller, so a value in its refresh window or expired is
 * refreshed, a fresh one is not, and a `failed` state is respected. `stop()`
 * removes the listener. Never fires where there is no `document`.
 *
 * @example
 *   import { refreshOnOnline, refreshOnVisible } from 'xstate-background-cache/browser';
 *
 *   const cache = createBackgroundCache({
 *     ttl: 60_000,
 *     refreshWindow: 10_000,
 *     fetch: loadSchema,
 *     refreshOn: [refreshOnVisible(), refreshOnOnline()],
 *   });
 *
 * @param options The event source, for tests; see {@link RefreshOnVisibleOptions}.
 */
export const refreshOnVisible = (options: RefreshOnVisibleOptions = {}): RefreshTrigger =>
  onEvent(
    () => options.document ?? globalThis.document,
    'visibilitychange',
    (source) => source.visibilityState === 'visible',
  );

/**
 * Refreshes when the browser comes back online (SPEC guarantee 18): on each
 * `online` event the cache acts as a `get` with its default `fetch` and no
 * caller, so a value in its refresh window or expired is refreshed, a fresh
 * one is not, and a `failed` state is respected. `stop()` removes the
 * listener. Never fires where the global object dispatches no events (Node).
 *
 * @example
 *   const cache = createBackgroundCache({
 *     ttl: 60_000,
 *     refreshWindow: 10_000,
 *     fetch: loadSchema,
 *     refreshOn: [refreshOnOnline()],
 *   });
 *
 * @param options The event source, for tests; see {@link RefreshOnOnlineOptions}.
 */
export const refreshOnOnline = (options: RefreshOnOnlineOptions = {}): RefreshTrigger =>
  onEvent(
    () => options.target ?? (typeof globalThis.addEventListener === 'function' ? globalThis : undefined),
    'online',
    () => true,
  );
