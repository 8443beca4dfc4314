import { createActor } from 'xstate';
import type { EventObject, StateValue } from 'xstate';
import { backgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { CacheClock } from '../adapter/clock.js';
import type {
  BackgroundCacheMachine,
  GetEvent,
  InvalidateEvent,
  SeedEvent,
} from '../machine/backgroundCacheMachine.js';
import type { CacheTimes } from '../machine/timing.js';
import { Deadlines } from './deadlines.js';
import { KeyEntry, plainAttempt } from './keyEntry.js';
import type { KeySnapshot, RegistryRef } from './keyEntry.js';
import type { EntryKey } from './keys.js';

/**
 * An event for one key's chart, addressed with `key`: a caller's `get`,
 * `seed` or `invalidate`, or the done or error event of the key's fetch.
 */
export type KeyedEvent<V> = (GetEvent<V> | SeedEvent<V> | InvalidateEvent | EventObject) & { readonly key: EntryKey };

/** What the registry is started with. */
export interface KeyTableSettings extends CacheTimes {
  /** The most entries the table keeps; see {@link KeyTable}. */
  readonly maxEntries: number;
  /** The clock of the registry's actor: the one deadline timer runs on it. */
  readonly clock: CacheClock;
}

/** How a key shows in inspection and in `JSON.stringify` of the registry's snapshot. */
export interface KeySummary {
  readonly key: string;
  /** The key's chart state: `'empty'` never shows, an empty key has no entry. */
  readonly state: StateValue;
  /** Clock time at which the key's value was stored; `undefined` (absent in JSON) when none is held. */
  readonly storedAt: number | undefined;
}

const INVALIDATE: InvalidateEvent = { type: 'invalidate' };

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
export class KeyTable<V> {
  readonly #entries = new Map<EntryKey, KeyEntry<V>>();
  readonly #maxEntries: number;
  readonly #registry: RegistryRef;
  /** What every key's flights need: the clock, and how an attempt runs. */
  readonly #host: ConstructorParameters<typeof KeyEntry<V>>[3];
  readonly #deadlines: Deadlines<KeyEntry<V>>;
  /** The chart's initial snapshot (`empty`), shared by every new key. */
  readonly #initial: KeySnapshot<V>;
  /** Least recently used entry: the first evicted. */
  #oldest: KeyEntry<V> | undefined;
  /** Most recently used entry. */
  #newest: KeyEntry<V> | undefined;

  /** @internal */
  constructor(settings: KeyTableSettings, registry: RegistryRef) {
    this.#maxEntries = settings.maxEntries;
    this.#registry = registry;
    const { clock } = settings;
    this.#host = { now: () => clock.now(), attempt: plainAttempt, lifetime: () => undefined };
    this.#deadlines = new Deadlines(settings.clock, () => registry.send({ type: 'deadlines.due' }));
    // An actor never started: its snapshot is the chart's initial one.
    this.#initial = createActor(backgroundCacheMachine as unknown as BackgroundCacheMachine<V>, {
      input: { ttl: settings.ttl, refreshWindow: settings.refreshWindow },
    }).getSnapshot();
  }

  /** How many keys are held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry of `key`, without marking it used. @internal */
  peek(key: EntryKey): KeyEntry<V> | undefined {
    return this.#entries.get(key);
  }

  /** Marks `entry` as the most recently used. @internal */
  touch(entry: KeyEntry<V>): void {
    if (entry === this.#newest) return;
    this.#unlink(entry);
    this.#append(entry);
  }

  /**
   * Hands an event to its key's chart. `get` and `seed` use the key: they
   * create its entry, or mark it used. Any other event for a key with no
   * entry is for nobody.
   *
   * @internal
   */
  forwardToKey(event: KeyedEvent<V>): void {
    let entry = this.#entries.get(event.key);
    const uses = event.type === 'get' || event.type === 'seed';
    if (entry === undefined) {
      if (!uses) return;
      entry = new KeyEntry(event.key, this.#registry, this.#initial, this.#host);
      this.#entries.set(event.key, entry);
      this.#append(entry);
    } else if (uses) {
      this.touch(entry);
    }
    this.#step(entry, event);
    this.#settle();
  }

  /** Sends `invalidate` to every key's chart: every entry goes. @internal */
  invalidateAll(): void {
    for (const entry of this.#entries.values()) this.#step(entry, INVALIDATE);
    this.#settle();
  }

  /** Fires every delayed event that is due, in the order they fall due. @internal */
  fireDueDeadlines(): void {
    for (let due = this.#deadlines.takeDue(); due !== undefined; due = this.#deadlines.takeDue()) {
      due.owner.fired(due);
      this.#step(due.owner, due.event);
    }
    this.#settle();
  }

  /**
   * The registry stopped: every key's flight is released (waiters still get
   * the outcome, an unwaited fetch is aborted), and every entry and timer goes.
   *
   * @internal
   */
  stop(): void {
    for (const entry of this.#entries.values()) entry.release();
    this.#entries.clear();
    this.#oldest = this.#newest = undefined;
    this.#deadlines.clear();
  }

  /** Every key with its chart state, least recently used first; never a value. */
  toJSON(): KeySummary[] {
    const summaries: KeySummary[] = [];
    for (let entry = this.#oldest; entry; entry = entry.newer) {
      const { value, context } = entry.snapshot;
      // JSON leaves out a `storedAt` that is undefined.
      summaries.push({ key: String(entry.key), state: value, storedAt: context.storedAt });
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
      // A key whose fetch is in flight is never evicted.
      if (!entry.inFlight) this.#remove(entry);
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
