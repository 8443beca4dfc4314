/**
 * xstate-background-cache/react: hooks that show a cache's value in a
 * component and keep it fresh while it is shown. A separate entry with
 * `react` (>= 18) as an optional peer dependency: an app that does not import
 * it ships no React code of this library.
 *
 * @packageDocumentation
 */
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { CachePeek } from '../adapter/createBackgroundCache.js';
import type { CacheStateName } from '../machine/backgroundCacheMachine.js';

export type { CacheStateName };

/** What the hooks use of a cache's actor: `subscribe` and `getSnapshot`, as every XState actor has them. */
export interface ObservableCacheActor {
  subscribe(observer: () => void): { unsubscribe(): void };
  getSnapshot(): unknown;
}

/**
 * What the hooks use of a cache made by `createBackgroundCache` (given a
 * default `fetch`): any `BackgroundCache<V>` is one.
 */
export interface ReactBackgroundCache<V> {
  readonly actor: ObservableCacheActor;
  peek(): CachePeek<V>;
  get(options: { signal?: AbortSignal }): Promise<V>;
  refresh(): Promise<V>;
}

/**
 * What the hooks use of a cache made by `createKeyedBackgroundCache`: its
 * per-key `peek`, `get` with a signal, and `refresh`.
 */
export interface ReactKeyedBackgroundCache<K, V> {
  readonly actor: ObservableCacheActor;
  peek(key: K): CachePeek<V> | undefined;
  get(key: K, options: { signal?: AbortSignal }): Promise<V>;
  refresh(key: K): Promise<V>;
}

/** Options of {@link useBackgroundCache} and {@link useKeyedBackgroundCache}. */
export interface CacheHookOptions<V, T = V> {
  /**
   * Picks what the component shows of the value: `value` in the result is
   * `select(value)`, computed again only when the cache's value changes (or
   * `select` does: keep it stable, or cheap). The component re-renders only
   * when the selection changes, as `isEqual` judges it.
   *
   * @defaultValue the value itself
   */
  readonly select?: (value: V) => T;
  /**
   * Whether two selections are the same: when it returns `true`, the
   * component keeps the one it has and does not re-render for the new one.
   *
   * @defaultValue `Object.is`
   */
  readonly isEqual?: (a: T, b: T) => boolean;
}

/**
 * What a component sees of a cache. The component re-renders only when a
 * field it has read changes: a row that shows only `value` does not re-render
 * when the value turns stale or a background refresh starts.
 */
export interface CacheView<T> {
  /** The value the cache serves now (through `select` when given); `undefined` while it serves none. */
  readonly value: T | undefined;
  /** The chart's state, e.g. `'current.fresh'`, `'refreshing.withoutPrevious'`, `'failed'`. */
  readonly state: CacheStateName;
  /**
   * Why the last fetch failed: the cache's remembered failure, or the failure
   * of this component's own read; `undefined` once a value is stored again.
   */
  readonly error: unknown;
  /** A fetch is in flight (`refreshing.*` or `retrying.*`). */
  readonly isFetching: boolean;
  /**
   * Fetches now whatever the value's age (joining a fetch in flight), and
   * lets the component read again after a failure. Its failure shows in
   * `error`; it never rejects. Stable for the life of the component.
   */
  readonly refresh: () => void;
}

/** A cache as the shared hook calls it: `peek`, `get` and `refresh`, with the key first for a keyed cache. */
interface AnyCache {
  readonly actor: ObservableCacheActor;
  peek(...args: unknown[]): CachePeek<unknown> | undefined;
  get(...args: unknown[]): Promise<unknown>;
  refresh(...args: unknown[]): Promise<unknown>;
}

/**
 * A hook instance's memory, kept across renders. Short names: they reach the
 * bundle as they are.
 */
interface Hook {
  /** Tracked: the fields of the view read during render, one bit each (value, state, error, isFetching). */
  t: number;
  /** Latest: the fields now. */
  l: unknown[];
  /** The view last handed out. */
  v?: CacheView<unknown>;
  /** The raw value `s` last ran on, and `s`. */
  r?: unknown;
  s?: ((value: never) => unknown) | undefined;
  /** The selection. */
  x?: unknown;
  /** Error: `[cache, key, reason]` when this component's own read failed. */
  e: unknown[];
  /** Notify: tells `useSyncExternalStore` to look again (set by its subscribe). */
  n?: () => void;
  /** The mounted read loop's run: `b` while reading is blocked after a failure. */
  run: { b: boolean };
  /** The component's `refresh`: stable, it calls {@link Hook.a}. */
  f: () => void;
  /** What `refresh` does for the cache and key of the last render. */
  a: () => void;
}

const FETCHING = /^(refreshing|retrying)/;
/** States in which a mounted component reads: nothing servable, a value in its window, or a first fetch to join. */
const READS = /^(empty|current\.stale)$|withoutPrevious/;

/** The state of `cache` (for `key`) as a dotted path: `{ current: 'fresh' }` as `'current.fresh'`. */
const stateOf = (peeked: CachePeek<unknown> | undefined): string => {
  const value = peeked?.state ?? 'empty';
  if (typeof value === 'string') return value;
  const [parent] = Object.keys(value);
  return `${parent!}.${value[parent!] as string}`;
};

