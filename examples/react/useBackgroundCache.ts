import { useSelector } from '@xstate/react';
import { useCallback, useEffect, useState } from 'react';
import type { BackgroundCache, FetchFn } from 'xstate-background-cache';

/** What a component sees of a cache. */
export interface CacheView<V> {
  /** The chart's state as a dotted path: 'empty', 'current.fresh', 'refreshing.withPrevious', ... */
  readonly state: string;
  /** The stored value, while the cache holds one. */
  readonly value: V | undefined;
  /** Why the last fetch failed (a failed background refresh included), until a value is stored again. */
  readonly error: unknown;
  /** Drops the value and fetches again: after a failure, nothing is fetched until this is called. */
  readonly reload: () => void;
}

const dotted = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : Object.entries(value as Record<string, unknown>)
        .map(([parent, child]) => `${parent}.${dotted(child)}`)
        .join(',');

/**
 * Reads `cache` in a component. Re-renders when the chart's state, the value
 * or the error changes. Calls `cache.get(fetch)` on mount and whenever the
 * shown value enters its refresh window or is dropped, so that it stays
 * fresh while shown; after a failed fetch it waits for `reload()` rather
 * than hammer a failing backend. Pass a `fetch` that keeps its identity
 * (defined outside the component, or memoized).
 */
export function useBackgroundCache<V>(cache: BackgroundCache<V>, fetch: FetchFn<V>): CacheView<V> {
  // Each selector returns a string or a stored reference, so that the
  // component re-renders only when what it shows changes.
  const state = useSelector(cache.actor, (snapshot) => dotted(snapshot.value));
  const value = useSelector(cache.actor, (snapshot) => snapshot.context.value);
  const failure = useSelector(cache.actor, (snapshot) => snapshot.context.error);
  // A first fetch that fails rejects its readers; a background refresh never does.
  const [rejection, setRejection] = useState<unknown>();
  const error = failure ?? rejection;
  const needsRead = error === undefined && (state === 'empty' || state === 'current.stale');

  useEffect(() => {
    if (!needsRead) return;
    let mounted = true;
    cache.get(fetch).catch((reason: unknown) => mounted && setRejection(reason));
    return () => {
      mounted = false;
    };
  }, [cache, fetch, needsRead, state]);

  const reload = useCallback(() => {
    setRejection(undefined);
    cache.invalidate();
    cache.get(fetch).catch((reason: unknown) => setRejection(reason));
  }, [cache, fetch]);

  return { state, value, error, reload };
}
