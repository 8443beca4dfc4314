import { createContext } from 'node:vm';
import { createBackgroundCache } from '../src/index.js';
import type { BackgroundCacheOptions, CacheClock } from '../src/index.js';

/** A promise with its settle functions outside (p-defer style). */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function defer<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A fetch the test settles itself, counting its calls and keeping the signal
 * of each call.
 */
export interface ControlledFetch<T> {
  (signal: AbortSignal): Promise<T>;
  readonly calls: number;
  readonly signals: AbortSignal[];
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function controlledFetch<T>(): ControlledFetch<T> {
  const pending: Deferred<T>[] = [];
  const signals: AbortSignal[] = [];
  const fn = (signal: AbortSignal): Promise<T> => {
    const d = defer<T>();
    pending.push(d);
    signals.push(signal);
    return d.promise;
  };
  const settle = (): Deferred<T> => {
    const d = pending.shift();
    if (!d) throw new Error('no fetch in flight');
    return d;
  };
  // defineProperty keeps `calls` live (Object.assign would copy its value once).
  return Object.defineProperties(fn, {
    calls: { get: () => signals.length },
    signals: { value: signals },
    resolve: { value: (value: T) => settle().resolve(value) },
    reject: { value: (reason: unknown) => settle().reject(reason) },
  }) as ControlledFetch<T>;
}

/** A fetch that resolves at once with `value`, counting its calls. */
export function countingFetch<T>(value: T): ((signal: AbortSignal) => Promise<T>) & { readonly calls: number } {
  let calls = 0;
  const fn = async (): Promise<T> => {
    calls++;
    return value;
  };
  return Object.defineProperty(fn, 'calls', { get: () => calls }) as typeof fn & { readonly calls: number };
}

/**
 * A test clock whose time can move with or without firing its timers, to
 * play a late timer (a background tab, a sleeping laptop, a stalled loop).
 */
export class ManualClock implements CacheClock {
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Delays of the timers now pending, in ms from now. */
  get pendingDelays(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).sort((a, b) => a - b);
  }

  /** Moves time forward without firing any timer: every timer is now late. */
  skip(ms: number): void {
    this.#now += ms;
  }

  /** Moves time forward, firing due timers in order at their own times. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }

  /** Fires every timer that is due now (a late timer finally running). */
  fireDue(): void {
    this.advance(0);
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** The chart state as a string: 'empty', 'current.fresh', ... */
export function stateOf(actor: { getSnapshot(): { value: unknown } }): string {
  const value = actor.getSnapshot().value;
  if (typeof value === 'string') return value;
  const [parent, child] = Object.entries(value as Record<string, string>)[0]!;
  return `${parent}.${child}`;
}

/**
 * A cache of strings on a {@link ManualClock}, whose default fetch is a
 * {@link controlledFetch}; `state()` is its chart state as a dotted path.
 */
export function controlledCache(
  options: Partial<BackgroundCacheOptions<string>> & Pick<BackgroundCacheOptions<string>, 'ttl' | 'refreshWindow'>,
) {
  const clock = new ManualClock();
  const fetch = controlledFetch<string>();
  const cache = createBackgroundCache<string>({ clock, fetch, ...options });
  return { clock, fetch, cache, state: () => stateOf(cache.actor) };
}

/** Whether `promise` has settled after pending callbacks ran. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush();
  return settled;
}

/** Collects unhandled rejections and uncaught exceptions while it is installed. */
export function watchStrayErrors() {
  const stray: unknown[] = [];
  const onStray = (error: unknown) => stray.push(error);
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  return {
    stray,
    stop() {
      process.off('unhandledRejection', onStray);
      process.off('uncaughtException', onStray);
    },
  };
}

/** Lets a macrotask pass, so that unhandled rejections get reported. */
export const nextMacrotask = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A fresh JavaScript realm with only what a web page has (no `process`,
 * `require`, `Buffer` or `setImmediate`), for checking guarantee 9.
 */
export function createWebRealm() {
  return createContext({
    setTimeout,
    clearTimeout,
    queueMicrotask,
    performance,
    AbortController,
    AbortSignal,
    DOMException,
    console,
  });
}