function useCache<T>(
  cache: AnyCache,
  keyed: unknown[],
  { select, isEqual = Object.is }: CacheHookOptions<never, T> = {},
): CacheView<T> {
  const key = keyed[0];
  // [cache, key, reason]: this component's own read failed.
  const memory = useRef<Hook>(null);
  const hook = (memory.current ??= { t: 0, l: [], e: [], run: { b: false }, f: () => hook.a() } as Omit<
    Hook,
    'a'
  > as Hook);
  // Kept in the hook, not in React state: a component that does not show `error` does not re-render for it.
  const setFailure = (failure: unknown[]) => {
    hook.e = failure;
    hook.n?.();
  };
  const fail = (reason: unknown) => setFailure([cache, key, reason]);
  hook.a = () => {
    const { run } = hook;
    run.b = false;
    setFailure([]);
    cache.refresh(...keyed).catch((reason: unknown) => {
      run.b = true;
      fail(reason);
    });
  };

  const getSnapshot = (): CacheView<T> => {
    const peeked = cache.peek(...keyed);
    const state = stateOf(peeked);
    const raw = peeked?.value;
    if (raw !== hook.r || select !== hook.s) {
      const next = raw === undefined || !select ? raw : select(raw as never);
      const before = hook.x;
      if (!(next !== undefined && before !== undefined && isEqual(before as T, next as T))) hook.x = next;
      hook.r = raw;
      hook.s = select;
    }
    const [owner, failedKey, reason] = hook.e;
    const own = owner === cache && Object.is(failedKey, key);
    const latest = [hook.x, state, peeked?.error ?? (own ? reason : undefined), FETCHING.test(state)];
    const last = hook.l;
    hook.l = latest;
    if (!hook.v || latest.some((field, bit) => hook.t & (1 << bit) && !Object.is(field, last[bit]))) {
      const field = (bit: number) => {
        hook.t |= 1 << bit;
        return hook.l[bit];
      };
      hook.v = {
        get value() {
          return field(0);
        },
        get state() {
          return field(1) as CacheStateName;
        },
        get error() {
          return field(2);
        },
        get isFetching() {
          return field(3) as boolean;
        },
        refresh: hook.f,
      };
    }
    return hook.v as CacheView<T>;
  };

  const { actor } = cache;
  const subscribe = useMemo(
    () => (notify: () => void) => {
      hook.n = notify;
      const subscription = actor.subscribe(notify);
      return () => subscription.unsubscribe();
    },
    [actor],
  );
  // The server renders the cache as it is and starts nothing (effects do not run there).
  const view = useSyncExternalStore(subscribe, getSnapshot, getSnapshot);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const run: Hook['run'] = (hook.run = { b: false });
    let pending = false;
    let previous: string | undefined;
    const read = (state: string) => {
      if (pending || run.b || !READS.test(state)) return;
      pending = true;
      cache.get(...keyed, { signal }).then(
        () => {
          pending = false;
          // The fetch it waited on may have been superseded: read again if nothing is held.
          if (!signal.aborted) read(stateOf(cache.peek(...keyed)));
        },
        (reason: unknown) => {
          pending = false;
          if (signal.aborted) return;
          run.b = true;
          fail(reason);
        },
      );
    };
    const onChange = () => {
      const state = stateOf(cache.peek(...keyed));
      const was = previous;
      previous = state;
      if (state === was) return;
      if (state === 'current.fresh' || was === 'failed' || was === 'current.backingOff') {
        // A value was stored, or the cache's errorTtl is over: reading may start again.
        if (run.b) setFailure([]);
        run.b = false;
      } else if (was && FETCHING.test(was) && state === 'current.stale') {
        // A background refresh failed (no errorTtl): no new one until refresh(), a remount or a key change.
        run.b = true;
      }
      read(state);
    };
    onChange();
    const subscription = actor.subscribe(onChange);
    return () => {
      subscription.unsubscribe();
      controller.abort();
    };
    // `keyed` is `[key]` or `[]`, new each render: the key is what counts.
  }, [cache, key]);

  return view;
}

/**
 * Shows `cache`'s value in a component and keeps it fresh while shown. On
 * mount it reads with the cache's default `fetch` (`cache.get({ signal })`),
 * and again whenever the value enters its refresh window or is dropped. After
 * a failed fetch it does not read again by itself: the cache's `errorTtl`
 * paces it (`failed` and `current.backingOff` start nothing; their end lets it
 * read again), and without `errorTtl` only {@link CacheView.refresh |
 * refresh()}, a remount or a new cache reads again. On unmount it leaves
 * through its signal: a fetch the cache still owns keeps running and is
 * stored; one nobody waits on and the cache no longer owns aborts.
 *
 * StrictMode's double mount starts one fetch: the second mount joins the
 * flight the first one started. On the server it renders the cache as it is
 * and starts no fetch (see the README on hydration).
 *
 * @example
 *   const config = createBackgroundCache<Config>({ ttl: 60_000, refreshWindow: 10_000, fetch: loadConfig });
 *   function Theme() {
 *     const { value, error, refresh } = useBackgroundCache(config, { select: (c) => c.theme });
 *     if (value === undefined) return error ? <button onClick={refresh}>Retry</button> : <Spinner />;
 *     return <span>{value}</span>;
 *   }
 *
 * @param cache - A cache with a default `fetch`, created outside the component.
 * @param options - `select` and `isEqual`, to re-render only for what the component shows.
 */
