// @vitest-environment happy-dom
/**
 * The React hooks' read loop, render tracking and Suspense, in StrictMode,
 * against a scripted cache (test/react/fake.ts) so that each step is the
 * test's: when the hooks read, when they stop after a failure and when they
 * read again, how they leave on unmount, and which changes re-render.
 */
import { Component, StrictMode, Suspense, act } from 'react';
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  useBackgroundCache,
  useKeyedBackgroundCache,
  useSuspenseBackgroundCache,
  useSuspenseKeyedBackgroundCache,
} from '../../src/react/index.js';
import type { CacheHookOptions, CacheView } from '../../src/react/index.js';
import { FakeCache, FakeKeyedCache } from './fake.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const unmounts: (() => void)[] = [];
afterEach(() => {
  for (const unmount of unmounts.splice(0)) unmount();
});

/** Renders `element` in StrictMode; `render` renders something else in the same root. */
function mount(element: ReactNode) {
  const container = document.createElement('div');
  // Errors the test's boundary catches are expected: not logged.
  const root = createRoot(container, { onCaughtError: () => {} });
  act(() => root.render(<StrictMode>{element}</StrictMode>));
  const unmount = () => act(() => root.unmount());
  unmounts.push(unmount);
  return {
    container,
    render: (next: ReactNode) => act(() => root.render(<StrictMode>{next}</StrictMode>)),
    unmount: () => {
      unmounts.splice(unmounts.indexOf(unmount), 1);
      unmount();
    },
  };
}

/** Lets settled promises run their continuations, inside act. */
const flush = () => act(async () => {});

/** Runs `step` inside act: a change of the cache re-renders. */
const step = (change: () => void) => act(change);

/** A component that shows what `useBackgroundCache` gives and keeps the latest view. */
function Show<T>({
  cache,
  options,
  fields = ['value', 'state', 'error', 'isFetching'],
  seen,
}: {
  cache: FakeCache<string>;
  options?: CacheHookOptions<string, T>;
  fields?: (keyof CacheView<T>)[];
  seen: { view?: CacheView<T>; renders: number };
}) {
  const view = useBackgroundCache(cache, options);
  seen.view = view;
  seen.renders++;
  return <p>{fields.map((field) => `${field}=${String(view[field])}`).join(' ')}</p>;
}

function setup(fields?: (keyof CacheView<string>)[], options?: CacheHookOptions<string>) {
  const cache = new FakeCache<string>();
  const seen: { view?: CacheView<string>; renders: number } = { renders: 0 };
  const mounted = mount(
    <Show cache={cache} seen={seen} {...(fields ? { fields } : {})} {...(options ? { options } : {})} />,
  );
  return { cache, seen, ...mounted, text: () => mounted.container.textContent };
}

describe('useBackgroundCache: reading', () => {
  it('should read once on mount with a signal, StrictMode leaving its first mount through the signal', () => {
    const { cache, text } = setup();
    // StrictMode mounts, unmounts and mounts again: the first read leaves, the second stays.
    expect(cache.gets).toHaveLength(2);
    expect(cache.gets[0]!.signal!.aborted).toBe(true);
    expect(cache.gets[1]!.signal!.aborted).toBe(false);
    expect(text()).toBe('value=undefined state=empty error=undefined isFetching=false');
  });

  it('should show the value and the state, and join a first fetch instead of starting one', async () => {
    const { cache, text } = setup();
    step(() => cache.set('refreshing.withoutPrevious'));
    expect(text()).toBe('value=undefined state=refreshing.withoutPrevious error=undefined isFetching=true');
    // Already waiting: no second read.
    expect(cache.gets).toHaveLength(2);
    step(() => cache.set('current.fresh', 'v1'));
    cache.gets[1]!.resolve('v1');
    await flush();
    expect(text()).toBe('value=v1 state=current.fresh error=undefined isFetching=false');
    expect(cache.gets).toHaveLength(2);
  });

  it('should read when the value enters its window or is dropped, and not while fresh or refreshing', async () => {
    const { cache } = setup();
    cache.gets[1]!.resolve('v1');
    step(() => cache.set('current.fresh', 'v1'));
    await flush();
    expect(cache.gets).toHaveLength(2);
    step(() => cache.set('current.stale', 'v1'));
    expect(cache.gets).toHaveLength(3);
    cache.gets[2]!.resolve('v1');
    step(() => cache.set('refreshing.withPrevious', 'v1'));
    step(() => cache.set('retrying.withPrevious', 'v1'));
    await flush();
    expect(cache.gets).toHaveLength(3);
    step(() => cache.set('current.fresh', 'v2'));
    step(() => cache.set('empty'));
    expect(cache.gets).toHaveLength(4);
  });

  it('should join a first fetch it finds on mount', () => {
    const cache = new FakeCache<string>();
    cache.set('retrying.withoutPrevious');
    mount(<Show cache={cache} seen={{ renders: 0 }} />);
    expect(cache.gets.at(-1)!.signal!.aborted).toBe(false);
  });

  it('should read nothing on mount in failed, fresh, refreshing.withPrevious or backingOff', () => {
    for (const state of ['failed', 'current.fresh', 'refreshing.withPrevious', 'current.backingOff']) {
      const cache = new FakeCache<string>();
      cache.set(state, state === 'failed' ? undefined : 'v', state === 'failed' ? new Error('down') : undefined);
      mount(<Show cache={cache} seen={{ renders: 0 }} />);
      expect(cache.gets, state).toHaveLength(0);
    }
  });

  it('should read again when the fetch it waited on was superseded and nothing is held', async () => {
    const { cache } = setup();
    step(() => cache.set('refreshing.withoutPrevious'));
    // invalidate() during the fetch: the cache drops it, the waiter still gets its value.
    step(() => cache.set('empty'));
    cache.gets[1]!.resolve('v1');
    await flush();
    expect(cache.gets).toHaveLength(3);
    expect(cache.gets[2]!.signal!.aborted).toBe(false);
  });

  it('should leave through its signal on unmount, and read nothing after', async () => {
    const { cache, unmount } = setup();
    unmount();
    expect(cache.gets[1]!.signal!.aborted).toBe(true);
    expect(cache.listeners).toBe(0);
    await flush();
    step(() => cache.set('empty', undefined, new Error('x')));
    expect(cache.gets).toHaveLength(2);
  });

  it('should not read again when its read resolves after unmount', async () => {
    const { cache, unmount } = setup();
    cache.gets[1]!.resolve('v1');
    unmount();
    await flush();
    expect(cache.gets).toHaveLength(2);
  });
});

