import type { InspectionEvent, Observer } from 'xstate';
import type { InspectionMask } from '../inspect/redactInspection.js';
import { assertCacheTimes, describe } from '../machine/timing.js';
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
 * Checks `options` and throws what a caller can act on: a `RangeError` naming
 * the option for `ttl` and `refreshWindow`, a `TypeError` for a misshapen
 * clock or inspector.
 */
export function validateOptions(options: unknown): asserts options is BackgroundCacheOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `Expected options to be an object with \`ttl\` and \`refreshWindow\`, got ${describe(options)}`,
    );
  }
  const { ttl, refreshWindow, clock, inspect, redact } = options as Record<string, unknown>;
  assertCacheTimes(ttl, refreshWindow);
  if (clock !== undefined) {
    const { now, setTimeout, clearTimeout } = (clock ?? {}) as Partial<Record<keyof CacheClock, unknown>>;
    if (typeof now !== 'function' || typeof setTimeout !== 'function' || typeof clearTimeout !== 'function') {
      throw new TypeError(
        `Expected \`clock\` to have now(), setTimeout() and clearTimeout() methods, got ${describe(clock)}`,
      );
    }
  }
  if (inspect !== undefined && typeof inspect !== 'function' && (typeof inspect !== 'object' || inspect === null)) {
    throw new TypeError(`Expected \`inspect\` to be a function or an observer object, got ${describe(inspect)}`);
  }
  if (redact !== undefined && typeof redact !== 'boolean' && typeof redact !== 'function') {
    throw new TypeError(`Expected \`redact\` to be a boolean or a function, got ${describe(redact)}`);
  }
}
