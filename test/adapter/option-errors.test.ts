/**
 * What `createBackgroundCache` says about options it cannot take: the error
 * class, the option it names, what it expected and what it got. Each row is
 * an input a caller can get wrong; mutation testing (`npm run test:mutation`)
 * found these checks and messages unwatched.
 */
import { describe, expect, it } from 'vitest';
import { CacheStoppedError, createBackgroundCache } from '../../src/index.js';
import type { BackgroundCacheOptions } from '../../src/index.js';
import { ManualClock } from '../helpers.js';

const base = { ttl: 10_000, refreshWindow: 1_000 };
const perValue = (): number => 1_000;
const ALL_NAMES =
  'ttl, refreshWindow, clock, inspect, redact, fetch, fetchTimeout, retry, retryDelay, errorTtl, persist, share, refreshOn';

function errorOf(options: unknown): Error {
  try {
    createBackgroundCache(options as BackgroundCacheOptions<unknown>);
  } catch (error) {
    return error as Error;
  }
  throw new Error('createBackgroundCache accepted the options');
}

describe('option errors', () => {
  it('should name every unknown option, singular or plural, and list the names it takes', () => {
    expect(errorOf({ ...base, ttL: 1 }).message).toBe(`Unknown option \`ttL\`; expected some of ${ALL_NAMES}`);
    const two = errorOf({ ...base, ttL: 1, retries: 2 });
    expect(two).toBeInstanceOf(TypeError);
    expect(two.message).toBe(`Unknown options \`ttL\`, \`retries\`; expected some of ${ALL_NAMES}`);
  });

  it('should say what it got: a string quoted, a function, an array, an object, anything else as it prints', () => {
    expect(errorOf(null).message).toBe('Expected `options` to be an object with `ttl` and `refreshWindow`, got null');
    expect(errorOf({ ...base, redact: 'yes' }).message).toBe(
      'Expected `redact` to be a boolean or a function, got "yes"',
    );
    expect(errorOf({ ...base, fetchTimeout: () => 1 }).message).toBe(
      'Expected `fetchTimeout` to be a finite number > 0, got a function',
    );
    expect(errorOf({ ...base, errorTtl: [1] }).message).toBe(
      'Expected `errorTtl` to be a finite number >= 0, got an array',
    );
    expect(errorOf({ ...base, retry: {} }).message).toBe(
      'Expected `retry` to be a whole number >= 0, or a function, got an object',
    );
    expect(errorOf({ ...base, clock: {} }).message).toBe(
      'Expected `clock` to be an object with now(), setTimeout() and clearTimeout(), got an object',
    );
  });

  it('should say what each plug-in and the lifetime must be', () => {
    const trigger = { subscribe: () => () => {} };
    const fetch = () => 'v';
    const cases: [Record<string, unknown>, string][] = [
      [{ ttl: 0, refreshWindow: 0 }, 'Expected `ttl` to be a finite number > 0, or a function, got 0'],
      [{ ...base, retryDelay: -1 }, 'Expected `retryDelay` to be a finite number >= 0, got -1'],
      [{ ...base, inspect: {} }, 'Expected `inspect` to be a function or an observer with next(), got an object'],
      [{ ...base, fetch: 'url' }, 'Expected `fetch` to be a function, got "url"'],
      [
        { ...base, persist: {} },
        'Expected `persist` to be a persister with load(), save() and remove(), got an object',
      ],
      [{ ...base, share: {} }, 'Expected `share` to be a CacheSharing with connect(), got an object'],
      [
        { ...base, refreshOn: [trigger, {}] },
        'Expected `refreshOn` to be an array of triggers with subscribe(), got an array',
      ],
      [
        { ...base, share: { connect: () => ({}) } },
        'Expected `fetch` to be a function when `share` is given, got undefined',
      ],
      [{ ...base, refreshOn: [trigger] }, 'Expected `fetch` to be a function when `refreshOn` is given, got undefined'],
    ];
    for (const [options, message] of cases) expect(errorOf(options).message).toBe(message);
    expect(() => createBackgroundCache({ ...base, fetch, refreshOn: [trigger] })).not.toThrow();
  });

  it('should take a function only where a function is allowed', () => {
    for (const name of ['fetchTimeout', 'errorTtl']) {
      expect(errorOf({ ...base, [name]: perValue })).toBeInstanceOf(TypeError);
    }
    for (const name of ['retry', 'retryDelay']) {
      expect(() => createBackgroundCache({ ...base, [name]: perValue })).not.toThrow();
    }
  });

  it('should check a number lifetime beside a computed one on its own: RangeError out of bounds, TypeError for no number', () => {
    // refreshWindow beside a computed ttl: a finite number >= 0 (0 included), or a function.
    expect(() => createBackgroundCache({ ttl: perValue, refreshWindow: 0 })).not.toThrow();
    for (const refreshWindow of [-1, Infinity, Number.NaN, undefined]) {
      const error = errorOf({ ttl: perValue, refreshWindow });
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toMatch(/^Expected `refreshWindow` to be a finite number >= 0, got /);
    }
    expect(errorOf({ ttl: perValue, refreshWindow: '1' }).message).toBe(
      'Expected `refreshWindow` to be a finite number >= 0, or a function, got "1"',
    );
    // ttl beside a computed refreshWindow: a finite number > 0.
    expect(() => createBackgroundCache({ ttl: 1, refreshWindow: perValue })).not.toThrow();
    for (const ttl of [0, Infinity, undefined]) {
      const error = errorOf({ ttl, refreshWindow: perValue });
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toMatch(/^Expected `ttl` to be a finite number > 0, got /);
    }
    expect(errorOf({ ttl: '1', refreshWindow: perValue })).toBeInstanceOf(TypeError);
  });

  it('should keep the bounds of the failure policy: fetchTimeout > 0, retry whole, delays >= 0, all finite', () => {
    const accepted = [{ fetchTimeout: 1 }, { retry: 0 }, { retryDelay: 0 }, { errorTtl: 0 }];
    for (const options of accepted) expect(() => createBackgroundCache({ ...base, ...options })).not.toThrow();
    const refused = [
      { fetchTimeout: 0 },
      { fetchTimeout: Infinity },
      { retry: 1.5 },
      { retry: -1 },
      { retryDelay: Infinity },
      { errorTtl: -1 },
      { errorTtl: Infinity },
    ];
    for (const options of refused) {
      const [name] = Object.keys(options);
      const error = errorOf({ ...base, ...options });
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toMatch(new RegExp(`^Expected \`${name}\``));
    }
  });
});