describe('useBackgroundCache: after a failure', () => {
  it('should show its own failure and not read again until refresh()', async () => {
    const { cache, seen, text } = setup();
    const failure = new Error('503');
    step(() => cache.set('refreshing.withoutPrevious'));
    // The cache drops to empty (no errorTtl) and the waiter rejects.
    step(() => cache.set('empty'));
    cache.gets[1]!.reject(failure);
    await flush();
    expect(text()).toBe('value=undefined state=empty error=Error: 503 isFetching=false');
    step(() => cache.set('empty', undefined, failure));
    step(() => cache.set('empty'));
    expect(cache.gets).toHaveLength(2);

    act(() => seen.view!.refresh());
    expect(cache.refreshes).toHaveLength(1);
    expect(text()).toBe('value=undefined state=empty error=undefined isFetching=false');
    step(() => cache.set('refreshing.withoutPrevious'));
    expect(cache.gets).toHaveLength(3);
  });

  it('should show a failed refresh() and stop reading until the next refresh()', async () => {
    const { cache, seen, text } = setup();
    cache.gets[1]!.resolve('v1');
    step(() => cache.set('current.fresh', 'v1'));
    await flush();
    act(() => seen.view!.refresh());
    cache.refreshes[0]!.reject(new Error('boom'));
    await flush();
    expect(text()).toBe('value=v1 state=current.fresh error=Error: boom isFetching=false');
    step(() => cache.set('current.stale', 'v1'));
    expect(cache.gets).toHaveLength(2);
    // A value stored again (another reader's fetch) lifts it.
    step(() => cache.set('refreshing.withPrevious', 'v1'));
    step(() => cache.set('current.fresh', 'v2'));
    expect(text()).toBe('value=v2 state=current.fresh error=undefined isFetching=false');
    step(() => cache.set('current.stale', 'v2'));
    expect(cache.gets).toHaveLength(3);
  });

  it('should not refresh in a loop when background refreshes fail without errorTtl', () => {
    const { cache } = setup();
    step(() => cache.set('current.stale', 'v1'));
    expect(cache.gets).toHaveLength(2);
    cache.gets[1]!.resolve('v1');
    step(() => cache.set('refreshing.withPrevious', 'v1'));
    const failure = new Error('refresh failed');
    step(() => cache.set('current.stale', 'v1', failure));
    step(() => cache.set('empty', undefined, failure));
    expect(cache.gets).toHaveLength(2);
  });

  it('should read again when errorTtl is over: failed to empty, backingOff to stale', async () => {
    const { cache } = setup();
    const failure = new Error('503');
    step(() => cache.set('failed', undefined, failure));
    cache.gets[1]!.reject(failure);
    await flush();
    expect(cache.gets).toHaveLength(2);
    step(() => cache.set('empty', undefined, failure));
    expect(cache.gets).toHaveLength(3);
    cache.gets[2]!.resolve('v1');
    step(() => cache.set('current.fresh', 'v1'));
    await flush();
    step(() => cache.set('current.stale', 'v1'));
    cache.gets[3]!.resolve('v1');
    step(() => cache.set('refreshing.withPrevious', 'v1'));
    await flush();
    step(() => cache.set('current.backingOff', 'v1', failure));
    expect(cache.gets).toHaveLength(4);
    step(() => cache.set('current.stale', 'v1', failure));
    expect(cache.gets).toHaveLength(5);
  });

  it('should read again after a remount', async () => {
    const { cache, unmount } = setup();
    cache.gets[1]!.reject(new Error('503'));
    await flush();
    unmount();
    mount(<Show cache={cache} seen={{ renders: 0 }} />);
    expect(cache.gets.at(-1)!.signal!.aborted).toBe(false);
    expect(cache.gets).toHaveLength(4);
  });
});

