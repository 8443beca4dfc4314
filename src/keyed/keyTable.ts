import { createActor } from 'xstate';
import type { AnyActorRef, AnyActorScope, EventObject, StateValue } from 'xstate';
import { chartFor } from '../machine/backgroundCacheMachine.js';
import type { CacheClock } from '../adapter/clock.js';
import type {
  BackgroundCacheInput,
  BackgroundCacheMachine,
  FetchDoneEvent,
  FetchErrorEvent,
  FlightCommand,
} from '../machine/backgroundCacheMachine.js';
import { FlightRunner } from '../machine/flights.js';
import type { FlightHost } from '../machine/flights.js';
import { isExpiredAt } from '../machine/timing.js';
import type { CacheTimes } from '../machine/timing.js';
import { Deadlines } from './deadlines.js';
import type { Deadline } from './deadlines.js';
import { KeyEntry, KeyFlightHost } from './keyEntry.js';
import type { KeyPeek, KeyShared, KeySnapshot } from './keyEntry.js';
import type { EntryKey } from './keys.js';
import { createChartScope, shareEmptyTags } from './xstateSeams.js';
import type { ChartEffects } from './xstateSeams.js';

/** An event for one key's chart, addressed with `key`. */
export type KeyedEvent = EventObject & { readonly key: EntryKey };

/** What the registry is started with. */
export interface KeyTableSettings {
  /** Every key chart's input: the failure policy, and `ttl`/`refreshWindow` when they are numbers. */
  readonly chart: BackgroundCacheInput;
  /** The lifetime of a value of a key when computed per value, else `undefined`; throws when it breaks the rules. */
  readonly lifetime: (value: unknown, key: unknown) => CacheTimes | undefined;
  /** The most entries the table keeps; see {@link KeyTable}. */
  readonly maxEntries: number;
  /** The cache's clock: ages, and the one deadline timer. */
  readonly clock: CacheClock;
  /** `fetchTimeout` for attempts the chart let go while callers wait on them, when there is one. */
  readonly releasedTimeout?: FlightHost<unknown>['releasedTimeout'];
}

/** How a key changed in one step of the registry, as its snapshot shows it. */
export interface KeyChange {
  /** The key, as a string. */
  readonly key: string;
  /** Its chart state after the step; `'empty'` when the key left the table (expired, invalidated, evicted). */
  readonly state: StateValue;
}

const INVALIDATE: EventObject = { type: 'invalidate' };

/**
 * Every key of a keyed cache, owned by the registry's logic. Each entry's
 * state is a snapshot of {@link backgroundCacheMachine} (less its timeout
 * transition when there is no `fetchTimeout`, see `chartFor`), advanced by
 * the chart's own transition function; the table decides which entries exist:
 *
 * - `get`, `refresh` and `seed` create a key's entry; an entry whose chart
 *   reaches `empty` (expired, invalidated, failed with no `errorTtl`) is
 *   removed at once. A key in `failed` stays until its `errorTtl` ends.
 * - Past `maxEntries`, the least recently used entries with no fetch in
 *   flight are evicted. An entry with a fetch in flight is never evicted
 *   (its waiters and its single flight stay whole), so the table holds more
 *   than `maxEntries` entries only while more fetches than that are in flight.
 * - Every chart's delayed events wait in one heap behind one timer.
 * - The flights of every key are carried out here: a key's runner exists
 *   only while the key has a flight, and reports to the registry with the key.
 *
 * Only the registry's logic changes the table, one event at a time; readers
 * (the cache's fast paths) only look entries up and mark them used.
 *
 * @internal
 */
