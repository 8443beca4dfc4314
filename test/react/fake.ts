/**
 * A scripted stand-in for the caches, with the surface the React hooks use
 * (`actor.subscribe`/`getSnapshot`, `peek`, `get` with a signal, `refresh`):
 * the test sets its state and settles each read itself, so that every branch
 * of the hooks' read loop can be reached in order. The real caches are tested
 * with the hooks in test/react/real-caches.test.tsx and in the browser.
 */
import type { StateValue } from 'xstate';
import type { CachePeek } from '../../src/index.js';
import { defer } from '../helpers.js';
import type { Deferred } from '../helpers.js';

/** One call of `get` or `refresh`, settled by the test. */
export interface Call<V> extends Deferred<V> {
  readonly key: unknown;
  readonly signal: AbortSignal | undefined;
}

/** `'current.fresh'` as `{ current: 'fresh' }`. */
const stateValue = (dotted: string): StateValue => {
  const [parent, child] = dotted.split('.');
  return child === undefined ? parent! : { [parent!]: child };
};

export class FakeKeyedCache<K, V> {
  readonly gets: Call<V>[] = [];
  readonly refreshes: Call<V>[] = [];
  readonly #entries = new Map<unknown, CachePeek<V>>();
  readonly #listeners = new Set<() => void>();
  #snapshot = {};
  readonly actor = {
    subscribe: (listener: () => void) => {
      this.#listeners.add(listener);
      return { unsubscribe: () => this.#listeners.delete(listener) };
    },
    getSnapshot: () => this.#snapshot,
  };

  /** Puts `key` in `state` (dotted), with a value and an error, and tells the subscribers. */
  set(key: K, state: string, value?: V, error?: unknown): void {
    if (state === 'empty' && value === undefined && error === undefined) this.#entries.delete(key);
    else this.#entries.set(key, { state: stateValue(state), value, error });
    this.#snapshot = {};
    for (const listener of [...this.#listeners]) listener();
  }

  peek(key: K): CachePeek<V> | undefined {
    return this.#entries.get(key);
  }

  get(key: K, { signal }: { signal?: AbortSignal }): Promise<V> {
    return this.#call(this.gets, key, signal);
  }

  refresh(key: K): Promise<V> {
    return this.#call(this.refreshes, key, undefined);
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  #call(calls: Call<V>[], key: unknown, signal: AbortSignal | undefined): Promise<V> {
    const call = { ...defer<V>(), key, signal };
    signal?.addEventListener('abort', () => call.reject(signal.reason));
    calls.push(call);
    return call.promise;
  }
}

/** The single cache's surface over one key of a {@link FakeKeyedCache}. */
export class FakeCache<V> {
  readonly keyed = new FakeKeyedCache<'only', V>();
  readonly actor = this.keyed.actor;
  readonly gets = this.keyed.gets;
  readonly refreshes = this.keyed.refreshes;

  set(state: string, value?: V, error?: unknown): void {
    this.keyed.set('only', state, value, error);
  }

  peek(): CachePeek<V> {
    return this.keyed.peek('only') ?? { state: 'empty', value: undefined, error: undefined };
  }

  get(options: { signal?: AbortSignal }): Promise<V> {
    return this.keyed.get('only', options);
  }

  refresh(): Promise<V> {
    return this.keyed.refresh('only');
  }

  get listeners(): number {
    return this.keyed.listeners;
  }
}
