/**
 * SPEC guarantee 17 over the protocol of `shareAcrossTabs`: tabs of one
 * origin in one process (an in-memory lock manager and BroadcastChannel,
 * test/share/world.ts) on vi's fake timers, each with a fake cache port.
 * Every clause that does not need a real browser; the browser's own traps
 * are replayed as Chromium was measured to behave.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ASK_TIMEOUT, LOCK_LINGER, LOCK_SLICE, STEAL_GRACE } from '../../src/share/shareAcrossTabs.js';
import { shareAcrossTabs } from '../../src/share/index.js';
import type { SharingConnection, StoredEntry } from '../../src/share/index.js';
import { controlledFetch, countingFetch, isSettled } from '../helpers.js';
import { FakePort, World } from './world.js';
import type { Tab } from './world.js';

const START = 1_700_000_000_000;
const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});

afterEach(() => {
  vi.useRealTimers();
});

/** A tab with a connected cache port. */
function open<V = string>(world: World, label?: string, port = new FakePort<V>(), worker = false) {
  const tab = world.tab(label, { worker });
  const connection = tab.connect(port);
  return { tab, port, connection };
}

/**
 * One attempt as the cache runs it: through the connection with its `since`;
 * a value it fetched itself is stored and published, as the adapter does.
 */
function attempt<V>(
  { port, connection }: { port: FakePort<V>; connection: SharingConnection<V> },
  fetch: (signal: AbortSignal) => Promise<V>,
  signal = new AbortController().signal,
): Promise<StoredEntry<V>> {
  let fetched = false;
  const promise = connection
    .fetch(
      (s) => {
        fetched = true;
        return fetch(s);
      },
      signal,
      port.since,
    )
    .then((entry) => {
      if (fetched) {
        port.entry = entry;
        connection.publish(entry);
      }
      return entry;
    });
  promise.catch(() => {});
  return promise;
}

