import type { InspectionEvent, Observer } from 'xstate';
import type { InspectionMask } from '../inspect/redactInspection.js';
import type { FetchFn } from '../machine/backgroundCacheMachine.js';
import { brokenTimeSetting } from '../machine/timing.js';
import { expected } from './errors.js';
import type { CacheClock } from './clock.js';
import type { CachePersister, CacheSharing, RefreshTrigger } from './extensions.js';

/** Options every cache takes: its time source and what inspection sees. */
export interface CacheSettings {
  /**
   * Time source and timers. XState's `SimulatedClock` fits, for tests.
   *
   * @defaultValue real time that counts while the machine sleeps and never
   *   runs backwards, with unref'd global timers ({@link createSystemClock})
   */
  clock?: CacheClock | undefined;
  /**
   * An XState inspection observer for the cache's actor (for example
   * `createBrowserInspector().inspect` from `@statelyai/inspect`). It sees
   * every event and snapshot, with the cached value and failure reasons
   * hidden as {@link CacheSettings.redact | redact} says.
   */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  /**
   * What {@link CacheSettings.inspect | inspect} sees of the cached value and
   * of a failed fetch's reason: `true` hides both as `'[redacted]'`, a
   * function chooses what replaces each one ({@link redactInspection}), and
   * `false` shows them as they are.
   *
   * @defaultValue `true`
   */
  redact?: boolean | InspectionMask | undefined;
}

/** How a cache copes with a slow or failing backend (SPEC Part 2). All off by default. */
export interface ResilienceOptions {
  /**
   * Milliseconds an attempt may take: one still pending then fails with a
   * `DOMException` named `TimeoutError`, and its signal aborts with that same
   * reason; a result that arrives later is ignored. Finite, > 0.
   *
   * @defaultValue none: an attempt may take as long as it takes
   */
  fetchTimeout?: number | undefined;
  /**
   * Attempts after the first failure of a flight: a whole number, or a
   * function asked after each failure (`failureCount` counts from 1), which
   * allows one more attempt when it returns `true`. Callers keep waiting
   * through the retries, in `retrying.*`; see {@link ResilienceOptions.retryDelay}.
   *
   * @defaultValue `0`: a failure is final
   */
  retry?: number | ((failureCount: number, reason: unknown) => boolean) | undefined;
  /**
   * Milliseconds between a failed attempt and the next: a number, or a
   * function of the failure count and reason. A function that throws or
   * returns a negative or non-finite number gets the default.
   *
   * @defaultValue `min(1000 * 2 ** (failureCount - 1), 30_000)`
   */
  retryDelay?: number | ((failureCount: number, reason: unknown) => number) | undefined;
  /**
   * Milliseconds a flight's final failure is remembered. Meanwhile no fetch
   * starts except by `refresh()`, `seed` or `invalidate`: with nothing to
   * serve, `get` rejects at once with the same reason (`failed`); a value in
   * its window is served without a refresh (`current.backingOff`). Finite, >= 0.
   *
   * @defaultValue `0`: failures are not remembered
   */
  errorTtl?: number | undefined;
}

/**
 * `T`, which TypeScript does not infer from this position: the value type of
 * a cache comes from `ttl`, `refreshWindow` and `fetch`, and a `persist` or
 * `share` made without a type argument (`shareAcrossTabs('token')`) takes it
 * from them instead of making it `unknown`. (The built-in `NoInfer` needs
 * TypeScript 5.4.)
 */
type InferredElsewhere<T> = [T][T extends unknown ? 0 : never];

/** Options of {@link createBackgroundCache}. */
export interface BackgroundCacheOptions<V = unknown> extends CacheSettings, ResilienceOptions {
  /**
   * Milliseconds a stored value may be served, counted from the moment it was
   * stored (a fetch resolved, or `seed()`). Finite and > 0; may exceed what one
   * timer holds (timers are re-armed). A function computes it for each value
   * when it is stored (a token's `expires_in`); one that throws or breaks the
   * rules stores nothing (guarantee 11).
   */
  ttl: number | ((value: V) => number);
  /**
   * Milliseconds before {@link BackgroundCacheOptions.ttl | ttl} in which a read
   * still gets the value at once but also starts one background refresh.
   * Finite, `0 <= refreshWindow < ttl`; `0` means no background refresh. A
   * function computes it for each value, as for `ttl`.
   */
  refreshWindow: number | ((value: V) => number);
  /**
   * The default fetch: what `get()` with no fetch, `refresh()`, `refreshOn`
   * and `share` call. Called once per attempt with a signal that aborts when
   * its result can reach no one or the attempt times out.
   *
   * @defaultValue none: `get` needs a fetch, and `refresh()` rejects
   */
  fetch?: FetchFn<V> | undefined;
  /** Keeps the value across reloads ({@link CachePersister}; `storagePersister` from `xstate-background-cache/persist`). */
  persist?: CachePersister<InferredElsewhere<V>> | undefined;
  /** Shares one fetch and every value among caches of a name ({@link CacheSharing}; `shareAcrossTabs` from `xstate-background-cache/share`). Needs `fetch`. */
  share?: CacheSharing<InferredElsewhere<V>> | undefined;
  /** Checks the value when these fire ({@link RefreshTrigger}; `refreshOnVisible()` from `xstate-background-cache/browser`). Needs `fetch`. */
  refreshOn?: readonly RefreshTrigger[] | undefined;
}

/** The option names every cache takes. */
export const SETTING_NAMES = [
  'ttl',
  'refreshWindow',
  'clock',
  'inspect',
  'redact',
  'fetch',
  'fetchTimeout',
  'retry',
  'retryDelay',
  'errorTtl',
] as const;