export class KeyTable<V> implements ChartEffects, KeyShared<V> {
  readonly #entries = new Map<EntryKey, KeyEntry<V>>();
  readonly #maxEntries: number;
  readonly #clock: CacheClock;
  readonly #lifetime: KeyTableSettings['lifetime'];
  readonly releasedTimeout: FlightHost<V>['releasedTimeout'];
  readonly #deadlines: Deadlines<KeyEntry<V>>;
  /** The chart's initial snapshot (`empty`), shared by every new key. */
  readonly #initial: KeySnapshot<V>;
  readonly #machine: BackgroundCacheMachine<V>;
  /** The registry: the one timer and every flight outcome go to it. Known from its first event. */
  #registry: AnyActorRef | undefined;
  /** The scope every key chart runs in, made once. */
  #scope: AnyActorScope | undefined;
  /** The entry whose chart is stepping, or whose step's effects are running. */
  #current: KeyEntry<V> | undefined;
  /** Effects of the step in progress, run once its snapshot is in place (one array, reused). */
  readonly #deferred: (() => void)[] = [];
  /** What changed in the event being handled; `undefined` while nothing has. */
  #changes: KeyChange[] | undefined;
  /** The last view of each entry handed out (only entries someone peeked at). */
  readonly #views = new WeakMap<KeyEntry<V>, KeyPeek<V>>();
  /** Least recently used entry: the first evicted. */
  #oldest: KeyEntry<V> | undefined;
  /** Most recently used entry. */
  #newest: KeyEntry<V> | undefined;