describe('useBackgroundCache: re-renders only for what it shows', () => {
  it('should not re-render a component showing only the value when the state changes', () => {
    const { cache, seen } = setup(['value']);
    const before = seen.renders;
    step(() => cache.set('refreshing.withoutPrevious'));
    expect(seen.renders).toBe(before);
    step(() => cache.set('current.fresh', 'v1'));
    expect(seen.renders).toBeGreaterThan(before);
    const after = seen.renders;
    step(() => cache.set('current.stale', 'v1'));
    step(() => cache.set('refreshing.withPrevious', 'v1'));
    expect(seen.renders).toBe(after);
    // Fields it did not render are still current when read later (in a handler).
    expect(seen.view!.state).toBe('refreshing.withPrevious');
    expect(seen.view!.isFetching).toBe(true);
    expect(seen.view!.error).toBeUndefined();
  });

  it('should not re-render a component showing only the value for its own failed read', async () => {
    const { cache, seen } = setup(['value']);
    const before = seen.renders;
    cache.gets[1]!.reject(new Error('503'));
    await flush();
    expect(seen.renders).toBe(before);
    expect(seen.view!.error).toEqual(new Error('503'));
  });

  it('should re-render a component showing the state for each state', () => {
    const { cache, seen } = setup(['state']);
    const before = seen.renders;
    step(() => cache.set('refreshing.withoutPrevious'));
    expect(seen.renders).toBeGreaterThan(before);
  });

  it('should re-render only when the selection changes, as isEqual judges it', () => {
    const cache = new FakeCache<{ theme: string; n: number }>();
    const seen = { renders: 0, values: [] as unknown[] };
    function Theme({ select }: { select: (value: { theme: string; n: number }) => { theme: string } }) {
      const { value } = useBackgroundCache(cache, { select, isEqual: (a, b) => a.theme === b.theme });
      seen.renders++;
      seen.values.push(value);
      return <p>{value?.theme}</p>;
    }
    const select = (config: { theme: string }) => ({ theme: config.theme });
    const { container, render } = mount(<Theme select={select} />);
    step(() => cache.set('current.fresh', { theme: 'dark', n: 1 }));
    expect(container.textContent).toBe('dark');
    const first = seen.values.at(-1);
    const renders = seen.renders;
    step(() => cache.set('current.fresh', { theme: 'dark', n: 2 }));
    expect(seen.renders).toBe(renders);
    // A new select function runs again; an equal selection keeps its identity.
    render(<Theme select={(config) => ({ theme: config.theme })} />);
    expect(seen.values.at(-1)).toBe(first);
    step(() => cache.set('current.fresh', { theme: 'light', n: 3 }));
    expect(container.textContent).toBe('light');
  });

  it('should hand out a stable refresh', () => {
    const { cache, seen } = setup();
    const { refresh } = seen.view!;
    step(() => cache.set('current.fresh', 'v1'));
    expect(seen.view!.refresh).toBe(refresh);
  });

  it('should follow a new cache', () => {
    const one = new FakeCache<string>();
    const two = new FakeCache<string>();
    two.set('current.fresh', 'two');
    const seen = { renders: 0 };
    const { container, render } = mount(<Show cache={one} seen={seen} fields={['value']} />);
    render(<Show cache={two} seen={seen} fields={['value']} />);
    expect(container.textContent).toBe('value=two');
    expect(one.listeners).toBe(0);
  });
});

