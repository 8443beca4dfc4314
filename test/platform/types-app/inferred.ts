/**
 * The README's token recipes as a user writes them, with no type argument:
 * the value type comes from `ttl`, `refreshWindow` and `fetch`, and
 * `storagePersister(key)` and `shareAcrossTabs(name)` fit it.
 */
import { createBackgroundCache } from 'xstate-background-cache';
import type { BackgroundCache } from 'xstate-background-cache';
import { storagePersister } from 'xstate-background-cache/persist';
import { shareAcrossTabs } from 'xstate-background-cache/share';

interface Token {
  accessToken: string;
  expiresIn: number; // seconds
}

export const tokenCache = createBackgroundCache({
  ttl: (token: Token) => token.expiresIn * 1_000 - 5_000,
  refreshWindow: (token: Token) => Math.min(60_000, (token.expiresIn * 1_000) / 4),
  fetch: async (signal): Promise<Token> => {
    const response = await fetch('/auth/refresh', { method: 'POST', credentials: 'include', signal });
    if (!response.ok) throw new Error(`refresh: HTTP ${response.status}`);
    return (await response.json()) as Token;
  },
  fetchTimeout: 10_000,
  persist: storagePersister('token', { storage: sessionStorage }),
  share: shareAcrossTabs('access-token'),
});
export const typed: BackgroundCache<Token> = tokenCache;
// @ts-expect-error the value type is Token, not unknown or any
export const wrong: number | undefined = tokenCache.tryGet();
