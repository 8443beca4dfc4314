/**
 * The `npm start` story, run on a test clock instead of real timers: the
 * timeline must show each thing the README promises a newcomer will see.
 */
import { describe, expect, it } from 'vitest';
import { BACKEND_SCRIPT, runDemo, stateName } from '../../examples/demo/scenario.js';
import type { DemoSummary, DemoTime } from '../../examples/demo/scenario.js';
import { TIMELINE_HEADER, formatEntry, supportsColor } from '../../examples/demo/timeline.js';
import type { TimelineEntry } from '../../examples/demo/timeline.js';
import { ManualClock } from '../helpers.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Test time: one ManualClock for the cache and the backend, stepped timer by timer. */
function testTime(): DemoTime {
  const clock = new ManualClock();
  return {
    clock,
    elapsed: () => clock.now(),
    async until(at) {
      await settle();
      for (let next = clock.pendingDelays[0]; next !== undefined && clock.now() + next <= at;) {
        clock.advance(next);
        await settle();
        next = clock.pendingDelays[0];
      }
      clock.advance(Math.max(0, at - clock.now()));
      await settle();
    },
    delay: (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms)),
  };
}

let run: Promise<DemoSummary> | undefined;
/** The story runs once; each test reads its timeline. */
const story = () => (run ??= runDemo({ time: testTime(), onEntry: () => {} }));

/** The entries of `who` whose text contains `text`. */
async function linesOf(who: string, text = ''): Promise<TimelineEntry[]> {
  const { entries } = await story();
  return entries.filter((entry) => entry.who === who && entry.what.includes(text));
}

describe('the demo timeline', () => {
  it('should serve three concurrent readers from one fetch', async () => {
    const { entries } = await story();
    const firstCalls = entries.filter((entry) => entry.at < 400 && entry.what.includes('starts (takes'));
    expect(firstCalls).toHaveLength(1);
    for (const reader of ['A', 'B', 'C']) {
      expect(await linesOf(`reader ${reader}`, 'got')).toEqual([
        {
          at: 400,
          state: 'current.fresh',
          who: `reader ${reader}`,
          what: 'got "config v1" after 400 ms',
          tone: 'good',
        },
      ]);
    }
    expect((await linesOf('reader B', 'get()'))[0]?.state).toBe('refreshing.withoutPrevious');
  });

  it('should answer a fresh read at once, without calling the backend', async () => {
    const [asked, got] = await linesOf('reader D');
    expect(asked).toMatchObject({ at: 600, state: 'current.fresh', what: 'get() (fresh: no fetch)' });
    expect(got).toMatchObject({ at: 600, what: 'got "config v1" at once' });
  });

  it('should move to stale on its timer, then refresh in the background on a read in the window', async () => {
    expect(await linesOf('cache', 'refreshAfter fired')).toContainEqual(
      expect.objectContaining({ at: 1_900, state: 'current.stale' }),
    );
    const [asked, got] = await linesOf('reader E');
    expect(asked).toMatchObject({ at: 2_000, state: 'refreshing.withPrevious' });
    expect(asked?.what).toContain('starts backend call #2');
    expect(got).toMatchObject({ at: 2_000, what: 'got "config v1" at once' });
    expect(await linesOf('cache', 'fetch done')).toContainEqual(
      expect.objectContaining({ at: 2_300, state: 'current.fresh' }),
    );
    expect(await linesOf('reader F', 'got')).toMatchObject([{ what: 'got "config v2" at once' }]);
  });

  it('should answer from the previous value when a refresh fails, then expire it', async () => {
    expect(await linesOf('reader G', 'got')).toMatchObject([{ at: 3_900, what: 'got "config v2" at once' }]);
    expect(await linesOf('backend', 'fails')).toMatchObject([
      { at: 4_100, what: `call #3 fails: ${BACKEND_SCRIPT[2]?.failure}`, tone: 'bad' },
    ]);
    expect(await linesOf('cache', 'fetch failed')).toMatchObject([
      { at: 4_100, state: 'current.stale', what: 'fetch failed: the previous value is kept, nothing thrown' },
    ]);
    expect(await linesOf('cache', 'expireAfter fired')).toMatchObject([
      { at: 4_300, state: 'empty' },
      { at: 7_500, state: 'empty' },
    ]);
  });

  it('should let a waiter keep a superseded fetch after invalidate, and fetch anew for the next reader', async () => {
    expect(await linesOf('demo', 'invalidate()')).toMatchObject([{ at: 4_800, state: 'refreshing.withoutPrevious' }]);
    expect(await linesOf('cache', 'invalidate')).toMatchObject([{ at: 4_800, state: 'empty' }]);
    expect(await linesOf('reader H', 'got')).toMatchObject([{ at: 5_400, what: 'got "config v4" after 800 ms' }]);
    expect(await linesOf('reader I', 'get()')).toMatchObject([{ what: expect.stringContaining('call #5') as string }]);
    expect(await linesOf('reader I', 'got')).toMatchObject([{ at: 5_500, what: 'got "config v5" after 500 ms' }]);
  });

  it('should end after nine seconds with every read answered and no rejection', async () => {
    const { reads, backendCalls, entries } = await story();
    expect({ reads, backendCalls }).toEqual({ reads: 11, backendCalls: 6 });
    expect(entries.filter((entry) => entry.what.startsWith('got'))).toHaveLength(11);
    expect(entries.filter((entry) => entry.what.startsWith('rejected'))).toEqual([]);
    expect(entries.at(-1)).toMatchObject({ at: 9_000, who: 'demo', what: 'stopped: 11 reads, 6 backend calls' });
    const times = entries.map((entry) => entry.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe('timeline lines', () => {
  const entry: TimelineEntry = { at: 2_000, state: 'current.stale', who: 'reader E', what: 'got it', tone: 'good' };

  it('should align the time, state, who and what columns', () => {
    expect(formatEntry(entry, false)).toBe(' 2.000s  current.stale               reader E   got it');
    expect(TIMELINE_HEADER.indexOf('state')).toBe(formatEntry(entry, false).indexOf('current.stale'));
    expect(TIMELINE_HEADER.indexOf('what')).toBe(formatEntry(entry, false).indexOf('got it'));
  });

  it('should colour only when asked', () => {
    expect(formatEntry(entry, false)).not.toContain('\u001b[');
    expect(formatEntry(entry, true)).toContain('\u001b[33mcurrent.stale');
    expect(formatEntry(entry, true)).toContain('\u001b[32mgot it\u001b[0m');
  });

  it('should colour a terminal that has colours, and never a pipe', () => {
    expect(supportsColor({ isTTY: true, hasColors: () => true })).toBe(true);
    expect(supportsColor({ isTTY: true, hasColors: () => false })).toBe(false);
    expect(supportsColor({ isTTY: false })).toBe(false);
    expect(supportsColor({})).toBe(false);
  });

  it('should name nested states with dots', () => {
    expect(stateName('empty')).toBe('empty');
    expect(stateName({ refreshing: 'withPrevious' })).toBe('refreshing.withPrevious');
  });
});
