/**
 * A live page for the cache: buttons that read and write it, its chart with
 * the current state highlighted, and a timeline of what happened. Open it
 * with `?inspect` to watch it in the Stately inspector too (values redacted),
 * and with `?ttl=…&window=…` (ms) to change the lifetimes.
 *
 * `?testclock` runs the page on a simulated clock instead of real time: the
 * cache's timers, the backend's latencies and the timeline all read it, and
 * nothing moves until `window.testClock.advance(ms)` is called (what
 * `npm run test:browser` does), so no check depends on how fast the machine is.
 */
import { SimulatedClock } from 'xstate';
import type { InspectionEvent, Observer } from 'xstate';
import { backgroundCacheMachine, createBackgroundCache } from 'xstate-background-cache';

/** The handle `?testclock` puts on `window` for a test to move time. */
export interface PageTestClock {
  /** The page's time, in ms since it loaded. */
  now(): number;
  /** Moves time on by `ms`, fires what falls due, and resolves once the page has reacted (the DOM is up to date). */
  advance(ms: number): Promise<void>;
}

declare global {
  interface Window {
    testClock?: PageTestClock;
  }
}

const params = new URLSearchParams(location.search);
const setting = (name: string, fallback: number): number => {
  const value = Number(params.get(name) ?? fallback);
  return Number.isFinite(value) ? value : fallback;
};
const TTL = setting('ttl', 10_000);
const REFRESH_WINDOW = setting('window', 4_000);
const LATENCY = { fast: setting('fast', 300), slow: setting('slow', 2_500), failing: setting('failing', 500) };

// ---- Time: real, or a simulated clock the test moves ---------------------------

