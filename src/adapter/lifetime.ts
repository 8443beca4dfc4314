import { brokenTimeSetting } from '../machine/timing.js';
import type { CacheTimes } from '../machine/timing.js';
import { expected } from './errors.js';

/** A lifetime setting: the same number for every value, or computed from each value (and, keyed, its key). */
export type LifetimeSetting<Args extends unknown[]> = number | ((...args: Args) => number);

/**
 * The lifetime of one value as `ttl` and `refreshWindow` say, when either is
 * a function (else `undefined`: the chart's own numbers apply). Guarantee 11:
 * a function that throws, or numbers that break the rules (finite, `ttl > 0`,
 * `0 <= refreshWindow < ttl`), throw a `RangeError` naming the setting (with
 * what the function threw as `cause`), and nothing is stored.
 */
export function lifetimeOf<Args extends unknown[]>(
  ttl: LifetimeSetting<Args>,
  refreshWindow: LifetimeSetting<Args>,
  args: Args,
): CacheTimes | undefined {
  if (typeof ttl === 'number' && typeof refreshWindow === 'number') return undefined;
  const times = { ttl: evaluate('ttl', ttl, args), refreshWindow: evaluate('refreshWindow', refreshWindow, args) };
  const broken = brokenTimeSetting(times.ttl, times.refreshWindow);
  if (broken === 'ttl') throw expected(RangeError, 'ttl', 'a finite number > 0', times.ttl);
  if (broken) {
    throw expected(
      RangeError,
      'refreshWindow',
      `a finite number >= 0 and < \`ttl\` (${times.ttl})`,
      times.refreshWindow,
    );
  }
  return times;
}

function evaluate<Args extends unknown[]>(name: string, setting: LifetimeSetting<Args>, args: Args): number {
  if (typeof setting === 'number') return setting;
  try {
    return setting(...args);
  } catch (cause) {
    throw new RangeError(`\`${name}\` threw for the value, so it has no lifetime and is not stored`, { cause });
  }
}
