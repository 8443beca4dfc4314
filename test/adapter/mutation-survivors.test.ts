/**
 * Behaviours that mutation testing (`npm run test:mutation`) found no test
 * watching: each test here kills one surviving mutant of issue 9.
 */
import { createActor, SimulatedClock } from 'xstate';
import type { InspectionEvent } from 'xstate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  backgroundCacheMachine,
  createBackgroundCache,
  createSystemClock,
  MAX_TIMER_DELAY,
  redactInspection,
} from '../../src/index.js';
import { flush } from '../helpers.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('MAX_TIMER_DELAY is the platform’s limit', () => {
  it('should be 2^31 - 1: the longest delay a real timer holds without firing at once', () => {
    expect(MAX_TIMER_DELAY).toBe(2 ** 31 - 1);
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const clock = createSystemClock();
    clock.clearTimeout(clock.setTimeout(() => {}, MAX_TIMER_DELAY));
    expect(warnings).not.toHaveBeenCalled();
    clock.clearTimeout(clock.setTimeout(() => {}, MAX_TIMER_DELAY + 1));
    // One more millisecond is past the limit: Node warns and would fire it at once.
    expect(warnings).toHaveBeenCalledWith(
      expect.stringContaining('does not fit into a 32-bit signed integer'),
      'TimeoutOverflowWarning',
    );
  });
});

describe('option errors name the option that is wrong', () => {
  it('should name ttl, not refreshWindow, for ttl 0', () => {
    expect(() => createBackgroundCache({ ttl: 0, refreshWindow: 0 })).toThrow(/^Expected `ttl`/);
    expect(() => createBackgroundCache({ ttl: 10, refreshWindow: 10 })).toThrow(/^Expected `refreshWindow`/);
  });

  it('should refuse an inspect observer without next(), which would throw on every event', () => {
    expect(() =>
      createBackgroundCache({
        ttl: 10,
        refreshWindow: 0,
        // An observer object with no next(): the types refuse it too.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
        inspect: { complete: () => {} } as never,
      }),
    ).toThrow(/`inspect`/);
  });
});

describe('the default clock on any platform', () => {
  it('should take timer handles without unref(): objects, numbers, null', () => {
    for (const handle of [{}, 7, null]) {
      vi.stubGlobal('setTimeout', () => handle);
      expect(createSystemClock().setTimeout(() => {}, 1)).toBe(handle);
    }
  });
});

describe('a custom redact mask', () => {
  it('should be told which kind of secret it hides: the value, or a failure’s reason', async () => {
    const kinds = new Map<unknown, string>();
    const clock = new SimulatedClock();
    const events: InspectionEvent[] = [];
    const actor = createActor(backgroundCacheMachine, {
      input: { ttl: 1_000, refreshWindow: 100 },
      clock,
      inspect: redactInspection(
        (event) => events.push(event),
        (secret, kind) => {
          kinds.set(secret, kind);
          return kind;
        },
      ),
    }).start();
    const value = { token: 't' };
    const reason = new Error('r');
    actor.send({ type: 'seed', now: 0, value });
    actor.send({ type: 'get', now: 950, fetch: () => 'unused' });
    actor.send({ type: 'fetch.error', flight: 1, now: 950, reason });
    await flush();
    expect(kinds.get(value)).toBe('value');
    expect(kinds.get(reason)).toBe('reason');
    const contexts = events.flatMap((event) =>
      event.type === '@xstate.snapshot'
        ? [(event.snapshot as unknown as { context: Record<string, unknown> }).context]
        : [],
    );
    expect(contexts.at(-1)).toMatchObject({ value: 'value', error: 'reason' });
  });
});