  constructor(settings: KeyTableSettings) {
    this.#maxEntries = settings.maxEntries;
    this.#clock = settings.clock;
    this.#lifetime = settings.lifetime;
    this.releasedTimeout = settings.releasedTimeout;
    this.#machine = chartFor<V>(settings.chart.fetchTimeout);
    this.#deadlines = new Deadlines(settings.clock, () => this.#registry!.send({ type: 'deadlines.due' }));
    // An actor never started: its snapshot is the chart's initial one.
    this.#initial = createActor(this.#machine, { input: settings.chart }).getSnapshot();
    shareEmptyTags(this.#initial);
  }

  /** How many keys are held. */
  get size(): number {
    return this.#entries.size;
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

  /**
   * What a reader sees of `entry` at clock time `now`: the same object as
   * last time while nothing it shows has changed.
   */
  view(entry: KeyEntry<V>, now: number): KeyPeek<V> {
    const { value: state, context } = entry.snapshot;
    const value =
      context.storedAt !== undefined && !isExpiredAt(context, context.storedAt, now) ? context.value : undefined;
    const last = this.#views.get(entry);
    if (last !== undefined && last.state === state && last.value === value && last.error === context.error) {
      return last;
    }
    const view = { state, value, error: context.error };
    this.#views.set(entry, view);
    return view;
  }

  /**
   * Handles one registry event. Returns what changed that a reader can see
   * (a key's chart snapshot, a key coming or going), or `undefined` when
   * nothing did.
   *
   * @param registry - The registry's scope: its actor hears the timer and the flights.
   */
  handle(event: EventObject, registry: AnyActorScope): KeyChange[] | undefined {
    this.#registry = registry.self;
    this.#scope ??= createChartScope(registry, this);
    this.#changes = undefined;
    this.#handle(event);
    return this.#changes;
  }

  #handle(event: EventObject): void {
    switch (event.type) {
      case 'deadlines.due':
        for (let due = this.#deadlines.takeDue(); due !== undefined; due = this.#deadlines.takeDue()) {
          this.#forget(due.owner, due);
          this.#step(due.owner, due.event);
        }
        break;
      case 'invalidateAll':
        for (const entry of this.#entries.values()) this.#step(entry, INVALIDATE);
        break;
      default:
        this.#forward(event as KeyedEvent);
    }
    this.#settle();
  }

  /**
   * The registry stopped: every key's flight is released (waiters still get
   * the outcome, an unwaited fetch is aborted), and every entry and timer goes.
   */
  stop(): void {
    for (const entry of this.#entries.values()) entry.release();
    this.#entries.clear();
    this.#oldest = this.#newest = undefined;
    this.#deadlines.clear();
  }

  // What the key charts ask for (ChartEffects), while one of them steps.

  schedule(id: string, event: EventObject, delay: number): void {
    const entry = this.#current!;
    entry.deadline = this.#deadlines.add(entry, id, event, delay, entry.deadline);
  }

  cancel(id: string): void {
    const entry = this.#current!;
    for (let deadline = entry.deadline; deadline !== undefined; deadline = deadline.next) {
      if (deadline.id === id) {
        this.#deadlines.remove(deadline);
        this.#forget(entry, deadline);
      }
    }
  }

  emit(command: EventObject): void {
    const entry = this.#current!;
    const flightCommand = command as FlightCommand<V>;
    // A runner only for a key with a flight: an idle key's `flight.release` has nothing to release.
    if (flightCommand.type === 'flight.start') {
      const source = (flightCommand.request as { source?: unknown }).source ?? entry.key;
      entry.runner ??= new FlightRunner<V>(new KeyFlightHost(this, entry, source));
    }
    entry.runner?.command(flightCommand);
  }

  defer(effect: () => void): void {
    this.#deferred.push(effect);
  }

  // What every entry shares (KeyShared).

  now(): number {
    return this.#clock.now();
  }

  lifetime(value: V, key: unknown): CacheTimes | undefined {
    return this.#lifetime(value, key);
  }

  report(entry: KeyEntry<V>, event: FetchDoneEvent<V> | FetchErrorEvent): void {
    // The runner's event is made for this report alone: addressed in place, no copy.
    (event as { key?: EntryKey }).key = entry.key;
    this.#registry!.send(event);
  }

  /**
   * Hands an event to its key's chart. `get`, `refresh` and `seed` use the
   * key: they create its entry, or mark it used. Any other event for a key
   * with no entry is for nobody.
   */
  #forward(event: KeyedEvent): void {
    let entry = this.#entries.get(event.key);
    const uses = event.type === 'get' || event.type === 'seed' || event.type === 'refresh';
    if (entry === undefined) {
      if (!uses) return;
      entry = new KeyEntry<V>(event.key, this.#initial);
      this.#entries.set(event.key, entry);
      this.#append(entry);
    } else if (uses) {
      this.touch(entry);
    }
    this.#step(entry, event);
  }

  /** Advances `entry`'s chart by `event`, then runs what the step asked for, as XState's actor would. */
  #step(entry: KeyEntry<V>, event: EventObject): void {
    const before = entry.snapshot;
    const outer = this.#current;
    this.#current = entry;
    const deferred = this.#deferred;
    const start = deferred.length;
    try {
      entry.snapshot = this.#machine.transition(before, event as never, this.#scope as never);
      // As in XState's actor: the snapshot is current before any effect
      // runs, so a fetch that re-enters the cache sees it.
      for (let i = start; i < deferred.length; i++) deferred[i]!();
    } finally {
      deferred.length = start;
      this.#current = outer;
    }
    if (entry.runner?.current === undefined) entry.runner = undefined;
    if (entry.snapshot === before) return;
    shareEmptyTags(entry.snapshot);
    const state = entry.snapshot.value;
    if (state === 'empty') this.#remove(entry);
    else this.#changed(entry.key, state);
  }

  #changed(key: EntryKey, state: StateValue): void {
    (this.#changes ??= []).push({ key: String(key), state });
  }

  /** Drops `deadline` from its owner's list (it fired or was cancelled). */
  #forget(entry: KeyEntry<V>, deadline: Deadline<KeyEntry<V>>): void {
    let previous: Deadline<KeyEntry<V>> | undefined;
    for (let link = entry.deadline; link !== deadline; link = link!.next) previous = link;
    if (previous === undefined) entry.deadline = deadline.next;
    else previous.next = deadline.next;
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
    for (let deadline = entry.deadline; deadline !== undefined; deadline = deadline.next) {
      this.#deadlines.remove(deadline);
    }
    entry.deadline = undefined;
    this.#changed(entry.key, 'empty');
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
