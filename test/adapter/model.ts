/**
 * An independent model of the cache, written from SPEC.md, Part 1 and Part 2
 * ("Version 2"), in plain TypeScript: no XState, nothing from src/. The
 * differential test runs the same random steps against it and the real cache
 * and compares everything a caller can see. Where the two disagree, one of
 * them misreads the SPEC.
 *
 * How it reads the SPEC where the SPEC is terse:
 * - Time moves in two ways: `advance` fires every timer due meanwhile, in the
 *   order they fall due; `skip` fires none, so they are late (a background
 *   tab, a sleeping laptop). A late timer, when it fires, acts as of the
 *   moment it was due ("late timers change nothing"). Only a caller's `get`
 *   judges the age at its own moment (SPEC "Late timers"); a fetch that
 *   settles after its `fetchTimeout` while the timeout's timer is late
 *   is ignored: the attempt times out then (guarantee 14, "a result that
 *   arrives later is ignored").
 * - Which waits a late timer's transition arms, and from when they count, is
 *   `lateTimers` (see {@link LateTimers}). `'spec'` is the SPEC's own reading,
 *   which the differential test holds the cache to (finding F1 in
 *   v2-differential-findings.test.ts, fixed); `'lagged'` is how the cache
 *   behaved before.
 * - An attempt of a flight the cache no longer owns (superseded, or the cache
 *   stopped) keeps its timeout while callers wait on it (guarantee 14 read
 *   literally; the "held every caller forever, even after stop()").
 *   Without the option below, it has none: the `fetchTimeout` row is a row of
 *   `refreshing.*`. Guarantee 14 read literally says otherwise ("every attempt settles within
 *   it"): {@link ModelOptions.supersededAttemptsTimeOut}, which the
 *   differential test holds the cache to (finding F2, fixed).
 * - Where the SPEC leaves an order open, the model takes the cache's: a `get`
 *   checks an aborted signal, then a missing fetch, then a stopped cache;
 *   `seed` checks `age`, then a stopped cache, then the lifetime.
 *   `peek().error` is the last failed attempt's reason until a value is stored
 *   (an `invalidate` keeps it).
 */
import type { CacheStateName } from '../../src/machine/backgroundCacheMachine.js';

/** The chart states of the SPEC's two state tables. */
export type ModelStateName = CacheStateName;

/**
 * Why something failed, as the model knows it. Each object stands for one
 * reason object of the real cache: the test checks that the same model reason
 * always meets the same real object.
 * - `given`: an object the test made (a fetch's rejection, a signal's reason),
 *   reaching callers unchanged.
 * - `timeout`: a `DOMException` named `TimeoutError`, the same object that
 *   aborted call `call`'s signal.
 * - `range`: a `RangeError` naming one of `names` (guarantee 11, or `age`), with
 *   what that option's function threw as `cause`, if it threw.
 */
export type ModelReason =
  | { readonly kind: 'given'; readonly reason: unknown }
  | { readonly kind: 'timeout'; readonly call: number }
  | { readonly kind: 'range'; readonly names: readonly string[]; readonly causes: ReadonlyMap<string, unknown> };

/** What a caller of `get()` or `refresh()` has seen. */
export type ModelOutcome<V> =
  | { readonly status: 'waiting' }
  | { readonly status: 'resolved'; readonly value: V }
  | { readonly status: 'rejected'; readonly reason: ModelReason }
  /** The cache's "stopped" error. */
  | { readonly status: 'stopped' }
  /** A `TypeError` naming `fetch`: no fetch given and no `fetch` option. */
  | { readonly status: 'noFetch' };

/** What one call of a user's fetch does: settle later (the test settles it), throw, or return a plain value. */
export type Behaviour<V> =
  | { readonly mode: 'deferred' }
  | { readonly mode: 'throws'; readonly reason: unknown }
  | { readonly mode: 'returns'; readonly value: V };

/**
 * What the retry attempts of any flight do, in the order the cache makes
 * them (the n-th retry attempt of the run, counted from 0). The test's fetch
 * functions read the same script, so the same objects meet on both sides.
 */
export interface RetryScript<V> {
  at(n: number): Behaviour<V>;
}

