/**
 * An app's use of the package, type-checked against the PACKED package (not
 * src) by scripts/check-pack.mjs, under each tsconfig.*.json of this folder:
 * what a user's `tsc` sees with `skipLibCheck: false`.
 */
import { createBackgroundCache, createKeyedBackgroundCache, redactInspection } from 'xstate-background-cache';
import type { BackgroundCache, BackgroundCacheOptions, KeyedBackgroundCache } from 'xstate-background-cache';
import { refreshOnOnline, refreshOnVisible } from 'xstate-background-cache/browser';
import { storagePersister } from 'xstate-background-cache/persist';
import { getCachePaths, TestClock } from 'xstate-background-cache/testing';

interface Token {
  readonly token: string;
  readonly expiresIn: number;
}

export const loadToken = async (signal: AbortSignal): Promise<Token> => {
  const response = await fetch('/token', { signal });
  return (await response.json()) as Token;
};

const options: BackgroundCacheOptions<Token> = {
  ttl: 60_000,
  refreshWindow: 10_000,
  fetch: loadToken,
  persist: storagePersister<Token>('token'),
  refreshOn: [refreshOnVisible(), refreshOnOnline()],
  inspect: redactInspection(() => {}),
  clock: new TestClock(),
};
export const tokens: BackgroundCache<Token> = createBackgroundCache(options);

export async function token(signal: AbortSignal): Promise<string> {
  const held: Token | undefined = tokens.tryGet() ?? tokens.peek().value;
  return held?.token ?? (await tokens.get({ signal })).token;
}

export const refreshed: Promise<Token> = tokens.refresh();

export const users: KeyedBackgroundCache<string, number> = createKeyedBackgroundCache<string, number>({
  ttl: 60_000,
  refreshWindow: 10_000,
  maxEntries: 100,
  fetch: async (id, signal) => (await fetch(`/users/${id}`, { signal })).status,
});

export const state: unknown = tokens.actor.getSnapshot().value;
export const pathCount: number = getCachePaths().paths.length;
tokens.stop();
users.stop();
