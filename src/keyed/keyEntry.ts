import type { StateValue } from 'xstate';
import type { BackgroundCacheMachine, FetchDoneEvent, FetchErrorEvent } from '../machine/backgroundCacheMachine.js';
import { FlightRunner } from '../machine/flights.js';
import type { FlightHost } from '../machine/flights.js';
import type { CacheTimes } from '../machine/timing.js';
import type { SnapshotFrom } from 'xstate';
import type { Deadline } from './deadlines.js';
import type { EntryKey } from './keys.js';

/** One key's state: a snapshot of `backgroundCacheMachine`. */
export type KeySnapshot<V> = SnapshotFrom<BackgroundCacheMachine<V>>;

/** What {@link KeyedBackgroundCache.peek} shows of a key: its state, the value it may serve now, and the last failure. */
export interface KeyPeek<V> {
  /** The key's chart state, as in `backgroundCacheMachine` (`'failed'`, `{ current: 'fresh' }`, ...). */
  readonly state: StateValue;
  /** The value a read would be served now (fresh, in its window, or the previous during a refresh), else `undefined`. */
  readonly value: V | undefined;
  /** Why the key's last attempt failed, until a value is stored again. */
  readonly error: unknown;
}

/**
 * What every entry of a table shares: the clock, the lifetime settings, and where outcomes go.
 *
 * @internal
 */
export interface KeyShared<V> {
  now(): number;
  /** The lifetime of a fetched value of `key` when computed per value, else `undefined` (throws when it breaks the rules). */
  lifetime(value: V, key: unknown): CacheTimes | undefined;
  /** Hands an outcome of `entry`'s flight to the registry. */
  report(entry: KeyEntry<V>, event: FetchDoneEvent<V> | FetchErrorEvent): void;
  /** `fetchTimeout` for an attempt the chart let go (see {@link FlightHost.releasedTimeout}). */
  readonly releasedTimeout: FlightHost<V>['releasedTimeout'];
}

/**
 * One key: its chart's snapshot, advanced by the registry with the chart's
 * own transition function, plus the registry's bookkeeping (recency links,
 * pending deadlines) and, only while the key has a flight, the runner that
 * carries out its chart's flight commands. An idle key is this object and
 * its snapshot, nothing more.
 *
 * @internal
 */
export class KeyEntry<V> {
  /** The key as filed (the `Map` key). */
  readonly key: EntryKey;
  snapshot: KeySnapshot<V>;
  /** The entry used just before this one (toward the eviction end). */
  older: KeyEntry<V> | undefined;
  /** The entry used just after this one. */
  newer: KeyEntry<V> | undefined;
  /** The first of the chart's delayed events that have not fired yet (a list through `next`; a few at most). */
  deadline: Deadline<KeyEntry<V>> | undefined;
  /** Carries out the chart's flight commands; only while the key has a flight. */
  runner: FlightRunner<V> | undefined;

  constructor(key: EntryKey, snapshot: KeySnapshot<V>) {
    this.key = key;
    this.snapshot = snapshot;
  }

  /** True while the key's chart owns a flight (its entry must not be evicted). */
  get inFlight(): boolean {
    return this.runner?.current !== undefined;
  }

  /** Lets go of the key's flight: the registry stopped or dropped the key. */
  release(): void {
    this.runner?.release();
  }
}

/**
 * The host of one key's {@link FlightRunner}, made with it when the key's
 * flight starts: where outcomes go (the registry, addressed with the key),
 * and the key as the caller gave it, for `ttl` and `refreshWindow` functions.
 *
 * @internal
 */
export class KeyFlightHost<V> implements FlightHost<V> {
  readonly #shared: KeyShared<V>;
  readonly #entry: KeyEntry<V>;
  readonly #source: unknown;

  constructor(shared: KeyShared<V>, entry: KeyEntry<V>, source: unknown) {
    this.#shared = shared;
    this.#entry = entry;
    this.#source = source;
  }

  report(event: FetchDoneEvent<V> | FetchErrorEvent): void {
    this.#shared.report(this.#entry, event);
  }

  now(): number {
    return this.#shared.now();
  }

  lifetime(value: V): CacheTimes | undefined {
    return this.#shared.lifetime(value, this.#source);
  }

  get releasedTimeout(): FlightHost<V>['releasedTimeout'] {
    return this.#shared.releasedTimeout;
  }
}
