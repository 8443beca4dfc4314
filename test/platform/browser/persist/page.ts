/**
 * The page `test/platform/browser/persist.ts` drives: one cache with `persist` over the
 * real `localStorage` and `refreshOn: [refreshOnVisible(), refreshOnOnline()]`,
 * fetching `/api/value` from the test's server. The cache clock is a
 * `SimulatedClock` the test moves (`persistTest.clock.increment(ms)`); the wall
 * clock (`Date`) is fixed by the test with Playwright's `clock.setFixedTime`,
 * so no assertion depends on how fast anything runs.
 */
import { SimulatedClock } from 'xstate';
import { createBackgroundCache } from 'xstate-background-cache';
import { refreshOnOnline, refreshOnVisible } from 'xstate-background-cache/browser';
import { storagePersister } from 'xstate-background-cache/persist';
import { ERROR_TTL, KEY, TTL, WINDOW } from './constants.js';
import type { PersistTestPage, Value } from './constants.js';

const isValue = (data: unknown): data is Value =>
  typeof data === 'object' && data !== null && Number.isInteger((data as Value).n);

const errors: string[] = [];
const clock = new SimulatedClock();
const cache = createBackgroundCache<Value>({
  ttl: TTL,
  refreshWindow: WINDOW,
  errorTtl: ERROR_TTL,
  clock,
  fetch: async (signal) => {
    const response = await fetch('/api/value', { signal, cache: 'no-store' });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const data: unknown = await response.json();
    if (!isValue(data)) throw new TypeError('not a value');
    return data;
  },
  persist: storagePersister<Value>(KEY, {
    deserialize: (data) => {
      if (!isValue(data)) throw new TypeError('The saved value has the wrong shape');
      return data;
    },
    onError: (error) => errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
  }),
  refreshOn: [refreshOnVisible(), refreshOnOnline()],
});

const stateOf = (): string => {
  const value = cache.actor.getSnapshot().value;
  if (typeof value === 'string') return value;
  const [parent, child] = Object.entries(value)[0] ?? [];
  return `${String(parent)}.${String(child)}`;
};

/** The cache as the test reads it. */
const observe = () => {
  const { storedAt } = cache.actor.getSnapshot().context;
  return {
    state: stateOf(),
    value: cache.peek().value,
    fresh: cache.tryGet(),
    age: storedAt === undefined ? undefined : clock.now() - storedAt,
  };
};

// Read before anything else runs: what the cache held when createBackgroundCache returned.
const atCreate = observe();

// Headless Chromium keeps every page visible; the test hides and shows this one
// by overriding `visibilityState` for the length of the event it dispatches, as
// the browser would. At any other moment (a reload's own `visibilitychange` to
// hidden, for one) the page reads the real state.
const real = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState');
let forced: DocumentVisibilityState | undefined;
Object.defineProperty(document, 'visibilityState', {
  configurable: true,
  get: () => forced ?? (real?.get?.call(document) as DocumentVisibilityState),
});

const networkEvents: string[] = [];
const logNetwork = (event: Event): void => void networkEvents.push(event.type);

const persistTest: PersistTestPage = {
  cache,
  clock,
  errors,
  atCreate,
  observe,
  setVisibility(state: DocumentVisibilityState): void {
    forced = state;
    try {
      document.dispatchEvent(new Event('visibilitychange'));
    } finally {
      forced = undefined;
    }
  },
  networkEvents,
  watchNetwork(watch: boolean): void {
    for (const type of ['online', 'offline']) {
      if (watch) window.addEventListener(type, logNetwork);
      else window.removeEventListener(type, logNetwork);
    }
  },
  /** Fills `localStorage` until it throws `QuotaExceededError`; returns the keys it wrote. */
  fillStorage(): string[] {
    const keys: string[] = [];
    const chunk = 'x'.repeat(256 * 1024);
    try {
      for (let i = 0; i < 1_000; i++) {
        localStorage.setItem(`filler-${i}`, chunk);
        keys.push(`filler-${i}`);
      }
    } catch {
      // Full. Top up with smaller items so that not even a small entry fits.
      for (let size = 16 * 1024; size >= 1; size = Math.floor(size / 2)) {
        try {
          for (;;) {
            localStorage.setItem(`filler-${keys.length}`, 'x'.repeat(size));
            keys.push(`filler-${keys.length}`);
          }
        } catch {
          // Next size down.
        }
      }
    }
    return keys;
  },
};

window.persistTest = persistTest;
document.body.dataset['ready'] = 'true';