/**
 * How a late timer's transition arms the waits that follow it.
 * - `'spec'`: every wait ends at the time the SPEC gives it (the value's age,
 *   `errorTtl` after the failure, `retryDelay` after the failure), however late
 *   the timer that armed it fired; an attempt starts when its fetch is called.
 * - `'lagged'`: a wait armed by a late timer counts from when that timer fired,
 *   so it is as late as its cause; a retried attempt counts as started when
 *   its retry was due.
 */
export type LateTimers = 'spec' | 'lagged';

/** The cache's options as the model needs them, and the model's readings. */
export interface ModelOptions<V> {
  readonly ttl: number | ((value: V) => number);
  readonly refreshWindow: number | ((value: V) => number);
  readonly fetchTimeout?: number | undefined;
  readonly retry?: number | undefined;
  readonly retryDelay?: number | undefined;
  readonly errorTtl?: number | undefined;
  /** The `fetch` option is given. */
  readonly hasDefaultFetch: boolean;
  readonly retries: RetryScript<V>;
  readonly lateTimers: LateTimers;
  /**
   * Guarantee 14 read literally ("every attempt settles within it"): an attempt
   * of a superseded flight still times out for the callers waiting on it.
   * Off: only the owned flight's attempt times out (the `refreshing.*` row).
   */
  readonly supersededAttemptsTimeOut?: boolean | undefined;
}

/** A signal a caller may leave through (guarantee 13). */
export interface ModelSignal {
  readonly reason: unknown;
  aborted: boolean;
}

/** One call of a user's fetch: one attempt of a flight. */
export interface ModelCall<V> {
  readonly index: number;
  /** Which function was called: a caller's (by its label) or `'default'` (the `fetch` option). */
  readonly fetch: string;
  readonly flight: ModelFlight<V>;
  /** The test has settled it, or it returned or threw. */
  fetchSettled: boolean;
  /** Its signal aborted. */
  aborted: boolean;
  /** The reason its signal aborted with when it timed out (guarantee 14). */
  timeout?: ModelReason;
  /** A value it resolved with that must never be stored (its flight was superseded). */
  supersededValue?: V;
}

/** A flight: one fetch with its retries, and the callers waiting on it. */
export interface ModelFlight<V> {
  readonly fetch: string;
  readonly waiters: Set<number>;
  /** The cache will store its result. */
  owned: boolean;
  settled: boolean;
  /** The attempt in flight, if one is (none while waiting to retry). */
  attempt: ModelCall<V> | undefined;
  failures: number;
  lastReason: ModelReason | undefined;
  attemptAt: number;
  retryAt: number;
}

interface Held<V> {
  readonly value: V;
  readonly storedAt: number;
  readonly ttl: number;
  readonly refreshWindow: number;
}

/** When a wait of a state was armed: the lateness of its cause, and the time it was armed at. */
interface Armed {
  readonly lag: number;
  readonly actual: number;
  readonly order: number;
}

/** The moment a transition happens: `t` is when it counts as happening, `actual` the clock at that point. */
interface Moment {
  readonly t: number;
  readonly actual: number;
  readonly lag: number;
}

interface Timer {
  readonly at: number;
  readonly firesAt: number;
  readonly order: number;
  cross(moment: Moment): void;
}

const defaultRetryDelay = (failureCount: number): number => Math.min(1000 * 2 ** (failureCount - 1), 30_000);

const parentOf = (state: ModelStateName): string => state.split('.')[0]!;

export class CacheModel<V> {
  state: ModelStateName = 'empty';
  held: Held<V> | undefined;
  /** The end of the remembered final failure (`errorTtl`), if one is remembered. */
  failedUntil: number | undefined;
  /** The last failed attempt's reason, until a value is stored (`peek().error`). */
  error: ModelReason | undefined;
  stopped = false;
  now = 0;
  readonly calls: ModelCall<V>[] = [];
  readonly callers: ModelOutcome<V>[] = [];
  readonly #options: ModelOptions<V>;
  #owned: ModelFlight<V> | undefined;
  readonly #waitingOn = new Map<number, ModelFlight<V>>();
  readonly #signalOf = new Map<number, ModelSignal>();
  /** Released flights whose attempt may still time out (supersededAttemptsTimeOut). */
  readonly #released = new Set<ModelFlight<V>>();
  #retryCount = 0;
  #order = 0;
  #parent: Armed = { lag: 0, actual: 0, order: 0 };
  #child: Armed = { lag: 0, actual: 0, order: 0 };

