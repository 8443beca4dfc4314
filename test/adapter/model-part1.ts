/**
 * The independent model of Part 1 of SPEC.md (the core), in plain
 * TypeScript: no XState, nothing from src/. The differential test runs the
 * same random steps against it and the real cache and compares everything a
 * caller can see. Where the two disagree, one of them misreads the SPEC.
 *
 * Kept as it was written for Part 1: in runs with none of Part 2's options
 * the differential test holds the cache to it as well as to the Part 2 model
 * in test/adapter/model.ts ("with none of its options given, a cache behaves exactly
 * as Part 1").
 */

/** The chart states of the SPEC's state table. */
export type ModelStateName =
  'empty' | 'current.fresh' | 'current.stale' | 'refreshing.withPrevious' | 'refreshing.withoutPrevious';

/** What a caller of `get()` has seen; `stopped` stands for the cache's "stopped" error. */
export type ModelOutcome<V> =
  | { status: 'waiting' }
  | { status: 'resolved'; value: V }
  | { status: 'rejected'; reason: unknown }
  | { status: 'stopped' };

/** One call of a user's fetch. */
export interface ModelFetch<V> {
  readonly index: number;
  /** Callers waiting for this fetch's outcome (the caller that starts a background refresh does not wait). */
  readonly waiters: number[];
  settled: boolean;
  /** Superseded, or the cache stopped: its result is never stored. */
  released: boolean;
  /** Its signal aborted: released while unsettled with nobody waiting (guarantee 6). */
  aborted: boolean;
  /** The value it resolved with while released: must never be stored. */
  supersededValue?: V;
}

/** How a `get`'s fetch behaves if the cache calls it. */
export type FetchMode<V> = { kind: 'deferred' } | { kind: 'throws'; reason: unknown } | { kind: 'returns'; value: V };

export class Part1Model<V> {
  state: ModelStateName = 'empty';
  held: { value: V; storedAt: number } | undefined;
  stopped = false;
  now = 0;
  readonly fetches: ModelFetch<V>[] = [];
  readonly callers: ModelOutcome<V>[] = [];
  #owned: ModelFetch<V> | undefined;

  constructor(
    readonly ttl: number,
    readonly refreshWindow: number,
  ) {}

  /** The fetch the cache owns (whose result it will store), if any. */
  get owned(): ModelFetch<V> | undefined {
    return this.#owned;
  }

  /** `tryGet()`: the value only while fresh. */
  tryGet(): V | undefined {
    return !this.stopped && this.held && this.#age() < this.ttl - this.refreshWindow ? this.held.value : undefined;
  }

  /** A caller reads with a fetch that behaves as `mode` says. */
  get(mode: FetchMode<V>): void {
    const caller = this.callers.length;
    if (this.stopped) {
      this.callers.push({ status: 'stopped' });
      return;
    }
    this.callers.push({ status: 'waiting' });
    const serve = (): void => {
      this.callers[caller] = { status: 'resolved', value: this.held!.value };
    };
    const wait = (): void => {
      this.#owned!.waiters.push(caller);
    };
    const age = this.#age();
    switch (this.state) {
      case 'empty':
        this.#startFetch(mode, 'refreshing.withoutPrevious', wait);
        return;
      case 'current.fresh':
      case 'current.stale':
        if (age < this.ttl - this.refreshWindow) {
          serve();
        } else if (age < this.ttl) {
          serve();
          this.#startFetch(mode, 'refreshing.withPrevious', () => {});
        } else {
          this.held = undefined;
          this.#startFetch(mode, 'refreshing.withoutPrevious', wait);
        }
        return;
      case 'refreshing.withPrevious':
        if (age < this.ttl) {
          serve();
          return;
        }
        this.held = undefined;
        this.state = 'refreshing.withoutPrevious';
        wait();
        return;
      case 'refreshing.withoutPrevious':
        wait();
        return;
    }
  }

  seed(value: V): void {
    if (this.stopped) return;
    this.#release();
    this.held = { value, storedAt: this.now };
    this.state = 'current.fresh';
  }

  invalidate(): void {
    if (this.stopped) return;
    this.#release();
    this.held = undefined;
    this.state = 'empty';
  }

  stop(): void {
    if (this.stopped) return;
    this.#release();
    this.stopped = true;
  }

  /** A fetch settles: its waiters hear it; the cache stores it only if it still owns it. */
  settle(fetch: ModelFetch<V>, outcome: { ok: true; value: V } | { ok: false; reason: unknown }): void {
    fetch.settled = true;
    for (const caller of fetch.waiters) {
      this.callers[caller] = outcome.ok
        ? { status: 'resolved', value: outcome.value }
        : { status: 'rejected', reason: outcome.reason };
    }
    if (fetch !== this.#owned) {
      if (outcome.ok) fetch.supersededValue = outcome.value;
      return;
    }
    this.#owned = undefined;
    if (outcome.ok) {
      this.held = { value: outcome.value, storedAt: this.now };
      this.state = 'current.fresh';
    } else {
      // The previous value is kept with its own timestamp, if one is held.
      this.state = this.held ? 'current.stale' : 'empty';
    }
  }

  /** Time moves and no timer fires: every timer due meanwhile is late. */
  skip(ms: number): void {
    this.now += ms;
  }

  /**
   * Time moves and timers fire: each boundary the held value crosses moves
   * the state as the SPEC's delayed rows say, in the order they fall due (a
   * late timer fires now).
   */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let due = this.#nextBoundary(); due && due.at <= end; due = this.#nextBoundary()) {
      this.now = Math.max(this.now, due.at);
      due.cross();
    }
    this.now = end;
  }

  #age(): number {
    return this.held ? this.now - this.held.storedAt : Infinity;
  }

  #nextBoundary(): { at: number; cross(): void } | undefined {
    if (this.stopped || !this.held) return undefined;
    const refreshAt = this.held.storedAt + this.ttl - this.refreshWindow;
    const expireAt = this.held.storedAt + this.ttl;
    const drop = (next: ModelStateName) => () => {
      this.held = undefined;
      this.state = next;
    };
    switch (this.state) {
      case 'current.fresh':
        // At age ttl the value is expired, whatever the window.
        return refreshAt < expireAt
          ? {
              at: refreshAt,
              cross: () => {
                this.state = 'current.stale';
              },
            }
          : { at: expireAt, cross: drop('empty') };
      case 'current.stale':
        return { at: expireAt, cross: drop('empty') };
      case 'refreshing.withPrevious':
        return { at: expireAt, cross: drop('refreshing.withoutPrevious') };
      default:
        return undefined;
    }
  }

  #startFetch(mode: FetchMode<V>, next: ModelStateName, then: () => void): void {
    const fetch: ModelFetch<V> = {
      index: this.fetches.length,
      waiters: [],
      settled: false,
      released: false,
      aborted: false,
    };
    this.fetches.push(fetch);
    this.#owned = fetch;
    this.state = next;
    then();
    // A fetch that throws or returns a plain value settles before anyone else acts.
    if (mode.kind === 'throws') this.settle(fetch, { ok: false, reason: mode.reason });
    if (mode.kind === 'returns') this.settle(fetch, { ok: true, value: mode.value });
  }

  #release(): void {
    const fetch = this.#owned;
    if (!fetch) return;
    this.#owned = undefined;
    fetch.released = true;
    fetch.aborted = fetch.waiters.length === 0;
  }
}