describe('lifetimes computed per value', () => {
  it('should name the setting a value breaks, and what threw', async () => {
    const clock = new ManualClock();
    const brokenTtl = createBackgroundCache<number>({ ttl: (value) => value, refreshWindow: 0, clock });
    expect(() => brokenTtl.seed(-1)).toThrow(/^Expected `ttl` to be a finite number > 0, got -1$/);
    const brokenWindow = createBackgroundCache<number>({ ttl: 10, refreshWindow: (value) => value, clock });
    expect(() => brokenWindow.seed(10)).toThrow(
      /^Expected `refreshWindow` to be a finite number >= 0 and < `ttl` \(10\), got 10$/,
    );
    const throwing = createBackgroundCache<number>({
      ttl: () => {
        throw new Error('no expiry');
      },
      refreshWindow: 0,
      clock,
    });
    expect(() => throwing.seed(1)).toThrow('`ttl` threw for the value, so it has no lifetime and is not stored');
    const throwingWindow = createBackgroundCache<number>({
      ttl: 10,
      refreshWindow: () => {
        throw new Error('no window');
      },
      clock,
    });
    expect(() => throwingWindow.seed(1)).toThrow('`refreshWindow` threw for the value');
  });
});

describe('a stopped cache', () => {
  it('should reject with an error named CacheStoppedError, which a check by name can find', async () => {
    const cache = createBackgroundCache<string>({ ...base, clock: new ManualClock() });
    cache.stop();
    const error = (await cache.get(() => 'v').catch((reason: unknown) => reason)) as Error;
    expect(error).toBeInstanceOf(CacheStoppedError);
    expect(error.name).toBe('CacheStoppedError');
  });
});