const simulated = params.has('testclock') ? new SimulatedClock() : undefined;
const now = (): number => (simulated ? simulated.now() : performance.now());
const after = (ms: number, fn: () => void): (() => void) => {
  if (simulated) {
    const handle = simulated.setTimeout(fn, ms);
    return () => simulated.clearTimeout(handle);
  }
  const handle = setTimeout(fn, ms);
  return () => clearTimeout(handle);
};
if (simulated) {
  window.testClock = {
    now: () => simulated.now(),
    advance: async (ms) => {
      simulated.increment(ms);
      // Let the promise jobs the timers started (fetches settling, readers answered) run before the test looks.
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
}

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return found as T;
};

type Tone = 'plain' | 'good' | 'warn' | 'bad';

/** A chart state value as a dotted path: 'empty', 'current.fresh', ... */
const dotted = (value: unknown): string =>
  typeof value === 'string'
    ? value
    : Object.entries(value as Record<string, unknown>)
        .map(([parent, child]) => `${parent}.${dotted(child)}`)
        .join(',');

// ---- The timeline ----------------------------------------------------------

const startedAt = now();
let currentState = 'empty';

function log(who: string, what: string, tone: Tone = 'plain'): void {
  const row = document.createElement('tr');
  row.className = tone;
  const seconds = ((now() - startedAt) / 1000).toFixed(3);
  for (const text of [`${seconds}s`, currentState, who, what]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  element('timeline').prepend(row);
}

/** What a transition means, by its event; `undefined` when the reader's own line says it. */
function describeTransition(eventType: string, state: string): [string, Tone] | undefined {
  if (eventType.startsWith('xstate.after.refreshAfter'))
    return ['refreshAfter: the value is in its refresh window', 'warn'];
  if (eventType.startsWith('xstate.after.expireAfter'))
    return ['expireAfter: ttl reached, the value is dropped', 'bad'];
  if (eventType === 'fetch.done') return ['fetch done: the new value is stored', 'good'];
  if (eventType === 'fetch.error') {
    return state === 'empty'
      ? ['fetch failed: nothing to keep, waiters get the error', 'bad']
      : ['fetch failed: the previous value is kept', 'warn'];
  }
  if (eventType === 'invalidate') return ['invalidate: value dropped, any fetch in flight superseded', 'warn'];
  if (eventType === 'seed') return ['seed: the value is stored', 'good'];
  return undefined;
}

/** Hears the cache's inspection events (redacted: no values) and logs its transitions. */
const timelineObserver = (event: InspectionEvent): void => {
  if (event.type !== '@xstate.snapshot' || event.rootId !== event.actorRef.sessionId) return;
  currentState = dotted((event.snapshot as { value?: unknown }).value);
  const meaning = describeTransition(event.event.type, currentState);
  if (meaning) log('cache', ...meaning);
};

// ---- The cache ---------------------------------------------------------------

let stately: Observer<InspectionEvent> | undefined;
if (params.has('inspect')) {
  const { createBrowserInspector } = await import('@statelyai/inspect');
  stately = createBrowserInspector().inspect;
}

const cache = createBackgroundCache<string>({
  ttl: TTL,
  refreshWindow: REFRESH_WINDOW,
  ...(simulated && { clock: simulated }),
  inspect: (event) => {
    timelineObserver(event);
    stately?.next?.(event);
  },
});

// ---- A backend with three speeds -----------------------------------------------

let backendCalls = 0;
const backendFetch =
  (speed: keyof typeof LATENCY) =>
  (signal: AbortSignal): Promise<string> => {
    const call = ++backendCalls;
    // The fetch starts inside the reader's get(): log it after the reader's line.
    queueMicrotask(() => log('backend', `call #${call} starts (${speed}, ${LATENCY[speed]} ms)`));
    return new Promise((resolve, reject) => {
      const cancel = after(LATENCY[speed], () => {
        if (speed === 'failing') {
          log('backend', `call #${call} fails: 503 Service Unavailable`, 'bad');
          reject(new Error('503 Service Unavailable'));
        } else {
          log('backend', `call #${call} answers "value ${call}"`);
          resolve(`value ${call}`);
        }
      });
      signal.addEventListener('abort', () => {
        cancel();
        log('backend', `call #${call} aborted: nobody waits for it`);
        reject(signal.reason as Error);
      });
    });
  };

let readers = 0;
function read(speed: keyof typeof LATENCY): void {
  const reader = `reader ${++readers}`;
  const askedAt = now();
  const answer = cache.get(backendFetch(speed));
  log(reader, `get() with a ${speed} fetch`);
  answer.then(
    (value) => {
      const waited = Math.round(now() - askedAt);
      log(reader, `got "${value}" ${waited < 20 ? 'at once' : `after ${waited} ms`}`, 'good');
    },
    (reason: unknown) => log(reader, `rejected: ${reason instanceof Error ? reason.message : String(reason)}`, 'bad'),
  );
}

let seeds = 0;
element('get-fast').addEventListener('click', () => read('fast'));
element('get-slow').addEventListener('click', () => read('slow'));
element('get-failing').addEventListener('click', () => read('failing'));
element('seed').addEventListener('click', () => {
  log('page', `seed("seeded ${++seeds}")`);
  cache.seed(`seeded ${seeds}`);
});
element('invalidate').addEventListener('click', () => {
  log('page', 'invalidate()');
  cache.invalidate();
});

// ---- The chart, drawn from the machine, with the active states lit -----------------

interface ChartNode {
  readonly key: string;
  readonly path: readonly string[];
  readonly states: Record<string, ChartNode>;
}

function chartList(node: ChartNode): HTMLLIElement[] {
  return Object.values(node.states).map((child) => {
    const item = document.createElement('li');
    item.dataset['path'] = child.path.join('.');
    const label = document.createElement('span');
    label.textContent = child.key;
    item.append(label);
    const children = chartList(child);
    if (children.length) {
      const list = document.createElement('ul');
      list.append(...children);
      item.append(list);
    }
    return item;
  });
}
element('chart').append(...chartList(backgroundCacheMachine.root));

function render(): void {
  const snapshot = cache.actor.getSnapshot();
  const state = dotted(snapshot.value);
  const output = element('current-state');
  output.textContent = state;
  output.dataset['state'] = state;
  element('current-value').textContent =
    snapshot.context.storedAt === undefined ? '(none)' : String(snapshot.context.value);
  const active = state.split('.').map((_, index, parts) => parts.slice(0, index + 1).join('.'));
  for (const item of element('chart').querySelectorAll<HTMLLIElement>('li')) {
    item.classList.toggle('active', active.includes(item.dataset['path'] ?? ''));
  }
}
cache.actor.subscribe(render);
render();

element('settings').textContent =
  `ttl ${TTL} ms, refresh window ${REFRESH_WINDOW} ms (fresh for ${TTL - REFRESH_WINDOW} ms); ` +
  `fetches take ${LATENCY.fast}, ${LATENCY.slow} and ${LATENCY.failing} ms (the last one fails)` +
  (simulated ? '; on a test clock (time moves only when the test says)' : '') +
  (stately ? '; streaming to the Stately inspector' : '');
log('page', `cache created: ttl ${TTL} ms, refresh window ${REFRESH_WINDOW} ms`);
