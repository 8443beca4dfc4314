// @vitest-environment happy-dom
/**
 * The React hooks over the real caches in StrictMode, on a simulated cache
 * clock: one fetch for a double mount, background refreshes shown without a
 * remount, no loop after a failure, leaving on unmount (guarantee 13), and
 * `useSelector` from `@xstate/react` on the caches' actors.
 */
import { useSelector } from '@xstate/react';
import { StrictMode, act, useEffect } from 'react';
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { createBackgroundCache, createKeyedBackgroundCache } from '../../src/index.js';
import type { BackgroundCache } from '../../src/index.js';
import { useBackgroundCache, useKeyedBackgroundCache } from '../../src/react/index.js';
import type { ReactKeyedBackgroundCache } from '../../src/react/index.js';
import { controlledFetch } from '../helpers.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const TTL = 1_000;
const WINDOW = 400;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function mount(element: ReactNode) {
  const container = document.createElement('div');
  const root = createRoot(container);
  act(() => root.render(<StrictMode>{element}</StrictMode>));
  let mounted = true;
  const unmount = () => {
    if (mounted) act(() => root.unmount());
    mounted = false;
  };
  cleanups.push(unmount);
  return { container, unmount };
}

const flush = () => act(async () => {});

/** Advances the cache clock by `ms` in steps, letting promises settle after each. */
async function advance(clock: SimulatedClock, ms: number, step = 50) {
  for (let done = 0; done < ms; done += step) {
    act(() => clock.increment(step));
    await flush();
  }
}

function single(options: { errorTtl?: number } = {}, fetchFn?: () => Promise<string>) {
  const clock = new SimulatedClock();
  const fetch = controlledFetch<string>();
  const cache = createBackgroundCache<string>({
    ttl: TTL,
    refreshWindow: WINDOW,
    clock,
    fetch: fetchFn ?? fetch,
    ...options,
  });
  cleanups.push(() => cache.stop());
  return { clock, fetch, cache };
}

/** Shows the value, the state and the error, counting renders and mounts. */
function Show({ cache, seen }: { cache: BackgroundCache<string>; seen: { renders: number; mounts: number } }) {
  const { value, state, error } = useBackgroundCache(cache);
  seen.renders++;
  useEffect(() => {
    seen.mounts++;
  }, [seen]);
  return <p>{`${value ?? '-'} ${state} ${error ? (error as Error).message : ''}`.trim()}</p>;
}

describe('useBackgroundCache over a real cache', () => {
  it('should fetch once for a StrictMode double mount, then show the value', async () => {
    const { fetch, cache } = single();
    const seen = { renders: 0, mounts: 0 };
    const { container } = mount(<Show cache={cache} seen={seen} />);
    expect(fetch.calls).toBe(1);
    expect(fetch.signals[0]!.aborted).toBe(false);
    expect(container.textContent).toBe('- refreshing.withoutPrevious');
    fetch.resolve('v1');
    await flush();
    expect(container.textContent).toBe('v1 current.fresh');
  });

  it('should show a background refresh without remounting', async () => {
    const { clock, fetch, cache } = single();
    const seen = { renders: 0, mounts: 0 };
    const { container } = mount(<Show cache={cache} seen={seen} />);
    fetch.resolve('v1');
    await flush();
    const mounts = seen.mounts;
    await advance(clock, TTL - WINDOW);
    // In its window while shown: the hook read, the cache refreshes in the background.
    expect(fetch.calls).toBe(2);
    expect(container.textContent).toBe('v1 refreshing.withPrevious');
    fetch.resolve('v2');
    await flush();
    expect(container.textContent).toBe('v2 current.fresh');
    expect(seen.mounts).toBe(mounts);
  });

  it('should show the failure and not fetch again over 3 s without errorTtl', async () => {
    const { clock, fetch, cache } = single();
    const { container } = mount(<Show cache={cache} seen={{ renders: 0, mounts: 0 }} />);
    fetch.reject(new Error('503'));
    await flush();
    await advance(clock, 3_000);
    expect(fetch.calls).toBe(1);
    expect(container.textContent).toBe('- empty 503');
  });

  it('should not refresh in a loop when background refreshes fail without errorTtl', async () => {
    const { clock, fetch, cache } = single();
    const { container } = mount(<Show cache={cache} seen={{ renders: 0, mounts: 0 }} />);
    fetch.resolve('v1');
    await flush();
    await advance(clock, TTL - WINDOW);
    fetch.reject(new Error('refresh failed'));
    await flush();
    expect(container.textContent).toBe('v1 current.stale refresh failed');
    await advance(clock, 3_000);
    expect(fetch.calls).toBe(2);
    expect(container.textContent).toBe('- empty refresh failed');
  });

  it('should fetch at most once per errorTtl while failing', async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('503'));
    };
    const { clock, cache } = single({ errorTtl: 1_000 }, failing);
    const { container } = mount(<Show cache={cache} seen={{ renders: 0, mounts: 0 }} />);
    await flush();
    expect(container.textContent).toBe('- failed 503');
    await advance(clock, 3_000);
    // One flight at mount, then one as each errorTtl ends (at 1 s, 2 s and 3 s).
    expect(calls).toBe(4);
  });

  it('should leave on unmount while the fetch the cache owns runs on and is stored', async () => {
    const { fetch, cache } = single();
    const { unmount } = mount(<Show cache={cache} seen={{ renders: 0, mounts: 0 }} />);
    unmount();
    expect(fetch.signals[0]!.aborted).toBe(false);
    fetch.resolve('v1');
    await flush();
    expect(cache.peek().value).toBe('v1');
  });

  it('should abort a superseded fetch once it unmounts and nobody waits any more', () => {
    const { fetch, cache } = single();
    const { unmount } = mount(<Show cache={cache} seen={{ renders: 0, mounts: 0 }} />);
    act(() => cache.invalidate());
    expect(fetch.signals[0]!.aborted).toBe(false);
    unmount();
    expect(fetch.signals[0]!.aborted).toBe(true);
  });

  it("should let @xstate/react's useSelector re-render after a change", () => {
    const { cache } = single();
    function State() {
      return <p>{useSelector(cache.actor, (snapshot) => JSON.stringify(snapshot.value))}</p>;
    }
    const { container } = mount(<State />);
    expect(container.textContent).toBe('"empty"');
    act(() => void cache.seed('v1'));
    expect(container.textContent).toBe('{"current":"fresh"}');
  });
});