describe('guarantee 17: one fetch for all tabs', () => {
  it('should run one fetch among three tabs asking at once, and settle all three with its value', async () => {
    const world = new World();
    const tabs = [open(world), open(world), open(world)];
    await tick();
    const fetch = controlledFetch<string>();
    const attempts = tabs.map((tab) => attempt(tab, fetch));
    await tick(10);
    expect(fetch.calls).toBe(1);
    fetch.resolve('token 1');
    await tick(1);
    const entries = await Promise.all(attempts);
    expect(entries.map((entry) => entry.value)).toEqual(['token 1', 'token 1', 'token 1']);
    expect(new Set(entries.map((entry) => entry.storedAt))).toEqual(new Set([START + 10]));
    for (const { port } of tabs) expect(port.current()).toEqual({ value: 'token 1', storedAt: START + 10 });
    await tick(1_000);
    expect(fetch.calls).toBe(1);
  });

  it('should hold at most one fetch in flight, and let the next flight start after the first', async () => {
    const world = new World();
    const a = open(world);
    const b = open(world);
    await tick();
    const fetchA = controlledFetch<string>();
    const fetchB = countingFetch('from b');
    const first = attempt(a, fetchA);
    await tick(1);
    // b asks again after a value newer than its own was shared: it adopts, then it fetches for a refresh() of its own.
    b.port.entry = { value: 'older', storedAt: START - 10 };
    const second = attempt(b, fetchB);
    await tick(100);
    expect(fetchB.calls).toBe(0);
    fetchA.resolve('from a');
    await tick(1);
    expect((await first).value).toBe('from a');
    expect((await second).value).toBe('from a');
    expect(fetchB.calls).toBe(0);
    // A refresh whatever the age: since is the value's own storedAt, nothing newer exists, b fetches.
    const third = attempt(b, fetchB);
    await tick(LOCK_LINGER);
    expect((await third).value).toBe('from b');
    expect(fetchB.calls).toBe(1);
  });

  it('should store a value stored in one tab in the others, with its storedAt (never younger)', async () => {
    const world = new World();
    const a = open(world);
    const b = open(world);
    const c = open(world);
    await tick();
    a.connection.publish({ value: 'seeded', storedAt: START - 5_000 });
    await tick(1);
    expect(b.port.stored).toEqual([{ value: 'seeded', storedAt: START - 5_000 }]);
    expect(c.port.current()).toEqual({ value: 'seeded', storedAt: START - 5_000 });
    expect(a.port.stored).toEqual([]);
  });

  it('should invalidate every other tab when one is invalidated', async () => {
    const world = new World();
    const tabs = [open(world), open(world), open(world)];
    for (const { port } of tabs) port.entry = { value: 'token', storedAt: START };
    await tick();
    tabs[0]!.connection.invalidate();
    await tick(1);
    expect(tabs.map(({ port }) => port.invalidations)).toEqual([0, 1, 1]);
    expect(tabs[1]!.port.current()).toBeUndefined();
  });

  describe('a new cache', () => {
    it('should ask the others and adopt a fresh value instead of fetching', async () => {
      const world = new World();
      const a = open(world);
      a.port.entry = { value: 'token', storedAt: START - 1_000 };
      const b = open(world); // holds nothing, answers 'n'
      await tick(5);
      const d = open(world);
      const fetch = countingFetch('fetched');
      const entry = attempt(d, fetch);
      await tick(5);
      expect(await entry).toEqual({ value: 'token', storedAt: START - 1_000 });
      expect(fetch.calls).toBe(0);
      // Both a and b (which took a's value when it was created) answer.
      expect(d.port.stored).toEqual([
        { value: 'token', storedAt: START - 1_000 },
        { value: 'token', storedAt: START - 1_000 },
      ]);
      expect(b.port.current()).toEqual({ value: 'token', storedAt: START - 1_000 });
    });

    it('should fetch at once when no other cache of its name exists', async () => {
      const world = new World();
      const other = world.tab();
      other.connect(new FakePort(), 'another name');
      const a = open(world);
      const fetch = countingFetch('token');
      const entry = attempt(a, fetch);
      await tick();
      expect(await entry).toEqual({ value: 'token', storedAt: START });
      expect(a.tab.sent).toEqual([
        { v: 1, i: expect.any(String) as unknown, k: 'l' },
        expect.objectContaining({ k: 'v' }),
      ]);
    });

    it('should fetch once every other cache answered that it holds nothing', async () => {
      const world = new World({ latency: 2 });
      open(world);
      open(world);
      await tick();
      const d = open(world);
      const fetch = countingFetch('token');
      const entry = attempt(d, fetch);
      await tick(3);
      expect(fetch.calls).toBe(0);
      await tick(2);
      expect(fetch.calls).toBe(1);
      expect((await entry).value).toBe('token');
    });

    it(`should wait at most ${ASK_TIMEOUT} ms for a hung tab's answer`, async () => {
      const world = new World();
      const hung = open(world);
      await tick();
      hung.tab.hang();
      const d = open(world);
      const fetch = countingFetch('token');
      const entry = attempt(d, fetch);
      await tick(ASK_TIMEOUT - 1);
      expect(fetch.calls).toBe(0);
      await tick(1);
      expect(fetch.calls).toBe(1);
      expect((await entry).value).toBe('token');
    });

    it('should answer with nothing when its value cannot be cloned', async () => {
      const world = new World();
      const a = open<unknown>(world);
      a.port.entry = { value: () => 'a function', storedAt: START };
      await tick();
      const d = open<unknown>(world);
      const fetch = countingFetch<unknown>('token');
      const entry = attempt(d, fetch);
      await tick(2);
      expect((await entry).value).toBe('token');
      expect(a.tab.sent).toEqual([{ v: 1, i: expect.any(String) as unknown, k: 'n' }]);
    });
  });

  describe('the outcome of the one fetch', () => {
    it('should fail every waiting tab with a copy of its reason, after one backend call', async () => {
      const world = new World();
      const tabs = [open(world), open(world), open(world)];
      await tick();
      const fetch = controlledFetch<string>();
      const attempts = tabs.map((tab) => attempt(tab, fetch));
      await tick(1);
      const reason = Object.assign(new TypeError('refresh token expired'), { status: 401 });
      fetch.reject(reason);
      await tick(1);
      const reasons = await Promise.all(attempts.map((p) => p.catch((error: unknown) => error)));
      expect(reasons[0]).toBe(reason);
      for (const copy of reasons.slice(1)) {
        expect(copy).not.toBe(reason);
        expect(copy).toBeInstanceOf(TypeError);
        expect(copy).toMatchObject({ message: 'refresh token expired' });
      }
      expect(fetch.calls).toBe(1);
    });

    it('should turn an uncloneable reason into an Error with its message', async () => {
      const world = new World();
      const a = open(world);
      const b = open(world);
      const c = open(world);
      await tick();
      const fetch = controlledFetch<string>();
      const attempts = [attempt(a, fetch), attempt(b, fetch), attempt(c, fetch)];
      await tick(1);
      fetch.reject({ message: 'refresh failed', retry: () => {} });
      await tick(1);
      for (const p of attempts.slice(1)) await expect(p).rejects.toEqual(new Error('refresh failed'));
      // A reason without a message, and one whose message cannot even be read.
      const d = attempt(b, fetch);
      const e = attempt(c, fetch);
      await tick(LOCK_LINGER + 1);
      fetch.reject(Symbol('no message'));
      await tick(1);
      await expect(e).rejects.toEqual(new Error('Symbol(no message)'));
      await d.catch(() => {});
      const f = attempt(b, fetch);
      const g = attempt(c, fetch);
      await tick(LOCK_LINGER + 1);
      const hostile = new Proxy(
        {},
        {
          get() {
            throw new Error('no');
          },
        },
      );
      fetch.reject(hostile);
      await tick(1);
      const reasons = (await Promise.allSettled([f, g])).map((s) =>
        s.status === 'rejected' ? (s.reason as unknown) : s.value,
      );
      expect(reasons.filter((reason) => reason !== hostile)).toEqual([new Error()]);
    });

    it('should settle a waiting tab with a value that a tab seeds meanwhile', async () => {
      const world = new World();
      const a = open(world);
      const b = open(world);
      await tick();
      const fetch = controlledFetch<string>();
      const flight = attempt(a, fetch);
      const waiting = attempt(b, fetch);
      await tick(5);
      // The seed in b itself settles b's waiting attempt at once.
      b.port.entry = { value: 'seeded', storedAt: START + 1 };
      b.connection.publish(b.port.entry);
      expect(await waiting).toEqual({ value: 'seeded', storedAt: START + 1 });
      fetch.resolve('fetched');
      expect((await flight).value).toBe('fetched');
    });

    it('should use a newer value a tab holds when it gets the lock, and not fetch', async () => {
      const world = new World({ latency: 500 });
      const a = open(world);
      const b = open(world);
      await tick(1_000);
      const fetch = controlledFetch<string>();
      const first = attempt(a, fetch);
      await tick(1);
      const second = attempt(b, fetch);
      await tick(1);
      // b's cache took a newer value by another way than the channel (it arrives there later).
      b.port.entry = { value: 'newer', storedAt: START + 1_001 };
      fetch.resolve('fetched');
      await first;
      await tick(LOCK_LINGER);
      expect(await second).toEqual({ value: 'newer', storedAt: START + 1_001 });
      expect(fetch.calls).toBe(1);
    });

    it('should share no failure of a flight that an invalidation superseded', async () => {
      const world = new World();
      const a = open(world);
      const b = open(world);
      await tick();
      const fetch = controlledFetch<string>();
      const flight = attempt(a, fetch);
      await tick(1);
      b.connection.invalidate();
      await tick(1);
      const waiting = attempt(b, fetch);
      await tick(1);
      fetch.reject(new Error('old flight'));
      await expect(flight).rejects.toThrow('old flight');
      await tick(LOCK_LINGER);
      // b was not failed by the old flight: it got the lock and fetched.
      expect(fetch.calls).toBe(2);
      fetch.resolve('new');
      expect((await waiting).value).toBe('new');
    });
  });

  describe('a caller that leaves', () => {
    it('should reject a waiting attempt with the signal reason and withdraw its lock request', async () => {
      const world = new World();
      const a = open(world);
      const b = open(world);
      await tick();
      const fetch = controlledFetch<string>();
      const flight = attempt(a, fetch);
      const controller = new AbortController();
      const waiting = attempt(b, fetch, controller.signal);
      await tick(1);
      controller.abort(new Error('left'));
      await expect(waiting).rejects.toThrow('left');
      expect(world.query().pending.filter(({ name }) => name === 'xstate-background-cache:token')).toEqual([]);
      fetch.resolve('token');
      await flight;
      expect(fetch.calls).toBe(1);
    });

    it('should reject at once, before any fetch, with a signal already aborted', async () => {
      const world = new World();
      const a = open(world);
      const fetch = countingFetch('token');
      await expect(attempt(a, fetch, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
      expect(fetch.calls).toBe(0);
    });

    it('should let go of the lock when the holding attempt is aborted, sharing nothing', async () => {
      const world = new World();
      const a = open(world);
      const b = open(world);
      await tick();
      const fetch = controlledFetch<string>();
      const controller = new AbortController();
      const flight = attempt(a, fetch, controller.signal);
      const waiting = attempt(b, fetch);
      await tick(1);
      controller.abort(new DOMException('no longer needed', 'AbortError'));
      await expect(flight).rejects.toThrow('no longer needed');
      await tick(1);
      expect(fetch.calls).toBe(2);
      fetch.reject(new Error('ignored: the first attempt is over'));
      fetch.resolve('b');
      expect((await waiting).value).toBe('b');
      expect(a.tab.sent.filter((m) => (m as { k: string }).k === 'f')).toEqual([]);
    });

    it("should fail the waiting tabs with the holder's timeout, as with any failure of the flight", async () => {
      const world = new World();
      const a = open(world);
      const b = open(world);
      await tick();
      const fetch = controlledFetch<string>();
      const controller = new AbortController();
      const flight = attempt(a, fetch, controller.signal);
      const waiting = attempt(b, fetch);
      await tick(1);
      // What the cache aborts with is a DOMException named TimeoutError (Node 20's structuredClone cannot copy one; an
      // Error with that name stands in, and is copied as an Error with its message).
      const timeout = Object.assign(new Error('fetchTimeout elapsed'), { name: 'TimeoutError' });
      controller.abort(timeout);
      await expect(flight).rejects.toBe(timeout);
      await tick(1);
      const copy = await waiting.catch((error: unknown) => error);
      expect(copy).not.toBe(timeout);
      expect(copy).toMatchObject({ message: 'fetchTimeout elapsed' });
      // The fetch rejecting later with the same reason shares nothing more.
      fetch.reject(timeout);
      await tick(LOCK_LINGER);
      expect(a.tab.sent.filter((m) => (m as { k: string }).k === 'f')).toHaveLength(1);
      expect(fetch.calls).toBe(1);
    });
  });

  describe('a tab that goes away while fetching', () => {
    async function handOff(leave: (tab: Tab) => void, pending = 3) {
      const world = new World();
      const holder = open(world, 'holder');
      const others = Array.from({ length: pending - 1 }, () => open(world));
      await tick();
      const slow = controlledFetch<string>();
      void attempt(holder, slow);
      await tick(1);
      const fetch = controlledFetch<string>();
      const waiting = others.map((tab) => attempt(tab, fetch));
      await tick(100);
      expect(fetch.calls).toBe(0);
      const left = Date.now();
      leave(holder.tab);
      while (fetch.calls === 0 && Date.now() - left < 5_000) await tick(1);
      const handedOffAfter = Date.now() - left;
      fetch.resolve('taken over');
      await tick(1);
      for (const entry of await Promise.all(waiting)) expect(entry.value).toBe('taken over');
      expect(fetch.calls).toBe(1);
      return handedOffAfter;
    }

    it('should hand off within a second when the page closes', async () => {
      expect(await handOff((tab) => tab.close(30))).toBe(30);
    });

    it('should hand off within a second when the page crashes', async () => {
      expect(await handOff((tab) => tab.crash(335))).toBe(335);
    });

    it('should hand off at once when the page goes into the back/forward cache (pagehide)', async () => {
      expect(await handOff((tab) => tab.freeze())).toBeLessThanOrEqual(1);
    });

    it(`should hand off within ${2 * LOCK_SLICE} ms when a frozen page kept its lock (no pagehide)`, async () => {
      const after = await handOff((tab) => tab.freeze({ pagehide: false }));
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThanOrEqual(2 * LOCK_SLICE);
    });

    it('should be evicted from the back/forward cache by a message, and not block the others', async () => {
      const after = await handOff((tab) => {
        tab.freeze({ pagehide: false });
        tab.world.tabs[1]!.post('anything');
      });
      expect(after).toBeLessThanOrEqual(2 * LOCK_SLICE);
    });

    it('should take its presence back when it returns from the back/forward cache', async () => {
      const world = new World();
      const a = open(world);
      a.port.entry = { value: 'token', storedAt: START };
      await tick();
      a.tab.events.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }));
      a.tab.freeze();
      await tick();
      expect(world.query().held).toEqual([]);
      a.tab.thaw();
      await tick();
      expect(world.query().held.map(({ clientId }) => clientId)).toEqual([a.tab.label]);
      const d = open(world);
      const entry = attempt(d, countingFetch('fetched'));
      await tick(2);
      expect((await entry).value).toBe('token');
    });
  });

  describe('a hung tab holding the lock', () => {
    it('should be stolen from fetchTimeout + 1 s after it took the lock, with fetchTimeout', async () => {
      const world = new World();
      const hung = open(world);
      const b = open(world);
      const c = open(world);
      for (const { port } of [hung, b, c]) port.fetchTimeout = 1_900;
      await tick();
      void attempt(hung, () => new Promise<string>(() => {}));
      await tick(1);
      hung.tab.hang();
      // The others learn that the lock was taken 1 ms later (the channel's latency), and count from there.
      const taken = Date.now();
      const fetch = controlledFetch<string>();
      const waiting = [attempt(b, fetch), attempt(c, fetch)];
      await tick(1_900 + STEAL_GRACE - 1);
      expect(fetch.calls).toBe(0);
      await tick(1);
      expect(fetch.calls).toBe(1);
      expect(Date.now() - taken).toBe(1_900 + STEAL_GRACE);
      fetch.resolve('after the steal');
      await tick(1);
      expect((await Promise.all(waiting)).map((entry) => entry.value)).toEqual(['after the steal', 'after the steal']);
      expect(fetch.calls).toBe(1);
    });

    it('should steal at once on a later attempt when the holder took the lock long ago', async () => {
      const world = new World();
      const hung = open(world);
      const b = open(world);
      b.port.fetchTimeout = 1_000;
      await tick();
      void attempt(hung, () => new Promise<string>(() => {}));
      await tick(1);
      hung.tab.hang();
      const controller = new AbortController();
      const gaveUp = attempt(b, countingFetch('not yet'), controller.signal);
      await tick(500);
      controller.abort(new Error('caller left'));
      await expect(gaveUp).rejects.toThrow('caller left');
      await tick(10_000);
      const fetch = countingFetch('stolen');
      const entry = attempt(b, fetch);
      await tick(1);
      expect((await entry).value).toBe('stolen');
    });

    it("should never double a live tab's slow fetch without fetchTimeout", async () => {
      const world = new World();
      const a = open(world);
      const b = open(world);
      await tick();
      const slow = controlledFetch<string>();
      const flight = attempt(a, slow);
      await tick(1);
      const fetch = countingFetch('doubled');
      const waiting = attempt(b, fetch);
      await tick(60_000);
      expect(fetch.calls).toBe(0);
      slow.resolve('slow but live');
      await flight;
      await tick(1);
      expect((await waiting).value).toBe('slow but live');
      expect(fetch.calls).toBe(0);
    });
  });

  describe('a dedicated worker', () => {
    it('should share the lock and the channel with the pages', async () => {
      const world = new World();
      const page = open(world);
      const worker = open(world, 'worker', new FakePort<string>(), true);
      await tick();
      const fetch = controlledFetch<string>();
      const attempts = [attempt(page, fetch), attempt(worker, fetch)];
      await tick(1);
      fetch.resolve('token');
      await tick(1);
      expect((await Promise.all(attempts)).map((entry) => entry.value)).toEqual(['token', 'token']);
      expect(fetch.calls).toBe(1);
    });
  });

  describe('where Web Locks or BroadcastChannel is missing', () => {
    const cases: [string, () => void][] = [
      ['Node (BroadcastChannel, no navigator)', () => {}],
      [
        'a browser without navigator.locks',
        () => {
          vi.stubGlobal('navigator', {});
          vi.stubGlobal('BroadcastChannel', class {});
        },
      ],
      [
        'a browser without BroadcastChannel',
        () => {
          vi.stubGlobal('navigator', { locks: {} });
          vi.stubGlobal('BroadcastChannel', undefined);
        },
      ],
    ];
    for (const [where, stub] of cases)
      it(`should work alone in ${where}, without error or warning`, async () => {
        const warn = vi.spyOn(console, 'warn');
        const error = vi.spyOn(console, 'error');
        stub();
        const port = new FakePort<string>();
        const connection = shareAcrossTabs<string>('token').connect(port);
        vi.unstubAllGlobals();
        const fetch = countingFetch('alone');
        const signal = new AbortController().signal;
        expect(await connection.fetch(fetch, signal, -Infinity)).toEqual({ value: 'alone', storedAt: START });
        expect(await connection.fetch(fetch, signal, START)).toEqual({ value: 'alone', storedAt: START });
        expect(fetch.calls).toBe(2);
        connection.publish({ value: 'x', storedAt: START });
        connection.invalidate();
        connection.close();
        expect(warn).not.toHaveBeenCalled();
        expect(error).not.toHaveBeenCalled();
      });
  });

  it('should fetch alone when its lock manager refuses, and still hear the others', async () => {
    const world = new World();
    const a = open(world);
    const refused = world.tab('opaque');
    refused.refused = true;
    const port = new FakePort<string>();
    const b = { tab: refused, port, connection: refused.connect(port) };
    await tick();
    const fetch = countingFetch('alone');
    const entry = attempt(b, fetch);
    await tick(5);
    expect((await entry).value).toBe('alone');
    expect(fetch.calls).toBe(1);
    await tick(1);
    expect(a.port.current()?.value).toBe('alone');
  });

  it('should let go of the channel in Node, where an open one would keep the process alive', () => {
    const world = new World();
    const tab = world.tab();
    let unref = 0;
    const Channel = tab.Channel;
    tab.Channel = class extends Channel {
      unref() {
        unref++;
      }
    };
    tab.connect(new FakePort());
    expect(unref).toBe(1);
  });

  describe('the message format, as untrusted input', () => {
    const now = START + 10_000;
    const garbage: [string, unknown][] = [
      ['null', null],
      ['a number', 42],
      ['a string', 'v'],
      ['an array', [1, 'v', 'x', 1, 'token']],
      ['an empty object', {}],
      ['another version', { v: 2, i: 'x', k: 'v', s: START, d: 'token' }],
      ['a version as a string', { v: '1', i: 'x', k: 'v', s: START, d: 'token' }],
      ['no sender', { v: 1, k: 'v', s: START, d: 'token' }],
      ['a sender that is not a string', { v: 1, i: 7, k: 'v', s: START, d: 'token' }],
      ['an unknown kind', { v: 1, i: 'x', k: 'store', s: START, d: 'token' }],
      ['a value without storedAt', { v: 1, i: 'x', k: 'v', d: 'token' }],
      ['storedAt as a string', { v: 1, i: 'x', k: 'v', s: String(START), d: 'token' }],
      ['storedAt NaN', { v: 1, i: 'x', k: 'v', s: NaN, d: 'token' }],
      ['storedAt in the future', { v: 1, i: 'x', k: 'v', s: now + 60_000, d: 'token' }],
      ['storedAt Infinity', { v: 1, i: 'x', k: 'v', s: Infinity, d: 'token' }],
      ['storedAt negative', { v: 1, i: 'x', k: 'v', s: -1, d: 'token' }],
      ['a value message without a value', { v: 1, i: 'x', k: 'v', s: START }],
      ['a failure without a reason', { v: 1, i: 'x', k: 'f' }],
      ['a kind that is not a string', { v: 1, i: 'x', k: ['v'], s: START, d: 'token' }],
      ['an object with a null prototype', Object.assign(Object.create(null) as object, { v: 3 })],
      ['a deep structure', { v: 1, i: 'x', k: 'q', d: Array.from({ length: 1_000 }, () => ({ a: [1, 2, 3] })) }],
    ];

    it('should ignore every malformed message: never stored, never thrown, never failing a waiter', async () => {
      vi.setSystemTime(now);
      const world = new World();
      const a = open(world);
      a.port.entry = { value: 'held', storedAt: START };
      const hostile = world.tab('hostile');
      await tick();
      const fetch = controlledFetch<string>();
      const holder = open(world);
      await tick(1);
      const flight = attempt(holder, fetch);
      await tick(1);
      const waiting = attempt(a, fetch);
      await tick(1);
      for (const [, data] of garbage) hostile.post(data);
      await tick(5);
      expect(a.port.stored).toEqual([]);
      expect(a.port.invalidations).toBe(0);
      expect(a.port.current()).toEqual({ value: 'held', storedAt: START });
      expect(a.tab.thrown).toEqual([]);
      expect(await isSettled(waiting)).toBe(false);
      fetch.resolve('real');
      await flight;
      await tick(1);
      expect((await waiting).value).toBe('real');
    });

    it('should take a well-formed message and nothing else from it', async () => {
      const world = new World();
      const a = open(world);
      const hostile = world.tab('hostile');
      await tick();
      hostile.post({ v: 1, i: 'x', k: 'v', s: START - 1, d: { token: 't' }, extra: 'ignored' });
      await tick(1);
      expect(a.port.stored).toEqual([{ value: { token: 't' }, storedAt: START - 1 }]);
    });

    it('should keep to itself what the cache throws for a value it cannot take', async () => {
      const world = new World();
      const a = open(world);
      a.port.store = () => {
        throw new RangeError('ttl(value) threw');
      };
      const hostile = world.tab('hostile');
      await tick();
      hostile.post({ v: 1, i: 'x', k: 'v', s: START, d: 'bad shape' });
      await tick(1);
      expect(a.tab.thrown).toEqual([]);
    });

    it('should share nothing, and throw nothing, for a value that cannot be cloned', async () => {
      const world = new World();
      const a = open<unknown>(world);
      const b = open<unknown>(world);
      await tick();
      expect(() => a.connection.publish({ value: Symbol('not cloneable'), storedAt: START })).not.toThrow();
      await tick(1);
      expect(b.port.stored).toEqual([]);
    });
  });

  describe('close', () => {
    it('should let go of its locks, channel and listeners; what follows is a no-op', async () => {
      const world = new World();
      const a = open(world);
      const b = open(world);
      await tick();
      expect(world.query().held).toHaveLength(2);
      a.connection.close();
      await tick();
      expect(world.query().held.map(({ clientId }) => clientId)).toEqual([b.tab.label]);
      expect(() => a.connection.publish({ value: 'x', storedAt: START })).not.toThrow();
      expect(() => a.connection.invalidate()).not.toThrow();
      b.connection.publish({ value: 'from b', storedAt: START });
      await tick(1);
      expect(a.port.stored).toEqual([]);
      a.tab.events.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
      await tick();
      expect(world.query().held).toHaveLength(1);
    });

    it('should not take its presence when closed before the lock manager granted it', async () => {
      const world = new World();
      const a = open(world);
      a.connection.close();
      await tick();
      expect(world.query().held).toEqual([]);
    });
  });
});
