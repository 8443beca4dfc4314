/**
 * The app's caches: created once, outside any component, each with its
 * default `fetch`. Every component that shows one shares its value and its
 * one fetch in flight.
 */
import { createBackgroundCache, createKeyedBackgroundCache } from 'xstate-background-cache';
import type { KeyedBackgroundCache } from 'xstate-background-cache';
import type { ReactKeyedBackgroundCache } from 'xstate-background-cache/react';
import { api } from './api.js';
import type { AppConfig, User } from './api.js';

/** Fresh for 5 s, then 3 s in its refresh window: shown, it refreshes in the background. */
export const configCache = createBackgroundCache<AppConfig>({ ttl: 8_000, refreshWindow: 3_000, fetch: api.config });

// Typed in two steps only while the keyed cache's own type lacks its SPEC v2 surface (`peek`, `get` with a signal,
// `refresh`); once it has it, `users` is simply what createKeyedBackgroundCache returns.
const usersCache: unknown = createKeyedBackgroundCache<number, User>({
  ttl: 60_000,
  refreshWindow: 10_000,
  maxEntries: 500,
  fetch: api.user,
});

/** One entry per user id. */
export const users = usersCache as KeyedBackgroundCache<number, User> & ReactKeyedBackgroundCache<number, User>;

export const greetingCache = createBackgroundCache<string>({ ttl: 60_000, refreshWindow: 10_000, fetch: api.greeting });

/** A failing backend: a failure is remembered for 5 s (`failed`), so it is asked at most once per 5 s. */
export const statusCache = createBackgroundCache<string>({
  ttl: 60_000,
  refreshWindow: 10_000,
  errorTtl: 5_000,
  fetch: api.status,
});
