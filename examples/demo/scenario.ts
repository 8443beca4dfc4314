/**
 * The demo's story: a cache in front of a slow backend that sometimes fails,
 * read by a handful of readers over about nine seconds. Time is injected, so
 * `npm start` runs it on real timers and `test/platform/demo.test.ts` on a test clock.
 */
import type { InspectionEvent, Observer } from 'xstate';
// From the source, so that `npm start` needs no build; an app imports 'xstate-background-cache'.
import { createBackgroundCache } from '../../src/index.js';
import type { CacheClock } from '../../src/index.js';
import { createBackend } from './backend.js';
import type { BackendCall, BackendReport } from './backend.js';
import type { TimelineEntry, Tone } from './timeline.js';

/** Lifetimes short enough to watch: fresh for 1.5 s, then 0.5 s in the refresh window. */
export const DEMO_TTL = 2_000;
export const DEMO_REFRESH_WINDOW = 500;

/** The backend's calls, in order: latency in ms, and a failure for the third. */
export const BACKEND_SCRIPT: readonly BackendCall[] = [
  { latency: 400 },
  { latency: 300 },
  { latency: 200, failure: '503 Service Unavailable' },
  { latency: 800 },
  { latency: 500 },
  { latency: 400 },
];

/** An answer quicker than this came from the cache, not the backend (real timers are never exact). */
const AT_ONCE_MS = 20;

/** How the demo meets time. */
export interface DemoTime {
  /** The cache's clock. */
  readonly clock: CacheClock;
  /** Milliseconds since the demo started. */
  elapsed(): number;
  /** Resolves once {@link DemoTime.elapsed} reaches `at`, timers fired on the way. */
  until(at: number): Promise<void>;
  /** Resolves after `ms`: the backend's latency. */
  delay(ms: number): Promise<void>;
}

export interface DemoOptions {
  readonly time: DemoTime;
  /** Hears each timeline entry as it happens. */
  readonly onEntry: (entry: TimelineEntry) => void;
  /** Another inspection observer (the Stately inspector), redacted like any other. */
  readonly inspect?: Observer<InspectionEvent>;
}

export interface DemoSummary {
  readonly reads: number;
  readonly backendCalls: number;
  readonly entries: readonly TimelineEntry[];
}

/** A chart state value as a dotted path: 'empty', 'current.fresh', ... */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  return Object.entries(value as Record<string, unknown>)
    .map(([parent, child]) => `${parent}.${stateName(child)}`)
    .join(',');
}

/** What a transition of the cache means, by the event that caused it; `undefined` when a reader's line says it. */
function describeTransition(eventType: string, state: string): [string, Tone] | undefined {
  if (eventType.startsWith('xstate.after.refreshAfter'))
    return ['refreshAfter fired: the value is in its refresh window', 'warn'];
  if (eventType.startsWith('xstate.after.expireAfter'))
    return ['expireAfter fired: ttl reached, the value is dropped', 'bad'];
  if (eventType === 'fetch.done') return ['fetch done: the new value is stored', 'good'];
  if (eventType === 'fetch.error') {
    return state === 'empty'
      ? ['fetch failed: nothing to keep, waiters get the error', 'bad']
      : ['fetch failed: the previous value is kept, nothing thrown', 'warn'];
  }
  if (eventType === 'invalidate') return ['invalidate: value dropped, the fetch in flight is superseded', 'warn'];
  if (eventType === 'seed') return ['seed: the value is stored', 'good'];
  return undefined;
}

/**
 * Runs the story once: concurrent readers sharing one fetch, fresh hits, a
 * read in the window that refreshes in the background, a failed refresh
 * answered from the previous value, an expiry, an invalidate while a fetch is
 * in flight, and a first read after expiry.
 */
export async function runDemo({ time, onEntry, inspect }: DemoOptions): Promise<DemoSummary> {
  const entries: TimelineEntry[] = [];
  let state = 'empty';
  const log = (who: string, what: string, tone: Tone = 'plain') => {
    const entry = { at: Math.round(time.elapsed()), state, who, what, tone };
    entries.push(entry);
    onEntry(entry);
  };

  const watch = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot' || event.rootId !== event.actorRef.sessionId) return;
    state = stateName((event.snapshot as { value?: unknown }).value);
    const meaning = describeTransition(event.event.type, state);
    if (meaning) log('cache', ...meaning);
  };

  const reportBackend = (report: BackendReport) => {
    // A fetch starts inside the reader's get(): report it after the reader's line.
    if (report.kind === 'start') {
      queueMicrotask(() => log('backend', `call #${report.call} starts (takes ${report.latency} ms)`, 'dim'));
    }
    if (report.kind === 'done') log('backend', `call #${report.call} answers "${report.value}"`, 'dim');
    if (report.kind === 'fail') log('backend', `call #${report.call} fails: ${report.reason}`, 'bad');
    if (report.kind === 'abort') log('backend', `call #${report.call} aborted: nobody waits for it`, 'dim');
  };
  const backend = createBackend(BACKEND_SCRIPT, (ms) => time.delay(ms), reportBackend);

  const cache = createBackgroundCache<string>({
    ttl: DEMO_TTL,
    refreshWindow: DEMO_REFRESH_WINDOW,
    clock: time.clock,
    inspect: (event) => {
      watch(event);
      inspect?.next?.(event);
    },
  });

  let reads = 0;
  const pending: Promise<void>[] = [];
  const read = (reader: string, note = '') => {
    reads++;
    const askedAt = time.elapsed();
    const calls = backend.calls;
    const answer = cache.get(backend.fetch);
    const started = backend.calls > calls ? `, starts backend call #${backend.calls}` : '';
    log(`reader ${reader}`, `get()${started}${note}`);
    pending.push(
      answer.then(
        (value) => {
          const waited = Math.round(time.elapsed() - askedAt);
          log(`reader ${reader}`, `got "${value}" ${waited < AT_ONCE_MS ? 'at once' : `after ${waited} ms`}`, 'good');
        },
        (reason: unknown) => log(`reader ${reader}`, `rejected: ${String(reason)}`, 'bad'),
      ),
    );
  };

  log('demo', `cache created: ttl ${DEMO_TTL} ms, refresh window ${DEMO_REFRESH_WINDOW} ms`);
  await time.until(0);
  read('A', ' (three readers at once)');
  read('B');
  read('C');
  await time.until(600);
  read('D', ' (fresh: no fetch)');
  await time.until(2_000);
  read('E', ' (in the refresh window)');
  await time.until(2_500);
  read('F', ' (fresh again)');
  await time.until(3_900);
  read('G', ' (in the window; this refresh will fail)');
  await time.until(4_600);
  read('H', ' (expired: waits for a slow fetch)');
  await time.until(4_800);
  log('demo', 'invalidate() while call #4 is in flight', 'warn');
  cache.invalidate();
  await time.until(5_000);
  read('I', ' (after invalidate: a new fetch, not the superseded one)');
  await time.until(8_000);
  read('J', ' (expired again)');
  await time.until(8_800);
  read('K', ' (fresh)');
  await Promise.all(pending);
  await time.until(9_000);
  cache.stop();
  log('demo', `stopped: ${reads} reads, ${backend.calls} backend calls`);
  return { reads, backendCalls: backend.calls, entries };
}
