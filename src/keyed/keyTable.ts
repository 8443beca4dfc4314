import { initialTransition } from 'xstate';
import type { ActorRef, EventObject, StateValue } from 'xstate';
import type { CacheClock } from '../adapter/clock.js';
import { backgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type {
  BackgroundCacheMachine,
  GetEvent,
  InvalidateEvent,
  SeedEvent,
} from '../machine/backgroundCacheMachine.js';
import type { CacheTimes } from '../machine/timing.js';
import { Deadlines } from './deadlines.js';
import { KeyEntry } from './keyEntry.js';
import type { ActorSystemOf, EntryHost, KeySnapshot } from './keyEntry.js';
import type { EntryKey } from './keys.js';

/** A caller's event for one key: the single-key chart's event, addressed with `key`. */
export type KeyedEvent<V> = (GetEvent<V> | SeedEvent<V> | InvalidateEvent) & { readonly key: EntryKey };

/** A key's fetch actor finished: XState's done or error event, addressed with its entry. */
export type KeyFetchOutcomeEvent = EventObject & { readonly entry: KeyEntry<unknown> };

/** What the registry is started with. */
export interface KeyTableSettings extends CacheTimes {
  /** The most entries the table keeps; see {@link KeyTable}. */
  readonly maxEntries: number;
  /** The clock of the registry's actor: the one deadline timer runs on it. */
  readonly clock: CacheClock;
}

/** The registry's actor, as the table sees it. */
export type RegistryRef = ActorRef<never, EventObject> & { readonly system: ActorSystemOf };

/** How a key shows in inspection and in `JSON.stringify` of the registry's snapshot. */
export interface KeySummary {
  readonly key: string;
  /** The key's chart state: `'empty'` never shows, an empty key has no entry. */
  readonly state: StateValue;
  /** Clock time at which the key's value was stored; absent when none is held. */
  readonly storedAt?: number;
}

const INVALIDATE: InvalidateEvent = { type: 'invalidate' };
const STOP: EventObject = { type: 'xstate.stop' };

/**
 * Every key of a keyed cache, in the registry's context. Each entry's state
 * is a snapshot of {@link backgroundCacheMachine}, advanced by the chart's own
 * transition function; the table only decides which entries exist:
 *
 * - `get` and `seed` create a key's entry; an entry whose chart reaches
 *   `empty` (expired, invalidated, failed) is removed at once.
 * - Past `maxEntries`, the least recently used entries with no fetch in
 *   flight are evicted. An entry with a fetch in flight is never evicted
 *   (its waiters and its single flight stay whole), so the table holds more
 *   than `maxEntries` entries only while more fetches than that are in flight.
 * - Every chart's delayed events wait in one heap behind one timer.
 *
 * The registry mutates the table in its actions, one event at a time; readers
 * (the cache's fast paths) only look entries up and mark them used.
 */
export class KeyTable<V> implements EntryHost {
  readonly #entries = new Map<EntryKey, KeyEntry<V>>();
  readonly #maxEntries: number;
  readonly #registry: RegistryRef;
  readonly #deadlines: Deadlines<KeyEntry<V>>;
  /** The chart's initial snapshot (`empty`), shared by every new key. */
  readonly #initial: KeySnapshot<V>;
  /** Least recently used entry: the first evicted. */
  #oldest: KeyEntry<V> | undefined;
  /** Most recently used entry. */
  #newest: KeyEntry<V> | undefined;

  constructor(settings: KeyTableSettings, registry: RegistryRef) {
    this.#maxEntries = settings.maxEntries;
    this.#registry = registry;
    this.#deadlines = new Deadlines(settings.clock, () => registry.send({ type: 'deadlines.due' }));
    const machine = backgroundCacheMachine as unknown as BackgroundCacheMachine<V>;
    [this.#initial] = initialTransition(machine, { ttl: settings.ttl, refreshWindow: settings.refreshWindow });
  }

  get system(): ActorSystemOf {
    return this.#registry.system;
  }

  get sessionId(): string {
    return this.#registry.sessionId;
  }

  /** How many keys are held. */
  get size(): number {
    return this.#entries.size;
  }

  /** How many of the charts' delayed events are pending (one timer serves them all). */
  get pendingDeadlines(): number {
    return this.#deadlines.size;
  }

  /** The entry of `key`, without marking it used. */
  peek(key: EntryKey): KeyEntry<V> | undefined {
    return this.#entries.get(key);
  }

  /** Marks `entry` as the most recently used. */
  touch(entry: KeyEntry<V>): void {
    if (entry === this.#newest) return;
    this.#unlink(entry);
    this.#append(entry);
  }

  /** Hands a caller's event to its key's chart; `get` and `seed` create the key. */
  forward(event: KeyedEvent<V>): void {
    let entry = this.#entries.get(event.key);
    if (entry === undefined) {
      if (event.type === 'invalidate') return;
      entry = new KeyEntry(event.key, this.#initial, this);
      this.#entries.set(event.key, entry);
      this.#append(entry);
    } else if (event.type !== 'invalidate') {
      this.touch(entry);
    }
    this.#step(entry, event);
    this.#settle();
  }

  /** Hands a key's fetch outcome to that key's chart. */
  forwardFetchOutcome(event: KeyFetchOutcomeEvent): void {
    this.#step(event.entry as KeyEntry<V>, event);
    this.#settle();
  }

  /** Sends `invalidate` to every key's chart: every entry goes. */
  invalidateAll(): void {
    for (const entry of this.#entries.values()) this.#step(entry, INVALIDATE);
    this.#settle();
  }

  /** Fires every delayed event that is due, in the order they fall due. */
  fireDueDeadlines(): void {
    for (let due = this.#deadlines.takeDue(); due !== undefined; due = this.#deadlines.takeDue()) {
      due.owner.fired(due);
      this.#step(due.owner, due.event);
    }
    this.#settle();
  }

  /**
   * The registry stopped: every chart with a fetch in flight is stopped as
   * XState stops an actor (its fetch is released: waiters still get the
   * outcome, an unwaited fetch is aborted), and every entry and timer goes.
   */
  stop(): void {
    for (const entry of this.#entries.values()) {
      if (entry.isFetching) entry.step(STOP, this.#deadlines);
    }
    this.#entries.clear();
    this.#oldest = this.#newest = undefined;
    this.#deadlines.clear();
  }

  /** Called by an entry with its fetch actor's done or error event. */
  relay(entry: KeyEntry<unknown>, event: EventObject): void {
    this.#registry.send({ ...event, entry } as never);
  }

  /** Every key with its chart state, least recently used first; never a value. */
  toJSON(): KeySummary[] {
    const summaries: KeySummary[] = [];
    for (let entry = this.#oldest; entry !== undefined; entry = entry.newer) {
      const { value, context } = entry.snapshot;
      summaries.push({
        ...entry.toJSON(),
        state: value,
        ...(context.storedAt !== undefined && { storedAt: context.storedAt }),
      });
    }
    return summaries;
  }

  #step(entry: KeyEntry<V>, event: EventObject): void {
    entry.step(event, this.#deadlines);
    if (entry.snapshot.value === 'empty') this.#remove(entry);
  }

  /** After every event: back under `maxEntries` if possible, and the timer armed for the next deadline. */
  #settle(): void {
    for (let entry = this.#oldest; entry !== undefined && this.#entries.size > this.#maxEntries;) {
      const newer = entry.newer;
      if (!entry.isFetching) this.#remove(entry);
      entry = newer;
    }
    this.#deadlines.arm();
  }

  #remove(entry: KeyEntry<V>): void {
    this.#entries.delete(entry.key);
    this.#unlink(entry);
    for (const deadline of entry.deadlines) this.#deadlines.remove(deadline);
  }

  #append(entry: KeyEntry<V>): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  #unlink(entry: KeyEntry<V>): void {
    const { older, newer } = entry;
    if (older) older.newer = newer;
    else this.#oldest = newer;
    if (newer) newer.older = older;
    else this.#newest = older;
    entry.older = entry.newer = undefined;
  }
}
