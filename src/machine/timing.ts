/**
 * The age arithmetic of the chart, in one place. A value's `age` is `now`
 * minus the moment it was stored; the boundaries are the seed's: fresh while
 * `age < ttl - refreshWindow`, in the refresh window while `age < ttl`,
 * expired at `age >= ttl`.
 */

/** The lifetime of one stored value, in milliseconds. */
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
 * The name of the lifetime setting that `times` breaks (finite, `ttl > 0`,
 * `0 <= refreshWindow < ttl`), or `undefined` when they keep the rules.
 * Comparisons with NaN are false, so NaN and Infinity break them too.
 */
export const brokenTimeSetting = (ttl: unknown, refreshWindow: unknown): 'ttl' | 'refreshWindow' | undefined =>
  !(typeof ttl === 'number' && ttl > 0 && ttl < Infinity)
    ? 'ttl'
    : !(typeof refreshWindow === 'number' && refreshWindow >= 0 && refreshWindow < ttl)
      ? 'refreshWindow'
      : undefined;
