import { setup } from 'xstate';
import type { FetchDoneEvent, FetchErrorEvent } from '../machine/backgroundCacheMachine.js';
import type { RegistryRef } from './keyEntry.js';
import { KeyTable } from './keyTable.js';
import type { KeyedEvent, KeyTableSettings } from './keyTable.js';
import type { EntryKey } from './keys.js';

/** What the registry is started with: every key's lifetime, the bound, and the clock its actor runs on. */
export type KeyedCacheInput = KeyTableSettings;

/** The registry's extended state: the table of keys (see {@link KeyTable}). */
export interface KeyedCacheContext<V = unknown> {
  /**
   * Every key's entry, each holding a snapshot of `backgroundCacheMachine`.
   * The registry updates it in place, one event at a time; `JSON.stringify`
   * (and so the inspector) shows each key with its state, never its value.
   */
  readonly entries: KeyTable<V>;
}

/** An attempt of a key's flight resolved, addressed with the key. */
export type KeyFetchDoneEvent<V = unknown> = FetchDoneEvent<V> & { readonly key: EntryKey };

/** An attempt of a key's flight failed, addressed with the key. */
export type KeyFetchErrorEvent = FetchErrorEvent & { readonly key: EntryKey };

/** The registry's events. */
export type KeyedCacheEvent<V = unknown> =
  /** `get`, `seed`, `invalidate` of the single-key chart, with the `key` they address. */
  | KeyedEvent<V>
  | { readonly type: 'invalidateAll' }
  /** The one timer fired: some key's delayed event is due. */
  | { readonly type: 'deadlines.due' }
  | KeyFetchDoneEvent<V>
  | KeyFetchErrorEvent;

/**
 * Builds the registry chart for values of type `V`; at run time there is one,
 * {@link keyedCacheMachine}.
 */
const defineKeyedCacheMachine = <V>() =>
  setup({
    types: {
      context: {} as KeyedCacheContext<V>,
      events: {} as KeyedCacheEvent<V>,
      input: {} as KeyedCacheInput,
    },
    actions: {
      /** Hands an event to its key's chart, creating the key for `get` and `seed`. */
      forwardToKey: ({ context, event }) => context.entries.forwardToKey(event as KeyedEvent<V>),
      /** Sends `invalidate` to every key's chart. */
      invalidateAll: ({ context }) => context.entries.invalidateAll(),
      /** Delivers every key's delayed events that are due. */
      fireDueDeadlines: ({ context }) => context.entries.fireDueDeadlines(),
    },
  }).createMachine({
    id: 'keyedBackgroundCache',
    context: ({ input, self }) => ({ entries: new KeyTable<V>(input, self as unknown as RegistryRef) }),
    on: {
      get: { actions: 'forwardToKey' },
      seed: { actions: 'forwardToKey' },
      invalidate: { actions: 'forwardToKey' },
      invalidateAll: { actions: 'invalidateAll' },
      'deadlines.due': { actions: 'fireDueDeadlines' },
      refresh: { actions: 'forwardToKey' },
      'fetch.done': { actions: 'forwardToKey' },
      'fetch.error': { actions: 'forwardToKey' },
    },
  });

/** The registry chart's type for values of type `V`. */
export type KeyedCacheMachine<V = unknown> = ReturnType<typeof defineKeyedCacheMachine<V>>;

/**
 * The registry chart of a keyed cache. It owns the keys: every event for a
 * key goes through it, and it hands the event to that key's own
 * `backgroundCacheMachine` snapshot (see {@link KeyTable}), so each key lives
 * by the single-key chart exactly. Its own job is which keys exist: it
 * creates them on `get` and `seed`, removes them when their chart is
 * `empty`, and evicts the least recently used past `maxEntries`.
 */
export const keyedCacheMachine: KeyedCacheMachine = defineKeyedCacheMachine<unknown>();
