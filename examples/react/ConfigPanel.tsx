/**
 * A React component that shows an app's remote config through the cache,
 * with the chart's state beside it. Type-checked by `npm test`; mount it with
 * `createRoot(element).render(<ConfigPanel />)`.
 */
import { createBackgroundCache } from 'xstate-background-cache';
import { useBackgroundCache } from './useBackgroundCache.js';

interface AppConfig {
  readonly theme: 'light' | 'dark';
  readonly features: readonly string[];
}

/** One cache for the whole app, outside any component: every reader shares its value and its fetch. */
export const configCache = createBackgroundCache<AppConfig>({ ttl: 60_000, refreshWindow: 10_000 });

/** Defined once, so that its identity is stable across renders. */
async function loadConfig(signal: AbortSignal): Promise<AppConfig> {
  const response = await fetch('/api/config', { signal });
  if (!response.ok) throw new Error(`GET /api/config: ${response.status}`);
  return (await response.json()) as AppConfig;
}

export function ConfigPanel() {
  const { state, value, error, reload } = useBackgroundCache(configCache, loadConfig);
  return (
    <section aria-busy={state.startsWith('refreshing')}>
      <p>
        cache: <code>{state}</code>
      </p>
      {value ? (
        <p>
          theme {value.theme}, features: {value.features.join(', ') || 'none'}
        </p>
      ) : (
        <p>{error ? 'The config could not be loaded.' : 'Loading the config…'}</p>
      )}
      {value && error ? <p role="status">The last refresh failed; showing the previous config.</p> : null}
      <button type="button" onClick={reload}>
        Reload
      </button>
    </section>
  );
}
