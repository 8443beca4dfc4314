/**
 * Only under a lib with `ESNext.Disposable` (tsconfig.disposable.json): both
 * caches work with `using`.
 */
import { createBackgroundCache, createKeyedBackgroundCache } from 'xstate-background-cache';

export function scoped(): Disposable {
  using cache = createBackgroundCache<string>({ ttl: 1_000, refreshWindow: 0 });
  using keyed = createKeyedBackgroundCache<string, string>({
    ttl: 1_000,
    refreshWindow: 0,
    maxEntries: 1,
    fetch: (key) => key,
  });
  keyed.tryGet('a');
  return cache;
}