describe('useKeyedBackgroundCache', () => {
  function Row({ cache, id, seen }: { cache: FakeKeyedCache<number, string>; id: number; seen: number[] }) {
    const { value, error } = useKeyedBackgroundCache(cache, id);
    seen[id] = (seen[id] ?? 0) + 1;
    return <li>{value ?? (error ? 'failed' : '…')}</li>;
  }
  const List = ({ cache, ids, seen }: { cache: FakeKeyedCache<number, string>; ids: number[]; seen: number[] }) => (
    <ul>
      {ids.map((id) => (
        <Row key={id} cache={cache} id={id} seen={seen} />
      ))}
    </ul>
  );

  it('should read each key and re-render only the row whose key changed', () => {
    const cache = new FakeKeyedCache<number, string>();
    const seen: number[] = [];
    const { container } = mount(<List cache={cache} ids={[0, 1, 2]} seen={seen} />);
    expect(cache.gets.filter(({ signal }) => !signal!.aborted).map(({ key }) => key)).toEqual([0, 1, 2]);
    const before = [...seen];
    step(() => cache.set(1, 'current.fresh', 'one'));
    expect(seen[0]).toBe(before[0]);
    expect(seen[2]).toBe(before[2]);
    expect(seen[1]).toBeGreaterThan(before[1]!);
    expect(container.textContent).toBe('…one…');
  });

  it('should drop a failure and read the new key when the key changes', async () => {
    const cache = new FakeKeyedCache<number, string>();
    const seen: number[] = [];
    function One({ id }: { id: number }) {
      return <Row cache={cache} id={id} seen={seen} />;
    }
    const { container, render } = mount(<One id={1} />);
    cache.gets[1]!.reject(new Error('no 1'));
    await flush();
    expect(container.textContent).toBe('failed');
    render(<One id={2} />);
    expect(container.textContent).toBe('…');
    expect(cache.gets.at(-1)!.key).toBe(2);
    expect(cache.gets[1]!.signal!.aborted).toBe(true);
  });
});

class Boundary extends Component<{ children: ReactNode }, { error?: unknown }> {
  override state: { error?: unknown } = {};
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    return this.state.error ? <p>error: {(this.state.error as Error).toString()}</p> : this.props.children;
  }
  reset() {
    this.setState({ error: undefined });
  }
}

describe('Suspense hooks', () => {
  function Value({ cache }: { cache: FakeCache<string> }) {
    return <p>{useSuspenseBackgroundCache(cache)}</p>;
  }

  function suspenseSetup(cache: FakeCache<string>) {
    let boundary: Boundary | null = null;
    const mounted = mount(
      <Boundary ref={(instance) => void (boundary = instance)}>
        <Suspense fallback={<p>loading</p>}>
          <Value cache={cache} />
        </Suspense>
      </Boundary>,
    );
    return { ...mounted, reset: () => act(() => boundary!.reset()) };
  }

  it('should show the fallback, then the value, with one read', async () => {
    const cache = new FakeCache<string>();
    const { container } = suspenseSetup(cache);
    expect(container.textContent).toBe('loading');
    expect(cache.gets).toHaveLength(1);
    cache.set('current.fresh', 'v1');
    cache.gets[0]!.resolve('v1');
    await flush();
    expect(container.textContent).toBe('v1');
  });

  it('should throw the failure to the error boundary until the cache changes, then read again', async () => {
    const cache = new FakeCache<string>();
    const { container, reset } = suspenseSetup(cache);
    cache.gets[0]!.reject(new Error('503'));
    await flush();
    expect(container.textContent).toBe('error: Error: 503');
    expect(cache.gets).toHaveLength(1);
    // A reset with the cache unchanged shows the same failure, without a fetch.
    reset();
    expect(container.textContent).toBe('error: Error: 503');
    expect(cache.gets).toHaveLength(1);
    // The cache changed (a refresh() or invalidate() from the boundary's reset): it reads again.
    cache.set('empty', undefined, undefined);
    reset();
    expect(container.textContent).toBe('loading');
    expect(cache.gets).toHaveLength(2);
  });

  it('should throw the remembered failure in failed without reading', () => {
    const cache = new FakeCache<string>();
    cache.set('failed', undefined, new Error('still down'));
    const { container } = suspenseSetup(cache);
    expect(container.textContent).toBe('error: Error: still down');
    expect(cache.gets).toHaveLength(0);
  });

  it('should read again when the value was not stored (superseded)', async () => {
    const cache = new FakeCache<string>();
    const { container } = suspenseSetup(cache);
    cache.gets[0]!.resolve('v1');
    await flush();
    expect(container.textContent).toBe('loading');
    expect(cache.gets).toHaveLength(2);
  });

  it('should suspend per key', async () => {
    const cache = new FakeKeyedCache<string, string>();
    function Key({ id }: { id: string }) {
      return <i>{useSuspenseKeyedBackgroundCache(cache, id)}</i>;
    }
    const { container } = mount(
      <Suspense fallback={<p>loading</p>}>
        <Key id="a" />
        <Key id="b" />
      </Suspense>,
    );
    expect(container.textContent).toBe('loading');
    for (const key of ['a', 'b']) cache.set(key, 'current.fresh', key.toUpperCase());
    for (const call of cache.gets) call.resolve('x');
    await flush();
    expect(container.textContent).toBe('AB');
  });
});
