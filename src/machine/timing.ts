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
