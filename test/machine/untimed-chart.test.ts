/**
 * A cache without `fetchTimeout` runs the chart without the one transition
 * only a `fetchTimeout` can take, so that it books no timer per attempt
 * (issue 14). These tests pin that the two charts are otherwise the same, and
 * which one each cache runs.
 */
import { describe, expect, it, vi } from 'vitest';
import { toMermaid } from '../../scripts/diagram.js';
import { backgroundCacheMachine, createBackgroundCache, createKeyedBackgroundCache } from '../../src/index.js';
import { chartFor } from '../../src/machine/backgroundCacheMachine.js';
import { ManualClock } from '../helpers.js';

const TIMEOUT_EDGE = '  refreshing --> refreshing : after fetchTimeout [hasFetchTimeout]\n';

describe('the chart of a cache without fetchTimeout', () => {
  it('should be the whole chart less its fetchTimeout transition, and nothing else', () => {
    const whole = toMermaid(backgroundCacheMachine);
    expect(whole).toContain(TIMEOUT_EDGE);
    expect(toMermaid(chartFor(undefined))).toBe(whole.replace(TIMEOUT_EDGE, ''));
    expect(chartFor(1_000)).toBe(backgroundCacheMachine);
  });

  it('should be what a single cache runs exactly when it has no fetchTimeout', () => {
    const clock = new ManualClock();
    const untimed = createBackgroundCache({ ttl: 100, refreshWindow: 10, clock });
    const timed = createBackgroundCache({ ttl: 100, refreshWindow: 10, clock, fetchTimeout: 50 });
    expect(untimed.actor.logic).toBe(chartFor(undefined));
    expect(timed.actor.logic).toBe(backgroundCacheMachine);
    untimed.stop();
    timed.stop();
  });

  it('should book no timer for an attempt, where the whole chart books one per attempt', async () => {
    const timeoutActions = async (fetchTimeout: number | undefined): Promise<string[]> => {
      const clock = new ManualClock();
      const actions: string[] = [];
      const cache = createBackgroundCache({
        ttl: 100,
        refreshWindow: 10,
        clock,
        fetchTimeout,
        inspect: (event) => {
          const action = JSON.stringify((event as { action?: unknown }).action ?? null);
          if (event.type === '@xstate.action' && action.includes('after.fetchTimeout')) actions.push(action);
        },
      });
      cache.seed('v1');
      clock.advance(95);
      // In the window: the read starts a refresh, which is let go by the seed.
      expect(await cache.get(() => new Promise<string>(() => {}))).toBe('v1');
      cache.seed('v2');
      cache.stop();
      return actions;
    };
    expect(await timeoutActions(undefined)).toEqual([]);
    // Booked on entering `refreshing`, cancelled on leaving it.
    expect(await timeoutActions(50)).toHaveLength(2);
  });

  it('should be what every key of a keyed cache runs exactly when it has no fetchTimeout', () => {
    const untimed = vi.spyOn(chartFor(undefined), 'transition');
    const whole = vi.spyOn(backgroundCacheMachine, 'transition');
    const stepped = (fetchTimeout: number | undefined): [number, number] => {
      untimed.mockClear();
      whole.mockClear();
      const cache = createKeyedBackgroundCache<string, string>({
        ttl: 100,
        refreshWindow: 10,
        maxEntries: 10,
        clock: new ManualClock(),
        fetch: () => new Promise<string>(() => {}),
        fetchTimeout,
      });
      cache.get('k').catch(() => {});
      cache.stop();
      return [untimed.mock.calls.length, whole.mock.calls.length];
    };
    expect(stepped(undefined)).toEqual([1, 0]);
    expect(stepped(50)).toEqual([0, 1]);
    vi.restoreAllMocks();
  });
});
