import type { InspectionEvent, Observer } from 'xstate';
import type { InspectionMask } from '../inspect/redactInspection.js';
import { expected } from './errors.js';
import type { CacheClock } from './clock.js';

/** Options of {@link createBackgroundCache}. */
export interface BackgroundCacheOptions {
  /**
   * Milliseconds a stored value may be served, counted from the moment it was
   * stored (a fetch resolved, or `seed()` was called). Finite and > 0; may
   * exceed what one timer holds (timers are re-armed).
   */
  ttl: number;
  /**
   * Milliseconds before {@link BackgroundCacheOptions.ttl | ttl} in which a read
   * still gets the value at once but also starts one background refresh.
   * Finite, `0 <= refreshWindow < ttl`; `0` means no background refresh: a
   * value is served until `ttl`, then readers wait for a new fetch.
   */
  refreshWindow: number;
  /**
   * Time source and timers. XState's `SimulatedClock` fits, for tests.
   *
   * @defaultValue real time that counts while the machine sleeps and never
   *   runs backwards, with unref'd global timers ({@link createSystemClock})
   */
  clock?: CacheClock;
  /**
   * An XState inspection observer for the cache's actor (for example
   * `createBrowserInspector().inspect` from `@statelyai/inspect`). It sees
   * every event and snapshot, with the cached value and failure reasons
   * hidden as {@link BackgroundCacheOptions.redact | redact} says.
   */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * What {@link BackgroundCacheOptions.inspect | inspect} sees of the cached
   * value and of a failed fetch's reason: `true` hides both as `'[redacted]'`,
   * a function chooses what replaces each one ({@link redactInspection}), and
   * `false` shows them as they are.
   *
   * @defaultValue `true`
   */
  redact?: boolean | InspectionMask;
}

/**
 * Throws a `RangeError` naming the option unless `ttl` is finite and > 0 and
 * `refreshWindow` is finite with `0 <= refreshWindow < ttl`.
 */
export function assertCacheTimes(ttl: unknown, refreshWindow: unknown): asserts ttl is number {
  // Comparisons with NaN are false, so these refuse NaN and Infinity too.
  if (!(typeof ttl === 'number' && ttl > 0 && ttl < Infinity)) {
    throw expected(RangeError, 'ttl', 'a finite number > 0', ttl);
  }
  if (!(typeof refreshWindow === 'number' && refreshWindow >= 0 && refreshWindow < ttl)) {
    throw expected(RangeError, 'refreshWindow', `a finite number >= 0 and < \`ttl\` (${ttl})`, refreshWindow);
  }
}

const CLOCK_METHODS = ['now', 'setTimeout', 'clearTimeout'] as const;

/**
 * Checks `options` and throws what a caller can act on: a `RangeError` naming
 * the option for `ttl` and `refreshWindow`, a `TypeError` for a misshapen
 * clock, inspector or `redact`.
 */
export function validateOptions(options: unknown): asserts options is BackgroundCacheOptions {
  if (typeof options !== 'object' || options === null) {
    throw expected(TypeError, 'options', 'an object with `ttl` and `refreshWindow`', options);
  }
  const { ttl, refreshWindow, clock, inspect, redact } = options as Record<string, unknown>;
  assertCacheTimes(ttl, refreshWindow);
  if (
    clock !== undefined &&
    !CLOCK_METHODS.every((name) => typeof (clock as CacheClock | null)?.[name] === 'function')
  ) {
    throw expected(TypeError, 'clock', 'an object with now(), setTimeout() and clearTimeout()', clock);
  }
  if (inspect !== undefined && typeof inspect !== 'function' && !(inspect && typeof inspect === 'object')) {
    throw expected(TypeError, 'inspect', 'a function or an observer', inspect);
  }
  if (redact !== undefined && typeof redact !== 'boolean' && typeof redact !== 'function') {
    throw expected(TypeError, 'redact', 'a boolean or a function', redact);
  }
}
