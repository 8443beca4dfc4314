/**
 * Where the time of a window read (c) or a refresh cycle (e) goes: the V8
 * sampling profiler runs only while the operations are timed (not while the
 * caches are set up), and its samples are summed by who spent them: XState's
 * transition algorithm, its actor machinery (the invoked fetch actor), its
 * scheduler, the JavaScript runtime, the garbage collector, or our own code.
 *
 * `npm run bench -- --profile=c` (or `e`) prints the shares.
 */
import { Session } from 'node:inspector/promises';
import { createActor, setup } from 'xstate';
import type { ActorLogic, AnyStateMachine, EventObject, Snapshot } from 'xstate';
import { collectGarbage, median, sleep } from './harness.js';
import type { BenchSubject } from './subjects.js';

/** The parts of a V8 CPU profile read here. */
interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[] | undefined;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[] | undefined;
  timeDeltas?: number[] | undefined;
}

/** XState functions that create, start, stop or message actors (here: the invoked fetch actor). */
const ACTOR_MACHINERY = new Set([
  'Actor',
  'createActor',
  'start',
  'stop',
  '_stop',
  '_stopProcedure',
  '_complete',
  '_error',
  '_reportError',
  '_initState',
  '_register',
  '_unregister',
  '_bookId',
  '_send',
  '_relay',
  'send',
  'update',
  'enqueue',
  'flush',
  'clear',
  'Mailbox',
  'spawnChild',
  'resolveSpawn',
  'executeSpawn',
  'resolveStop',
  'executeStop',
  'stopChild',
  'createDoneActorEvent',
  'createErrorActorEvent',
  'createInitEvent',
  'toObserver',
]);

/** XState functions that arm and cancel delayed events (the `after` timers). */
const SCHEDULER = new Set([
  'schedule',
  'cancel',
  'cancelAll',
  'resolveRaise',
  'executeRaise',
  'resolveCancel',
  'executeCancel',
]);

/** Who spent a sample, by the function and script it was in. */
function categoryOf(frame: CallFrame): string {
  const name = frame.functionName;
  if (name === '(garbage collector)') return 'garbage collector';
  if (frame.url.includes('/xstate/')) {
    if (ACTOR_MACHINERY.has(name)) return 'XState: actor machinery (spawn, start, stop, mailboxes, done events)';
    if (SCHEDULER.has(name)) return 'XState: scheduler (after timers)';
    return 'XState: transition algorithm (select, exit, enter, actions, snapshots)';
  }
  if (frame.url.startsWith('node:') || frame.url === '') {
    return 'runtime (AbortController, timers, promises, clock reads)';
  }
  return 'ours and the bench loop (adapter, fetch actor, Flight, clock)';
}

/** The profile's shares, in percent, by category and by function. */
export interface ProfileShares {
  medianNs: number;
  categories: [string, number][];
  functions: [string, number][];
}

/**
 * Profiles `waves` waves of `cachesPerWave` window reads (`'c'`) or refresh
 * cycles (`'e'`) of `subject`, real time and timers, as scenario (c) and (e)
 * do them.
 */
export async function profileWindow(
  subject: BenchSubject,
  scenario: 'c' | 'e',
  waves: number,
  cachesPerWave = 100,
): Promise<ProfileShares> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 20 });
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const samples: number[] = [];
  let total = 0;
  const freshForMs = 10;
  for (let wave = 0; wave < waves; wave++) {
    const caches = Array.from({ length: cachesPerWave }, () =>
      subject.create({ ttl: 3_600_000, refreshWindow: 3_600_000 - freshForMs }),
    );
    for (const cache of caches) cache.seed(1);
    await sleep(freshForMs + 1);
    collectGarbage();
    let release: (value: number) => void = () => {};
    const held = new Promise<number>((resolve) => (release = resolve));
    const fetch = scenario === 'c' ? () => held : () => Promise.resolve(2);
    const profiled = wave > 0; // the first wave warms the JIT up
    if (profiled) await session.post('Profiler.start');
    for (const cache of caches) {
      const t0 = performance.now();
      await cache.get(fetch);
      if (scenario === 'e') while (subject.peek(cache) !== 2) await Promise.resolve();
      samples.push((performance.now() - t0) * 1e6);
    }
    if (profiled) {
      const { profile } = await session.post('Profiler.stop');
      total += addProfile(profile, byCategory, byFunction);
    }
    release(2);
    await sleep(0);
    for (const cache of caches) cache.stop();
  }
  session.disconnect();
  const shares = (map: Map<string, number>): [string, number][] =>
    [...map].map(([key, time]): [string, number] => [key, (100 * time) / total]).sort((a, b) => b[1] - a[1]);
  return { medianNs: median(samples), categories: shares(byCategory), functions: shares(byFunction) };
}