  constructor(options: ModelOptions<V>) {
    this.#options = options;
  }

  /** The flight the cache owns (whose result it will store), if any. */
  get owned(): ModelFlight<V> | undefined {
    return this.#owned;
  }

  /** `tryGet()`: the value only while fresh. */
  tryGet(): V | undefined {
    const held = this.held;
    return !this.stopped && held && this.now - held.storedAt < held.ttl - held.refreshWindow ? held.value : undefined;
  }

  /** `peek()`: the state, the value a read would be served now, and the last failure. */
  peek(): { state: ModelStateName; value: V | undefined; error: ModelReason | undefined } {
    const held = this.held;
    return {
      state: this.state,
      value: held && this.now - held.storedAt < held.ttl ? held.value : undefined,
      error: this.error,
    };
  }

  /**
   * When the held value reaches its window or its ttl, the remembered failure
   * ends, or the flight's next wait ends; `failureAtWindow`: when a failure
   * would be remembered exactly until the held value's window.
   */
  boundary(kind: 'window' | 'failureAtWindow' | 'expiry' | 'failure' | 'retry' | 'timeout'): number | undefined {
    const held = this.held;
    const flight = this.#owned;
    switch (kind) {
      case 'window':
        return held && held.storedAt + held.ttl - held.refreshWindow;
      case 'failureAtWindow':
        return held && held.storedAt + held.ttl - held.refreshWindow - (this.#options.errorTtl ?? 0);
      case 'expiry':
        return held && held.storedAt + held.ttl;
      case 'failure':
        return this.failedUntil;
      case 'retry':
        return flight && !flight.attempt ? flight.retryAt : undefined;
      case 'timeout': {
        const { fetchTimeout } = this.#options;
        return flight?.attempt && fetchTimeout !== undefined ? flight.attemptAt + fetchTimeout : undefined;
      }
    }
  }

  /**
   * `get(fetch?, { signal })`: `fetch` is the label of the caller's own fetch,
   * or `undefined` for the `fetch` option; `first` is what its call does if
   * the read starts a flight.
   */
  get(fetch: string | undefined, first: Behaviour<V>, signal?: ModelSignal): void {
    const caller = this.#newCaller();
    if (signal?.aborted) return this.#reject(caller, { kind: 'given', reason: signal.reason });
    const label = fetch ?? (this.#options.hasDefaultFetch ? 'default' : undefined);
    if (label === undefined) return this.#outcome(caller, { status: 'noFetch' });
    if (this.stopped) return this.#outcome(caller, { status: 'stopped' });
    if (signal) this.#signalOf.set(caller, signal);
    const now = this.now;
    const held = this.held;
    const age = held ? now - held.storedAt : Infinity;
    const remembered = this.failedUntil !== undefined && now < this.failedUntil;
    switch (this.state) {
      case 'empty':
        return this.#start(label, first, 'refreshing.withoutPrevious', caller);
      case 'failed':
        // A late errorTtl timer: once the failure is over, the read acts as in `empty`.
        if (remembered) return this.#reject(caller, this.error!);
        return this.#start(label, first, 'refreshing.withoutPrevious', caller);
      case 'current.fresh':
      case 'current.stale':
      case 'current.backingOff':
        // One rule for every child: the age and a remembered failure decide (late timers).
        if (age >= held!.ttl) {
          this.held = undefined;
          if (remembered) {
            this.#enter('failed', this.#event(), true);
            return this.#reject(caller, this.error!);
          }
          return this.#start(label, first, 'refreshing.withoutPrevious', caller);
        }
        this.#outcome(caller, { status: 'resolved', value: held!.value });
        if (remembered || age < held!.ttl - held!.refreshWindow) return;
        return this.#start(label, first, 'refreshing.withPrevious', undefined);
      case 'refreshing.withPrevious':
      case 'retrying.withPrevious':
        if (age < held!.ttl) return this.#outcome(caller, { status: 'resolved', value: held!.value });
        this.held = undefined;
        this.#enter(
          this.state === 'refreshing.withPrevious' ? 'refreshing.withoutPrevious' : 'retrying.withoutPrevious',
        );
        return this.#join(caller);
      case 'refreshing.withoutPrevious':
      case 'retrying.withoutPrevious':
        return this.#join(caller);
    }
  }

  /** `refresh()`: fetch now with the `fetch` option, whatever the age; join a flight in flight. */
  refresh(first: Behaviour<V>): void {
    const caller = this.#newCaller();
    if (!this.#options.hasDefaultFetch) return this.#outcome(caller, { status: 'noFetch' });
    if (this.stopped) return this.#outcome(caller, { status: 'stopped' });
    const held = this.held;
    switch (parentOf(this.state)) {
      case 'empty':
      case 'failed':
        return this.#start('default', first, 'refreshing.withoutPrevious', caller);
      case 'current':
        if (this.now - held!.storedAt >= held!.ttl) {
          this.held = undefined;
          return this.#start('default', first, 'refreshing.withoutPrevious', caller);
        }
        return this.#start('default', first, 'refreshing.withPrevious', caller);
      default:
        return this.#join(caller);
    }
  }

  /** `seed(value, { age })`: what it returns, or what it throws. */
  seed(value: V, age?: number): { returns: boolean } | { throws: ModelReason } {
    if (age !== undefined && !(age >= 0 && age < Infinity)) {
      return { throws: { kind: 'range', names: ['age'], causes: new Map() } };
    }
    if (this.stopped) return { returns: false };
    const lifetime = this.#lifetime(value);
    if ('kind' in lifetime) return { throws: lifetime };
    const storedAge = age ?? 0;
    if (storedAge >= lifetime.ttl) return { returns: false };
    this.#release();
    this.held = { value, storedAt: this.now - storedAge, ...lifetime };
    this.failedUntil = undefined;
    this.error = undefined;
    this.#enter(
      storedAge < lifetime.ttl - lifetime.refreshWindow ? 'current.fresh' : 'current.stale',
      this.#event(),
      true,
    );
    return { returns: true };
  }

  invalidate(): void {
    if (this.stopped) return;
    this.#release();
    this.held = undefined;
    this.failedUntil = undefined;
    this.#enter('empty', this.#event(), true);
  }

  stop(): void {
    if (this.stopped) return;
    this.#release();
    this.stopped = true;
  }

  /** A caller's signal aborts: each of its callers still waiting leaves (guarantee 13). */
  leave(signal: ModelSignal): void {
    if (signal.aborted) return;
    signal.aborted = true;
    for (const [caller, callerSignal] of this.#signalOf) {
      if (callerSignal !== signal) continue;
      this.#signalOf.delete(caller);
      const flight = this.#waitingOn.get(caller);
      if (!flight) continue;
      this.#reject(caller, { kind: 'given', reason: signal.reason });
      this.#abortIfUnheard(flight);
    }
  }

  /** The user's fetch of `call` settles; what it means depends on whether that attempt still counts. */
  settle(call: ModelCall<V>, outcome: { ok: true; value: V } | { ok: false; reason: unknown }): void {
    call.fetchSettled = true;
    const flight = call.flight;
    // A timed-out attempt's outcome is ignored; so is one whose flight already settled.
    if (flight.attempt !== call || flight.settled) return;
    const { fetchTimeout } = this.#options;
    if (flight.owned && fetchTimeout !== undefined && this.now > flight.attemptAt + fetchTimeout) {
      // Its time was up before it answered (the timeout's timer is late): the
      // answer is ignored and the attempt times out, as of when it was due.
      this.#timeOut({ t: flight.attemptAt + fetchTimeout, actual: this.now, lag: 0 });
      return;
    }
    flight.attempt = undefined;
    this.#attemptOutcome(flight, call, outcome, this.#event());
  }

  /** Time moves and no timer fires: every timer due meanwhile is late. */
  skip(ms: number): void {
    this.now += ms;
  }

  /** Time moves and timers fire, in the order they fall due (a late one fires at once). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let timer = this.#nextTimer(); timer && timer.firesAt <= end; timer = this.#nextTimer()) {
      const actual = Math.max(this.now, timer.firesAt);
      this.now = actual;
      timer.cross({ t: timer.at, actual, lag: this.#options.lateTimers === 'lagged' ? actual - timer.at : 0 });
    }
    this.now = end;
  }

  // Flights.

  #start(label: string, first: Behaviour<V>, target: ModelStateName, waiter: number | undefined): void {
    const flight: ModelFlight<V> = {
      fetch: label,
      waiters: new Set(),
      owned: true,
      settled: false,
      attempt: undefined,
      failures: 0,
      lastReason: undefined,
      attemptAt: this.now,
      retryAt: 0,
    };
    this.#owned = flight;
    // A new flight leaves any remembered failure.
    this.failedUntil = undefined;
    this.#enter(target, this.#event(), true);
    if (waiter !== undefined) this.#join(waiter, flight);
    this.#runAttempt(flight, first);
  }

  #join(caller: number, flight = this.#owned!): void {
    flight.waiters.add(caller);
    this.#waitingOn.set(caller, flight);
  }

  /** Calls the flight's fetch; one that throws or returns a plain value settles before anyone else acts. */
  #runAttempt(flight: ModelFlight<V>, behaviour: Behaviour<V>): void {
    const call: ModelCall<V> = {
      index: this.calls.length,
      fetch: flight.fetch,
      flight,
      fetchSettled: behaviour.mode !== 'deferred',
      aborted: false,
    };
    this.calls.push(call);
    flight.attempt = call;
    if (behaviour.mode === 'deferred') return;
    flight.attempt = undefined;
    this.#attemptOutcome(
      flight,
      call,
      behaviour.mode === 'returns' ? { ok: true, value: behaviour.value } : { ok: false, reason: behaviour.reason },
      this.#event(),
    );
  }

  #attemptOutcome(
    flight: ModelFlight<V>,
    call: ModelCall<V>,
    outcome: { ok: true; value: V } | { ok: false; reason: unknown },
    moment: Moment,
  ): void {
    if (!flight.owned) {
      // Superseded: its callers get its outcome; nothing is stored, never judged, never retried.
      if (outcome.ok) call.supersededValue = outcome.value;
      this.#settleFlight(
        flight,
        outcome.ok
          ? { status: 'resolved', value: outcome.value }
          : { status: 'rejected', reason: { kind: 'given', reason: outcome.reason } },
      );
      return;
    }
    if (!outcome.ok) return this.#attemptFailed(flight, { kind: 'given', reason: outcome.reason }, moment);
    const lifetime = this.#lifetime(outcome.value);
    // A value whose computed lifetime breaks the rules is a failed attempt (guarantee 11).
    if ('kind' in lifetime) return this.#attemptFailed(flight, lifetime, moment);
    this.#owned = undefined;
    this.held = { value: outcome.value, storedAt: moment.t, ...lifetime };
    this.error = undefined;
    this.failedUntil = undefined;
    this.#enter('current.fresh', moment, true);
    this.#settleFlight(flight, { status: 'resolved', value: outcome.value });
  }

  #attemptFailed(flight: ModelFlight<V>, reason: ModelReason, moment: Moment): void {
    flight.failures++;
    flight.lastReason = reason;
    this.error = reason;
    const withPrevious = this.state === 'refreshing.withPrevious';
    const { retry = 0, retryDelay, errorTtl = 0 } = this.#options;
    if (flight.failures <= retry) {
      flight.retryAt = moment.t + (retryDelay ?? defaultRetryDelay(flight.failures));
      this.#enter(withPrevious ? 'retrying.withPrevious' : 'retrying.withoutPrevious', moment, true);
      return;
    }
    this.#owned = undefined;
    this.failedUntil = errorTtl > 0 ? moment.t + errorTtl : undefined;
    if (!withPrevious) {
      this.#enter(errorTtl > 0 ? 'failed' : 'empty', moment, true);
    } else {
      // The previous value is kept with its timestamp; its age picks the state.
      const held = this.held!;
      const fresh = moment.t - held.storedAt < held.ttl - held.refreshWindow;
      this.#enter(fresh ? 'current.fresh' : errorTtl > 0 ? 'current.backingOff' : 'current.stale', moment, true);
    }
    this.#settleFlight(flight, { status: 'rejected', reason });
  }

  /** The cache lets go of its flight (superseded, or stopped). */
  #release(): void {
    const flight = this.#owned;
    if (!flight) return;
    this.#owned = undefined;
    flight.owned = false;
    if (flight.attempt) {
      // Its attempt keeps its timeout while callers wait on it; with none, it aborts.
      if (this.#options.supersededAttemptsTimeOut && this.#options.fetchTimeout !== undefined) {
        this.#released.add(flight);
      }
      this.#abortIfUnheard(flight);
    } else {
      // Waiting to retry: no further attempt; its callers reject with its last failure's reason.
      this.#settleFlight(flight, { status: 'rejected', reason: flight.lastReason! });
    }
  }

  /** A flight nobody can hear any more aborts its attempt (guarantee 6). */
  #abortIfUnheard(flight: ModelFlight<V>): void {
    if (!flight.owned && flight.waiters.size === 0 && flight.attempt && !flight.settled) {
      flight.attempt.aborted = true;
      this.#released.delete(flight);
    }
  }

  #settleFlight(flight: ModelFlight<V>, outcome: ModelOutcome<V>): void {
    flight.settled = true;
    this.#released.delete(flight);
    for (const caller of flight.waiters) this.#outcome(caller, outcome);
    flight.waiters.clear();
  }

  // Callers.

  #newCaller(): number {
    this.callers.push({ status: 'waiting' });
    return this.callers.length - 1;
  }

  #outcome(caller: number, outcome: ModelOutcome<V>): void {
    if (this.callers[caller]!.status !== 'waiting') return;
    this.callers[caller] = outcome;
    const flight = this.#waitingOn.get(caller);
    flight?.waiters.delete(caller);
    this.#waitingOn.delete(caller);
    this.#signalOf.delete(caller);
  }

  #reject(caller: number, reason: ModelReason): void {
    this.#outcome(caller, { status: 'rejected', reason });
  }

  // Lifetimes (guarantee 11).

  #lifetime(value: V): { ttl: number; refreshWindow: number } | ModelReason {
    const { ttl, refreshWindow } = this.#options;
    if (typeof ttl === 'number' && typeof refreshWindow === 'number') return { ttl, refreshWindow };
    const causes = new Map<string, unknown>();
    const evaluate = (name: string, setting: number | ((value: V) => number)): number => {
      if (typeof setting === 'number') return setting;
      try {
        return setting(value);
      } catch (thrown) {
        causes.set(name, thrown);
        return NaN;
      }
    };
    const t = evaluate('ttl', ttl);
    const w = evaluate('refreshWindow', refreshWindow);
    const names: string[] = [];
    const ttlBroken = !(t > 0 && t < Infinity);
    const windowBroken = !(w >= 0 && w < Infinity);
    if (ttlBroken) names.push('ttl');
    if (windowBroken) names.push('refreshWindow');
    if (!ttlBroken && !windowBroken && w >= t) {
      // `0 <= refreshWindow < ttl` broken between the two: either may be named.
      names.push('refreshWindow');
      if (typeof ttl === 'function') names.push('ttl');
    }
    return names.length === 0 ? { ttl: t, refreshWindow: w } : { kind: 'range', names, causes };
  }

  // States and their waits.

  /** The moment of a caller's event or a fetch's outcome: now, not late. */
  #event(): Moment {
    return { t: this.now, actual: this.now, lag: 0 };
  }

  /**
   * Moves to `state`, arming its waits from `moment`; a state's parent
   * (`current`, `refreshing`, `retrying`) keeps its own waits unless it is
   * entered anew.
   */
  #enter(state: ModelStateName, moment: Moment = this.#event(), reenterParent = false): void {
    const armed = (): Armed => ({ lag: moment.lag, actual: moment.actual, order: ++this.#order });
    if (reenterParent || parentOf(state) !== parentOf(this.state)) this.#parent = armed();
    this.#child = armed();
    this.state = state;
  }

  #nextTimer(): Timer | undefined {
    const timers: Timer[] = this.stopped ? [] : this.#timers();
    for (const flight of this.#released) {
      const call = flight.attempt!;
      const at = flight.attemptAt + this.#options.fetchTimeout!;
      timers.push({ at, firesAt: at, order: -1, cross: () => this.#timeOutReleased(flight, call) });
    }
    let next: Timer | undefined;
    for (const timer of timers) {
      if (!next || timer.firesAt < next.firesAt || (timer.firesAt === next.firesAt && timer.order < next.order)) {
        next = timer;
      }
    }
    return next;
  }

  /** The waits of the current state, with when each is due and what it does. */
  #timers(): Timer[] {
    const timers: Timer[] = [];
    const add = (armed: Armed, at: number, cross: (moment: Moment) => void): void => {
      timers.push({ at, firesAt: Math.max(at + armed.lag, armed.actual), order: armed.order, cross });
    };
    const held = this.held;
    const flight = this.#owned;
    const expireAt = held ? held.storedAt + held.ttl : NaN;
    const state = this.state;
    switch (parentOf(state)) {
      case 'failed':
        add(this.#parent, this.failedUntil!, (moment) => {
          this.failedUntil = undefined;
          this.#enter('empty', moment);
        });
        break;
      case 'current':
        add(this.#parent, expireAt, (moment) => {
          this.held = undefined;
          const remembered = this.failedUntil !== undefined && moment.t < this.failedUntil;
          this.#enter(remembered ? 'failed' : 'empty', moment);
        });
        break;
      case 'refreshing':
        if (this.#options.fetchTimeout !== undefined) {
          add(this.#parent, flight!.attemptAt + this.#options.fetchTimeout, (moment) => this.#timeOut(moment));
        }
        break;
      case 'retrying':
        add(this.#parent, flight!.retryAt, (moment) => this.#retry(moment));
        break;
    }
    switch (state) {
      case 'current.fresh':
        add(this.#child, held!.storedAt + held!.ttl - held!.refreshWindow, (moment) => {
          const remembered = this.failedUntil !== undefined && moment.t < this.failedUntil;
          this.#enter(remembered ? 'current.backingOff' : 'current.stale', moment);
        });
        break;
      case 'current.backingOff':
        add(this.#child, this.failedUntil!, (moment) => {
          this.failedUntil = undefined;
          this.#enter('current.stale', moment);
        });
        break;
      case 'refreshing.withPrevious':
      case 'retrying.withPrevious':
        add(this.#child, expireAt, (moment) => {
          this.held = undefined;
          this.#enter(
            state === 'refreshing.withPrevious' ? 'refreshing.withoutPrevious' : 'retrying.withoutPrevious',
            moment,
          );
        });
        break;
      default:
        break;
    }
    return timers;
  }

  /** The owned attempt ran `fetchTimeout` ms: its signal aborts with a TimeoutError, and it fails with it. */
  #timeOut(moment: Moment): void {
    const flight = this.#owned!;
    const call = flight.attempt!;
    const reason: ModelReason = { kind: 'timeout', call: call.index };
    call.aborted = true;
    call.timeout = reason;
    flight.attempt = undefined;
    this.#attemptFailed(flight, reason, moment);
  }

  #timeOutReleased(flight: ModelFlight<V>, call: ModelCall<V>): void {
    const reason: ModelReason = { kind: 'timeout', call: call.index };
    call.aborted = true;
    call.timeout = reason;
    flight.attempt = undefined;
    this.#settleFlight(flight, { status: 'rejected', reason });
  }

  /** The retry delay is over: the flight's next attempt, with a new call of its fetch. */
  #retry(moment: Moment): void {
    const flight = this.#owned!;
    flight.attemptAt = this.#options.lateTimers === 'lagged' ? moment.t : moment.actual;
    this.#enter(this.held ? 'refreshing.withPrevious' : 'refreshing.withoutPrevious', moment, true);
    this.#runAttempt(flight, this.#options.retries.at(this.#retryCount++));
  }
}