/** Whether the keyed cache has the v2 surface the hooks use (peek, get with a signal, refresh). */
const keyedV2 = 'peek' in createKeyedBackgroundCache({ ttl: 1, refreshWindow: 0, maxEntries: 1, fetch: () => 0 });

describe.skipIf(!keyedV2)('useKeyedBackgroundCache over a real keyed cache', () => {
  function keyed() {
    const clock = new SimulatedClock();
    const fetches = new Map<number, ReturnType<typeof controlledFetch<string>>>();
    const cache = createKeyedBackgroundCache<number, string>({
      ttl: TTL,
      refreshWindow: WINDOW,
      maxEntries: 100,
      clock,
      fetch: (key, signal) => {
        if (!fetches.has(key)) fetches.set(key, controlledFetch<string>());
        return fetches.get(key)!(signal);
      },
    });
    cleanups.push(() => cache.stop());
    return { clock, fetches, cache: cache as unknown as ReactKeyedBackgroundCache<number, string> & typeof cache };
  }

  it('should fetch each key once and re-render only the row whose key resolved', async () => {
    const { fetches, cache } = keyed();
    const renders: number[] = [];
    function Row({ id }: { id: number }) {
      const { value } = useKeyedBackgroundCache(cache, id);
      renders[id] = (renders[id] ?? 0) + 1;
      return <li>{value ?? '…'}</li>;
    }
    const ids = Array.from({ length: 20 }, (_, id) => id);
    const { container } = mount(
      <ul>
        {ids.map((id) => (
          <Row key={id} id={id} />
        ))}
      </ul>,
    );
    expect(ids.map((id) => fetches.get(id)!.calls)).toEqual(ids.map(() => 1));
    for (const id of ids) {
      const before = [...renders];
      fetches.get(id)!.resolve(`row ${id}`);
      await flush();
      expect(renders.map((count, row) => count - before[row]!).filter((added) => added > 0)).toHaveLength(1);
      expect(renders[id]).toBeGreaterThan(before[id]!);
    }
    expect(container.textContent).toBe(ids.map((id) => `row ${id}`).join(''));
  });

  it("should let @xstate/react's useSelector re-render after a change", () => {
    const { cache } = keyed();
    function Size() {
      // Selectors run when the actor hands out a new snapshot object.
      return <p>{useSelector(cache.actor, () => cache.size)}</p>;
    }
    const { container } = mount(<Size />);
    const before = container.textContent;
    act(() => void cache.seed(1, 'one'));
    expect(container.textContent).not.toBe(before);
  });
});
