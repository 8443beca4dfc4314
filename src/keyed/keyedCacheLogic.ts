import type { ActorLogic, EventObject, Snapshot } from 'xstate';
import type {
  FetchDoneEvent,
  FetchErrorEvent,
  GetEvent,
  InvalidateEvent,
  RefreshEvent,
  SeedEvent,
} from '../machine/backgroundCacheMachine.js';
import type { KeyChange, KeyTable } from './keyTable.js';
import type { EntryKey } from './keys.js';
import { STOP_EVENT_TYPE } from './xstateSeams.js';

/**
 * What the registry's snapshot holds: a value, never the live table. A new
 * one (with the next `version`) whenever anything a reader can observe
 * changes, the same one otherwise, so that `useSyncExternalStore` and
 * `@xstate/react`'s `useSelector` re-render exactly when they should.
 */
export interface KeyedCacheView {
  /** Counts the changes a reader can observe: one per event that changed something. */
  readonly version: number;
  /** How many keys the cache held after the change. */
  readonly size: number;
  /** The keys this change touched, with their new state (`'empty'`: the key left). */
  readonly changes: readonly KeyChange[];
}

/** The registry actor's snapshot. */
export type KeyedCacheSnapshot = Snapshot<undefined> & { readonly context: KeyedCacheView };

/** The registry's events: the single-key chart's, addressed with a `key`, and its own. */
export type KeyedCacheEvent<V = unknown> =
  | ((GetEvent<V> | RefreshEvent<V> | SeedEvent<V> | InvalidateEvent | FetchDoneEvent<V> | FetchErrorEvent) & {
      readonly key: EntryKey;
    })
  /** `invalidate` for every key. */
  | { readonly type: 'invalidateAll' }
  /** The one timer fired: some key's delayed events are due. */
  | { readonly type: 'deadlines.due' };

/** The registry's logic (XState's public `ActorLogic`), for values of type `V`. */
export type KeyedCacheLogic<V = unknown> = ActorLogic<KeyedCacheSnapshot, KeyedCacheEvent<V>>;

const EMPTY: readonly KeyChange[] = [];

/**
 * The registry of a keyed cache, as XState actor logic: it owns `table`,
 * hands every event for a key to that key's own `backgroundCacheMachine`
 * snapshot (see {@link KeyTable}), so each key lives by the single-key chart
 * exactly, and decides which keys exist (created by `get`, `refresh` and
 * `seed`; gone when `empty`; the least recently used evicted past
 * `maxEntries`). Its snapshot is a version-stamped summary: a value.
 *
 * @internal
 */
export function createKeyedCacheLogic<V>(table: KeyTable<V>): KeyedCacheLogic<V> {
  return {
    getInitialSnapshot: () => ({
      status: 'active',
      output: undefined,
      error: undefined,
      context: { version: 0, size: 0, changes: EMPTY },
    }),
    transition(snapshot, event, scope) {
      if ((event as EventObject).type === STOP_EVENT_TYPE) {
        table.stop();
        return {
          status: 'stopped',
          output: undefined,
          error: undefined,
          context: { version: snapshot.context.version + 1, size: 0, changes: EMPTY },
        };
      }
      const changes = table.handle(event, scope);
      if (changes === undefined) return snapshot;
      return {
        status: 'active',
        output: undefined,
        error: undefined,
        context: { version: snapshot.context.version + 1, size: table.size, changes },
      };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}
