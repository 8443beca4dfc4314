/**
 * The age arithmetic of the chart, in one place. A value's `age` is `now`
 * minus the moment it was stored; the boundaries are the seed's: fresh while
 * `age < ttl - refreshWindow`, in the refresh window while `age < ttl`,
 * expired at `age >= ttl`.
 */

/** The lifetime settings every age check needs. */
export interface CacheTimes {
  /** Milliseconds a stored value may be served. */
  readonly ttl: number;
  /** Milliseconds before `ttl` in which a read starts a background refresh. */
  readonly refreshWindow: number;
}

/** True while a value stored at `storedAt` may be served with no refresh. */
export const isFreshAt = (times: CacheTimes, storedAt: number, now: number): boolean =>
  now - storedAt < times.ttl - times.refreshWindow;

/** True once a value stored at `storedAt` has reached its refresh window. */
export const isInWindowAt = (times: CacheTimes, storedAt: number, now: number): boolean =>
  now - storedAt >= times.ttl - times.refreshWindow;

/** True once a value stored at `storedAt` may no longer be served. */
export const isExpiredAt = (times: CacheTimes, storedAt: number, now: number): boolean => now - storedAt >= times.ttl;

/**
 * Throws a `RangeError` naming the option unless `ttl` is finite and > 0 and
 * `refreshWindow` is finite with `0 <= refreshWindow < ttl`.
 */
export function assertCacheTimes(ttl: unknown, refreshWindow: unknown): asserts ttl is number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new RangeError(`Expected \`ttl\` to be a finite number > 0, got ${describe(ttl)}`);
  }
  if (
    typeof refreshWindow !== 'number' ||
    !Number.isFinite(refreshWindow) ||
    refreshWindow < 0 ||
    refreshWindow >= ttl
  ) {
    throw new RangeError(
      `Expected \`refreshWindow\` to be a finite number >= 0 and < \`ttl\` (${ttl}), got ${describe(refreshWindow)}`,
    );
  }
}

/** A short rendering of a bad input for an error message; never throws. */
export function describe(input: unknown): string {
  if (typeof input === 'string') return JSON.stringify(input);
  if (typeof input === 'function') return 'a function';
  if (input === null || typeof input !== 'object') return String(input);
  return Array.isArray(input) ? 'an array' : 'an object';
}