const SINGLE_CACHE_NAMES = [...SETTING_NAMES, 'persist', 'share', 'refreshOn'];

const CLOCK_METHODS = ['now', 'setTimeout', 'clearTimeout'] as const;

const isObject = (input: unknown): input is Record<string, unknown> => typeof input === 'object' && input !== null;

/** A `TypeError` naming each unknown option, so that a misspelt name never passes silently. */
function assertKnownNames(options: Record<string, unknown>, names: readonly string[]): void {
  const unknown = Object.keys(options).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    const list = unknown.map((name) => `\`${name}\``).join(', ');
    throw new TypeError(`Unknown option${unknown.length > 1 ? 's' : ''} ${list}; expected some of ${names.join(', ')}`);
  }
}

/** Checks a number, or a function when `orFunction`; `rule` is the RangeError's "expected" text. */
function assertNumber(
  name: string,
  input: unknown,
  ok: (input: number) => boolean,
  rule: string,
  orFunction = false,
): void {
  if (input === undefined || (orFunction && typeof input === 'function')) return;
  if (typeof input !== 'number') {
    throw expected(TypeError, name, orFunction ? `${rule}, or a function` : rule, input);
  }
  if (!ok(input)) throw expected(RangeError, name, rule, input);
}

/**
 * Checks what every cache takes, in SPEC's order: unknown names first
 * (`TypeError`), then each setting (`RangeError` naming it for a number out
 * of bounds, `TypeError` for a wrong kind).
 *
 * @param names - The option names this cache takes.
 */
export function validateSettings(
  options: unknown,
  names: readonly string[],
): asserts options is Record<string, unknown> {
  if (!isObject(options)) {
    throw expected(TypeError, 'options', 'an object with `ttl` and `refreshWindow`', options);
  }
  assertKnownNames(options, names);
  const { ttl, refreshWindow, clock, inspect, redact, fetchTimeout, retry, retryDelay, errorTtl } = options;
  if (typeof ttl === 'function' || typeof refreshWindow === 'function') {
    // Judged per value when it is stored; here only what can be judged alone.
    if (typeof ttl !== 'function') assertNumber('ttl', ttl ?? NaN, (n) => n > 0 && n < Infinity, 'a finite number > 0');
    if (typeof refreshWindow !== 'function') {
      assertNumber('refreshWindow', refreshWindow ?? NaN, (n) => n >= 0 && n < Infinity, 'a finite number >= 0', true);
    }
  } else {
    const broken = brokenTimeSetting(ttl, refreshWindow);
    if (broken === 'ttl') throw expected(RangeError, 'ttl', 'a finite number > 0, or a function', ttl);
    if (broken) {
      throw expected(RangeError, 'refreshWindow', `a finite number >= 0 and < \`ttl\` (${String(ttl)})`, refreshWindow);
    }
  }
  assertNumber('fetchTimeout', fetchTimeout, (n) => n > 0 && n < Infinity, 'a finite number > 0');
  assertNumber('retry', retry, (n) => Number.isSafeInteger(n) && n >= 0, 'a whole number >= 0', true);
  assertNumber('retryDelay', retryDelay, (n) => n >= 0 && n < Infinity, 'a finite number >= 0', true);
  assertNumber('errorTtl', errorTtl, (n) => n >= 0 && n < Infinity, 'a finite number >= 0');
  if (clock !== undefined && !(isObject(clock) && CLOCK_METHODS.every((name) => typeof clock[name] === 'function'))) {
    throw expected(TypeError, 'clock', 'an object with now(), setTimeout() and clearTimeout()', clock);
  }
  if (
    inspect !== undefined &&
    typeof inspect !== 'function' &&
    !(isObject(inspect) && typeof inspect['next'] === 'function')
  ) {
    throw expected(TypeError, 'inspect', 'a function or an observer with next()', inspect);
  }
  if (redact !== undefined && typeof redact !== 'boolean' && typeof redact !== 'function') {
    throw expected(TypeError, 'redact', 'a boolean or a function', redact);
  }
}

/**
 * Checks `options` of {@link createBackgroundCache} and throws what a caller
 * can act on: a `TypeError` naming unknown options, a `RangeError` naming a
 * number out of bounds, a `TypeError` for a misshapen clock, inspector,
 * `redact`, `fetch`, `persist`, `share` or `refreshOn`, and for `share` or
 * `refreshOn` without `fetch`.
 */
export function validateOptions(options: unknown): asserts options is BackgroundCacheOptions<unknown> {
  validateSettings(options, SINGLE_CACHE_NAMES);
  const { fetch, persist, share, refreshOn } = options;
  if (fetch !== undefined && typeof fetch !== 'function') throw expected(TypeError, 'fetch', 'a function', fetch);
  if (
    persist !== undefined &&
    !(isObject(persist) && ['load', 'save', 'remove'].every((name) => typeof persist[name] === 'function'))
  ) {
    throw expected(TypeError, 'persist', 'a persister with load(), save() and remove()', persist);
  }
  if (share !== undefined && !(isObject(share) && typeof share['connect'] === 'function')) {
    throw expected(TypeError, 'share', 'a CacheSharing with connect()', share);
  }
  if (
    refreshOn !== undefined &&
    !(
      Array.isArray(refreshOn) &&
      refreshOn.every((trigger) => isObject(trigger) && typeof trigger['subscribe'] === 'function')
    )
  ) {
    throw expected(TypeError, 'refreshOn', 'an array of triggers with subscribe()', refreshOn);
  }
  if (fetch === undefined && (share !== undefined || (refreshOn as unknown[] | undefined)?.length)) {
    throw expected(TypeError, 'fetch', `a function when \`${share ? 'share' : 'refreshOn'}\` is given`, fetch);
  }
}
