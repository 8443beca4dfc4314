import { useSelector } from '@xstate/react';
import { useEffect, useState } from 'react';
import type { BackgroundCache, FetchFn } from 'xstate-background-cache';

/** What a component sees of a cache. */
export interface CacheView<V> {
  /** The chart's state as a dotted path: 'empty', 'current.fresh', 'refreshing.withPrevious', ... */
  readonly state: string;
  /** The stored value, while the cache holds one. */
  readonly value: V | undefined;
  /** Why the last fetch failed, until a value is stored again (a failed background refresh included). */
  readonly error: unknown;
}

const dotted = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : Object.entries(value as Record<string, unknown>)
        .map(([parent, child]) => `${parent}.${dotted(child)}`)
        .join(',');

/**
 * Reads `cache` in a component: re-renders when the chart's state, the value
 * or the error changes, and calls `cache.get(fetch)` on mount and on each
 * change of state, so that a shown value is refreshed in its window and
 * fetched again once expired. Pass a `fetch` that keeps its identity (defined
 * outside the component, or memoized).
 */
export function useBackgroundCache<V>(cache: BackgroundCache<V>, fetch: FetchFn<V>): CacheView<V> {
  // Each selector returns a primitive or a stored reference, so that the
  // component re-renders only when what it shows changes.
  const state = useSelector(cache.actor, (snapshot) => dotted(snapshot.value));
  const value = useSelector(cache.actor, (snapshot) => snapshot.context.value);
  const error = useSelector(cache.actor, (snapshot) => snapshot.context.error);
  const [rejection, setRejection] = useState<unknown>();

  useEffect(() => {
    let mounted = true;
    cache.get(fetch).then(
      () => mounted && setRejection(undefined),
      // A first fetch that fails rejects its readers; a refresh never does.
      (reason: unknown) => mounted && setRejection(reason),
    );
    return () => {
      mounted = false;
    };
  }, [cache, fetch, state]);

  return { state, value, error: error ?? rejection };
}