export function useBackgroundCache<V, T = V>(
  cache: ReactBackgroundCache<V>,
  options?: CacheHookOptions<V, T>,
): CacheView<T> {
  return useCache(cache as unknown as AnyCache, [], options as CacheHookOptions<never, T>);
}

/**
 * {@link useBackgroundCache} for one key of a keyed cache: reads `key` with
 * the cache's `fetch`, re-renders only when what it shows of that key
 * changes (another key's change costs it no render), and reads afresh when
 * `key` changes. Keys are compared with `Object.is`: pass a primitive, or an
 * object of stable identity.
 *
 * @example
 *   function UserName({ id }: { id: string }) {
 *     const { value } = useKeyedBackgroundCache(users, id, { select: (user) => user.name });
 *     return <span>{value ?? '…'}</span>;
 *   }
 *
 * @param cache - A keyed cache, created outside the component.
 * @param key - The key to show.
 * @param options - `select` and `isEqual`.
 */
export function useKeyedBackgroundCache<K, V, T = V>(
  cache: ReactKeyedBackgroundCache<K, V>,
  key: K,
  options?: CacheHookOptions<V, T>,
): CacheView<T> {
  return useCache(cache as unknown as AnyCache, [key], options as CacheHookOptions<never, T>);
}

/**
 * The value of `cache` for a component under `<Suspense>`: suspends while
 * nothing is servable, throws the failure to the nearest error boundary, and
 * otherwise behaves as {@link useBackgroundCache} (reads when the value
 * enters its window, re-renders only when the value changes). In `failed`
 * (within `errorTtl`) it throws the remembered failure without a fetch. A
 * failure is thrown again on every render until the cache changes: let the
 * error boundary's reset call `cache.refresh()` (or `invalidate()`), and the
 * next render reads again.
 *
 * On the server, a component that suspends starts the fetch (that is how
 * Suspense asks for data): a streaming render waits for it.
 *
 * @example
 *   function Theme() {
 *     return <span>{useSuspenseBackgroundCache(config).theme}</span>;
 *   }
 *   // <ErrorBoundary fallback={<Failed />}><Suspense fallback={<Spinner />}><Theme /></Suspense></ErrorBoundary>
 *
 * @param cache - A cache with a default `fetch`, created outside the component.
 * @returns The value.
 */
export function useSuspenseBackgroundCache<V>(cache: ReactBackgroundCache<V>): V {
  return useSuspense(cache as unknown as AnyCache, []);
}

/**
 * {@link useSuspenseBackgroundCache} for one key of a keyed cache.
 *
 * @example
 *   function UserName({ id }: { id: string }) {
 *     return <span>{useSuspenseKeyedBackgroundCache(users, id).name}</span>;
 *   }
 *
 * @param cache - A keyed cache, created outside the component.
 * @param key - The key to show.
 * @returns The value of `key`.
 */
export function useSuspenseKeyedBackgroundCache<K, V>(cache: ReactKeyedBackgroundCache<K, V>, key: K): V {
  return useSuspense(cache as unknown as AnyCache, [key]);
}

/**
 * A read that suspended components wait on, per cache and key, shared by
 * their renders until it settles: `p` the promise; `e` set to `[reason]` when
 * it failed, and the actor's snapshot added when the failure is first thrown.
 */
interface Suspension {
  readonly p: Promise<unknown>;
  e?: unknown[];
}

const suspensions = new WeakMap<object, Map<unknown, Suspension>>();

function useSuspense<V>(cache: AnyCache, keyed: unknown[]): V {
  const { value } = useCache<V>(cache, keyed);
  if (value !== undefined) return value;
  const key = keyed[0];
  const peeked = cache.peek(...keyed);
  if (stateOf(peeked) === 'failed') throw peeked!.error;
  let reads = suspensions.get(cache);
  if (!reads) suspensions.set(cache, (reads = new Map<unknown, Suspension>()));
  let suspension = reads.get(key);
  const failure = suspension?.e;
  if (failure) {
    // Thrown to the error boundary on every render until the cache changes
    // (React renders again after an error, StrictMode twice): then it reads again.
    const snapshot = cache.actor.getSnapshot();
    if ((failure[1] ??= snapshot) === snapshot) throw failure[0];
    suspension = undefined;
  }
  if (!suspension) {
    const created: Suspension = {
      p: cache.get(...keyed, {}).then(
        () => reads.delete(key),
        (reason: unknown) => void (created.e = [reason]),
      ),
    };
    reads.set(key, (suspension = created));
  }
  // Suspense's contract (React 18 and 19): a thrown thenable suspends until it settles.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  throw suspension.p;
}