function addProfile(profile: CpuProfile, byCategory: Map<string, number>, byFunction: Map<string, number>): number {
  const nodes = new Map<number, ProfileNode>(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // The profiler's own bookkeeping (stopping it, idle time) is not the cache's time.
  const isProfilerOwn = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = nodes.get(at)!.callFrame;
      if (
        frame.url.startsWith('node:inspector') ||
        frame.functionName === '(program)' ||
        frame.functionName === '(idle)'
      ) {
        return true;
      }
    }
    return false;
  };
  const deltas = profile.timeDeltas ?? [];
  let total = 0;
  (profile.samples ?? []).forEach((id, i) => {
    const node = nodes.get(id);
    const time = deltas[i + 1] ?? 0;
    if (!node || isProfilerOwn(id)) return;
    total += time;
    const category = categoryOf(node.callFrame);
    byCategory.set(category, (byCategory.get(category) ?? 0) + time);
    const script = node.callFrame.url.split('/').pop() ?? '';
    const key = `${node.callFrame.functionName || '(anonymous)'} (${script})`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
  });
  return total;
}

/** The shares as text: categories, then the top functions. */
export function renderShares(title: string, shares: ProfileShares, topFunctions = 15): string {
  const lines = [
    `${title}: median ${(shares.medianNs / 1000).toFixed(2)} µs per operation`,
    '',
    '| share | spent by |',
    '| ---: | --- |',
  ];
  for (const [category, share] of shares.categories) lines.push(`| ${share.toFixed(1)}% | ${category} |`);
  lines.push('', '| share | function (self time) |', '| ---: | --- |');
  for (const [name, share] of shares.functions.slice(0, topFunctions)) lines.push(`| ${share.toFixed(1)}% | ${name} |`);
  return lines.join('\n');
}

/** What XState itself costs here, for scale: µs per transition of three two-state charts. */
export interface XStateCalibration {
  bare: number;
  withAfterTimer: number;
  withInvokedActor: number;
}

/**
 * Toggles minimal two-state charts 100,000 times each: no actions; an
 * `after` timer on one state (armed and cancelled); an actor invoked by one
 * state (spawned and stopped). The clock's timers do nothing, so only
 * XState's own work is timed.
 */
export function calibrateXState(): XStateCalibration {
  const clock = { setTimeout: () => 0, clearTimeout: () => {} };
  const idleActor: ActorLogic<Snapshot<undefined>, EventObject> = {
    getInitialSnapshot: () => ({ status: 'active', output: undefined, error: undefined }),
    transition: (snapshot) => snapshot,
    getPersistedSnapshot: (snapshot) => snapshot,
  };
  const charts = {
    bare: setup({}).createMachine({
      initial: 'a',
      states: { a: { on: { go: 'b' } }, b: { on: { go: 'a' } } },
    }),
    withAfterTimer: setup({ delays: { later: 60_000 } }).createMachine({
      initial: 'a',
      states: { a: { on: { go: 'b' } }, b: { after: { later: 'a' }, on: { go: 'a' } } },
    }),
    withInvokedActor: setup({ actors: { idle: idleActor } }).createMachine({
      initial: 'a',
      states: { a: { on: { go: 'b' } }, b: { invoke: { src: 'idle' }, on: { go: 'a' } } },
    }),
  };
  const microsPerTransition = (chart: AnyStateMachine): number => {
    const actor = createActor(chart, { clock }).start();
    const event = { type: 'go' };
    for (let i = 0; i < 10_000; i++) actor.send(event);
    const toggles = 100_000;
    const t0 = performance.now();
    for (let i = 0; i < toggles; i++) actor.send(event);
    const micros = ((performance.now() - t0) * 1000) / toggles;
    actor.stop();
    return micros;
  };
  return {
    bare: microsPerTransition(charts.bare),
    withAfterTimer: microsPerTransition(charts.withAfterTimer),
    withInvokedActor: microsPerTransition(charts.withInvokedActor),
  };
}
