import { Component, Suspense, useRef } from 'react';
import type { ReactNode } from 'react';
import { useBackgroundCache, useKeyedBackgroundCache, useSuspenseBackgroundCache } from 'xstate-background-cache/react';
import { configCache, greetingCache, statusCache, users } from './caches.js';

/** Renders of each component, shown on the page: a row renders once for its first state and once for its value. */
export const renders: Record<string, number> = {};

function useRenderCount(name: string): number {
  const count = useRef(0);
  count.current++;
  renders[name] = count.current;
  return count.current;
}

/** The whole view: value, state, error, isFetching and refresh. */
function ConfigPanel() {
  const { value, state, error, isFetching, refresh } = useBackgroundCache(configCache);
  const count = useRenderCount('config');
  return (
    <section aria-busy={isFetching} data-pending={value === undefined || undefined}>
      <h2>Config</h2>
      <p>
        state <code>{state}</code> {isFetching ? <span className="badge">fetching</span> : null}
      </p>
      {value ? (
        <p>
          theme <b>{value.theme}</b>, features {value.features.join(', ')}, version {value.version}
        </p>
      ) : (
        <p>{error ? 'The config could not be loaded.' : 'Loading the config…'}</p>
      )}
      <button type="button" onClick={refresh}>
        Refresh
      </button>
      <small>renders: {count}</small>
    </section>
  );
}

/** Only the name: the row re-renders when its own user's name changes, never for another row. */
function UserRow({ id }: { id: number }) {
  const { value: name } = useKeyedBackgroundCache(users, id, { select: (user) => user.name });
  const count = useRenderCount(`row ${id}`);
  return (
    <li data-pending={name === undefined || undefined}>
      <span>{name ?? '…'}</span>
      <small>renders: {count}</small>
    </li>
  );
}

function Greeting() {
  return <p className="greeting">{useSuspenseBackgroundCache(greetingCache)}</p>;
}

/** A cache whose backend fails: the error shows, and no request loop starts (errorTtl paces it). */
function StatusPanel() {
  const { state, error, refresh } = useBackgroundCache(statusCache);
  const count = useRenderCount('status');
  return (
    <section data-pending={error === undefined || undefined}>
      <h2>Status (failing backend)</h2>
      <p>
        state <code>{state}</code>
      </p>
      <p role="alert">{error instanceof Error ? error.message : '…'}</p>
      <button type="button" onClick={refresh}>
        Retry now
      </button>
      <small>renders: {count}</small>
    </section>
  );
}

class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <p role="alert">{this.state.error.message}</p> : this.props.children;
  }
}

const IDS = Array.from({ length: 20 }, (_, id) => id);

export function App() {
  return (
    <main>
      <h1>xstate-background-cache/react</h1>
      <div className="columns">
        <div>
          <ConfigPanel />
          <section>
            <h2>Suspense</h2>
            <ErrorBoundary>
              <Suspense fallback={<p data-pending>Loading the greeting…</p>}>
                <Greeting />
              </Suspense>
            </ErrorBoundary>
          </section>
          <StatusPanel />
        </div>
        <section>
          <h2>Users (keyed cache, 20 rows)</h2>
          <ol className="users">
            {IDS.map((id) => (
              <UserRow key={id} id={id} />
            ))}
          </ol>
        </section>
      </div>
    </main>
  );
}
