/**
 * One test per row of SPEC.md's transitions table (and of its late-timer
 * rule), each driving the adapter and checking what callers see and the
 * chart's state.
 */
import { describe, expect, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import { controlledFetch, countingFetch, flush, isSettled, ManualClock, stateOf } from '../helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;
const FRESH_FOR = TTL - WINDOW;

function setup() {
  const clock = new ManualClock();
  const cache = createBackgroundCache<string>({ ttl: TTL, refreshWindow: WINDOW, clock });
  return { clock, cache, state: () => stateOf(cache.actor) };
}

type Setup = ReturnType<typeof setup>;

/** Brings the cache to `current.fresh` with `value`, stored at the current time. */
async function toFresh(s: Setup, value = 'v1') {
  await s.cache.get(countingFetch(value));
  expect(s.state()).toBe('current.fresh');
}

/** Brings the cache to `current.stale`, `into` ms into the window. */
async function toStale(s: Setup, into = 1_000) {
  await toFresh(s);
  s.clock.advance(FRESH_FOR + into);
  expect(s.state()).toBe('current.stale');
}

/** Brings the cache to `refreshing.withPrevious`; returns the refresh's fetch. */
async function toWithPrevious(s: Setup, into = 1_000) {
  await toStale(s, into);
  const refresh = controlledFetch<string>();
  expect(await s.cache.get(refresh)).toBe('v1');
  expect(s.state()).toBe('refreshing.withPrevious');
  return refresh;
}

/** Brings the cache to `refreshing.withoutPrevious`; returns the fetch and the first waiter. */
function toWithoutPrevious(s: Setup) {
  const fetch = controlledFetch<string>();
  const waiter = s.cache.get(fetch);
  expect(s.state()).toBe('refreshing.withoutPrevious');
  return { fetch, waiter };
}

describe('SPEC transitions', () => {
  it('empty + get: goes to refreshing.withoutPrevious, calls f once, the caller waits for it', async () => {
    const s = setup();
    expect(s.state()).toBe('empty');
    const { fetch, waiter } = toWithoutPrevious(s);
    expect(fetch.calls).toBe(1);
    expect(await isSettled(waiter)).toBe(false);
    fetch.resolve('v1');
    expect(await waiter).toBe('v1');
  });

  it('current.fresh + get: stays, returns the value, does not call f', async () => {
    const s = setup();
    await toFresh(s);
    s.clock.advance(FRESH_FOR - 1);
    const f = countingFetch('other');
    expect(await s.cache.get(f)).toBe('v1');
    expect(f.calls).toBe(0);
    expect(s.state()).toBe('current.fresh');
  });

  it('current.fresh + age reaches ttl - refreshWindow: goes to current.stale', async () => {
    const s = setup();
    await toFresh(s);
    s.clock.advance(FRESH_FOR - 1);
    expect(s.state()).toBe('current.fresh');
    s.clock.advance(1);
    expect(s.state()).toBe('current.stale');
    expect(s.cache.tryGet()).toBeUndefined();
  });

  it('current.stale + get: goes to refreshing.withPrevious, returns the value at once, calls f once in the background', async () => {
    const s = setup();
    await toStale(s);
    const refresh = controlledFetch<string>();
    const got = s.cache.get(refresh);
    expect(await isSettled(got)).toBe(true);
    expect(await got).toBe('v1');
    expect(refresh.calls).toBe(1);
    expect(s.state()).toBe('refreshing.withPrevious');
  });

  it('current.stale + age reaches ttl: goes to empty and drops the value', async () => {
    const s = setup();
    await toStale(s);
    s.clock.advance(WINDOW - 1_000 - 1);
    expect(s.state()).toBe('current.stale');
    s.clock.advance(1);
    expect(s.state()).toBe('empty');
    expect(s.cache.actor.getSnapshot().context.value).toBeUndefined();
  });

  it('refreshing.withPrevious + get: stays, returns the previous value, does not call f', async () => {
    const s = setup();
    await toWithPrevious(s);
    const f = countingFetch('other');
    expect(await s.cache.get(f)).toBe('v1');
    expect(f.calls).toBe(0);
    expect(s.state()).toBe('refreshing.withPrevious');
  });

  it("refreshing.withPrevious + previous's age reaches ttl: goes to withoutPrevious, later callers wait", async () => {
    const s = setup();
    // Entered 2 s into the 4 s window: the previous is dropped at its own ttl, 2 s later.
    const refresh = await toWithPrevious(s, 2_000);
    s.clock.advance(2_000 - 1);
    expect(s.state()).toBe('refreshing.withPrevious');
    s.clock.advance(1);
    expect(s.state()).toBe('refreshing.withoutPrevious');
    const f = countingFetch('other');
    const waiter = s.cache.get(f);
    expect(await isSettled(waiter)).toBe(false);
    expect(f.calls).toBe(0);
    refresh.resolve('v2');
    expect(await waiter).toBe('v2');
  });

  it('refreshing.withoutPrevious + get: stays, joins the fetch in flight, does not call f', async () => {
    const s = setup();
    const { fetch, waiter } = toWithoutPrevious(s);
    const f = countingFetch('other');
    const joined = s.cache.get(f);
    expect(f.calls).toBe(0);
    expect(s.state()).toBe('refreshing.withoutPrevious');
    fetch.resolve('v1');
    expect(await Promise.all([waiter, joined])).toEqual(['v1', 'v1']);
  });

  it('refreshing.withoutPrevious + the fetch resolves v: goes to current.fresh stored now, every waiter gets v', async () => {
    const s = setup();
    const { fetch, waiter } = toWithoutPrevious(s);
    const more = [s.cache.get(fetch), s.cache.get(fetch)];
    s.clock.skip(3_000);
    fetch.resolve('v1');
    expect(await Promise.all([waiter, ...more])).toEqual(['v1', 'v1', 'v1']);
    expect(s.state()).toBe('current.fresh');
    // Stored when it resolved, not when it started.
    expect(s.cache.actor.getSnapshot().context.storedAt).toBe(3_000);
    expect(s.clock.pendingDelays).toEqual([FRESH_FOR, TTL]);
  });

  it('refreshing.withPrevious + the fetch resolves v: goes to current.fresh stored now', async () => {
    const s = setup();
    const refresh = await toWithPrevious(s);
    s.clock.skip(500);
    refresh.resolve('v2');
    await flush();
    expect(s.state()).toBe('current.fresh');
    expect(s.cache.tryGet()).toBe('v2');
    expect(s.cache.actor.getSnapshot().context.storedAt).toBe(s.clock.now());
  });

  it('refreshing.withPrevious + the fetch fails: back to current.stale with the previous and its timestamp; nothing thrown; the next read refreshes', async () => {
    const s = setup();
    const refresh = await toWithPrevious(s);
    const storedAt = s.cache.actor.getSnapshot().context.storedAt;
    const reason = new Error('backend down');
    s.clock.skip(500);
    refresh.reject(reason);
    await flush();
    expect(s.state()).toBe('current.stale');
    const { context } = s.cache.actor.getSnapshot();
    expect(context.value).toBe('v1');
    expect(context.storedAt).toBe(storedAt);
    expect(context.error).toBe(reason);
    // The previous still expires at its own ttl: 10 s after storage, now 7.5 s.
    expect(s.clock.pendingDelays).toEqual([TTL - (FRESH_FOR + 1_000 + 500)]);
    const next = controlledFetch<string>();
    expect(await s.cache.get(next)).toBe('v1');
    expect(next.calls).toBe(1);
    expect(s.state()).toBe('refreshing.withPrevious');
  });

  it('refreshing.withoutPrevious + the fetch fails: goes to empty, every waiter rejects with the same reason object', async () => {
    const s = setup();
    const { fetch, waiter } = toWithoutPrevious(s);
    const other = s.cache.get(fetch);
    const reason = { code: 'E_DOWN' };
    fetch.reject(reason);
    const results = await Promise.allSettled([waiter, other]);
    expect(results).toEqual([
      { status: 'rejected', reason },
      { status: 'rejected', reason },
    ]);
    expect((results[0] as PromiseRejectedResult).reason).toBe(reason);
    expect((results[1] as PromiseRejectedResult).reason).toBe(reason);
    expect(s.state()).toBe('empty');
  });

  describe('any + seed(v): goes to current.fresh stored now; a fetch in flight is superseded', () => {
    it('from empty', () => {
      const s = setup();
      s.cache.seed('s');
      expect(s.state()).toBe('current.fresh');
      expect(s.cache.tryGet()).toBe('s');
    });

    it('from current.fresh (the timers restart from the new timestamp)', async () => {
      const s = setup();
      await toFresh(s);
      s.clock.advance(1_000);
      s.cache.seed('s');
      expect(s.clock.pendingDelays).toEqual([FRESH_FOR, TTL]);
      expect(s.cache.tryGet()).toBe('s');
    });

    it('from current.stale', async () => {
      const s = setup();
      await toStale(s);
      s.cache.seed('s');
      expect(s.state()).toBe('current.fresh');
      expect(s.cache.tryGet()).toBe('s');
    });

    it('from refreshing.withPrevious: the refresh result is never stored, its signal aborts', async () => {
      const s = setup();
      const refresh = await toWithPrevious(s);
      s.cache.seed('s');
      expect(s.state()).toBe('current.fresh');
      refresh.resolve('late');
      await flush();
      expect(s.cache.tryGet()).toBe('s');
      expect(refresh.signals[0]?.aborted).toBe(true);
    });

    it('from refreshing.withoutPrevious: waiters get the fetch outcome, which is not stored; the next get fetches anew', async () => {
      const s = setup();
      const { fetch, waiter } = toWithoutPrevious(s);
      s.cache.seed('s');
      expect(s.state()).toBe('current.fresh');
      fetch.resolve('superseded');
      expect(await waiter).toBe('superseded');
      expect(fetch.signals[0]?.aborted).toBe(false);
      expect(s.cache.tryGet()).toBe('s');
      s.cache.invalidate();
      const next = countingFetch('v2');
      expect(await s.cache.get(next)).toBe('v2');
      expect(next.calls).toBe(1);
    });
  });

  describe('any + invalidate(): goes to empty; a fetch in flight is superseded', () => {
    it('from empty', () => {
      const s = setup();
      s.cache.invalidate();
      expect(s.state()).toBe('empty');
    });

    it('from current.fresh and current.stale', async () => {
      const s = setup();
      await toFresh(s);
      s.cache.invalidate();
      expect(s.state()).toBe('empty');
      expect(s.cache.tryGet()).toBeUndefined();
      expect(s.clock.pendingDelays).toEqual([]);
      await toStale(s);
      s.cache.invalidate();
      expect(s.state()).toBe('empty');
      expect(s.clock.pendingDelays).toEqual([]);
    });

    it('from refreshing.withPrevious: the result is never stored and the next get starts a new fetch', async () => {
      const s = setup();
      const refresh = await toWithPrevious(s);
      s.cache.invalidate();
      expect(s.state()).toBe('empty');
      const next = controlledFetch<string>();
      const waiter = s.cache.get(next);
      refresh.resolve('superseded');
      await flush();
      expect(s.state()).toBe('refreshing.withoutPrevious');
      expect(next.calls).toBe(1);
      next.resolve('v2');
      expect(await waiter).toBe('v2');
      expect(s.cache.tryGet()).toBe('v2');
    });

    it('from refreshing.withoutPrevious: waiters get the outcome, even a failure, and nothing is stored', async () => {
      const s = setup();
      const { fetch, waiter } = toWithoutPrevious(s);
      s.cache.invalidate();
      const reason = new Error('late failure');
      fetch.reject(reason);
      await expect(waiter).rejects.toBe(reason);
      expect(s.state()).toBe('empty');
      expect(s.cache.actor.getSnapshot().context.error).toBeUndefined();
    });
  });
});

describe('SPEC late timers: a get acts as the row its age implies', () => {
  it('current.fresh whose value is already in its window acts as current.stale: serves it, starts the refresh', async () => {
    const s = setup();
    await toFresh(s);
    s.clock.skip(FRESH_FOR);
    expect(s.state()).toBe('current.fresh');
    expect(s.cache.tryGet()).toBeUndefined();
    const refresh = controlledFetch<string>();
    expect(await s.cache.get(refresh)).toBe('v1');
    expect(refresh.calls).toBe(1);
    expect(s.state()).toBe('refreshing.withPrevious');
    // The previous is dropped at its own ttl.
    expect(s.clock.pendingDelays).toEqual([WINDOW]);
  });

  it('current.fresh whose value has reached ttl acts as empty: the caller waits for a new fetch', async () => {
    const s = setup();
    await toFresh(s);
    s.clock.skip(TTL);
    const fetch = controlledFetch<string>();
    const waiter = s.cache.get(fetch);
    expect(fetch.calls).toBe(1);
    expect(s.state()).toBe('refreshing.withoutPrevious');
    expect(await isSettled(waiter)).toBe(false);
    fetch.resolve('v2');
    expect(await waiter).toBe('v2');
  });

  it('current.stale whose value has reached ttl acts as empty', async () => {
    const s = setup();
    await toStale(s);
    s.clock.skip(WINDOW);
    const fetch = controlledFetch<string>();
    const waiter = s.cache.get(fetch);
    expect(s.state()).toBe('refreshing.withoutPrevious');
    expect(await isSettled(waiter)).toBe(false);
    fetch.resolve('v2');
    expect(await waiter).toBe('v2');
  });

  it('refreshing.withPrevious whose previous has reached ttl: the caller waits for the refresh in flight', async () => {
    const s = setup();
    const refresh = await toWithPrevious(s);
    s.clock.skip(WINDOW);
    const f = countingFetch('other');
    const waiter = s.cache.get(f);
    expect(f.calls).toBe(0);
    expect(s.state()).toBe('refreshing.withoutPrevious');
    expect(await isSettled(waiter)).toBe(false);
    refresh.resolve('v2');
    expect(await waiter).toBe('v2');
  });

  it('a late timer that finally fires changes nothing a reader already saw', async () => {
    const s = setup();
    await toFresh(s);
    s.clock.skip(TTL + 5_000);
    s.clock.fireDue();
    expect(s.state()).toBe('empty');
    expect(s.cache.tryGet()).toBeUndefined();
  });
});
