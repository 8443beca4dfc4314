/**
 * The benchmark suite of issue 5: which scenarios run, at what sizes, against
 * which targets. `run.ts` runs it and reports; the smoke test runs the
 * scenarios at tiny sizes.
 */
import { measureChartSteps } from './chartSteps.js';
import { collectGarbage, median } from './harness.js';
import type { RoundSamples } from './harness.js';
import { formatAmount, scenarioRow } from './report.js';
import type { ScenarioRow, Target } from './report.js';
import type { WindowSettings } from './scenarios.js';
import {
  churn,
  coldSingleFlight,
  freshHit,
  heapPerInstance,
  refreshCycle,
  tryGetHit,
  windowRead,
} from './scenarios.js';
import { allSubjects, floor, lruCache, ours, oursAllOptions, tanstackQuery } from './subjects.js';

/** Sizes of one run. */
export interface RunSizes {
  microRounds: number;
  micro: { cpuTimeMs: number; batchSamples: number };
  windowRounds: number;
  window: WindowSettings;
  /** The window scenarios again with many caches in their window at once (issue 14: 2,000). */
  crowdedWindow: WindowSettings;
  coldRounds: number;
  coldCallers: number;
  heapRounds: number;
  heapInstances: number;
  cycles: number;
}

export const FULL_SIZES: RunSizes = {
  microRounds: 9,
  micro: { cpuTimeMs: 150, batchSamples: 4096 },
  windowRounds: 9,
  window: { cachesPerWave: 100, waves: 10, freshForMs: 10 },
  crowdedWindow: { cachesPerWave: 2_000, waves: 1, freshForMs: 10 },
  coldRounds: 15,
  coldCallers: 10_000,
  heapRounds: 3,
  heapInstances: 10_000,
  cycles: 1_000_000,
};

export const QUICK_SIZES: RunSizes = {
  microRounds: 5,
  micro: { cpuTimeMs: 60, batchSamples: 4096 },
  windowRounds: 5,
  window: { cachesPerWave: 100, waves: 4, freshForMs: 10 },
  crowdedWindow: { cachesPerWave: 2_000, waves: 1, freshForMs: 10 },
  coldRounds: 7,
  coldCallers: 10_000,
  heapRounds: 1,
  heapInstances: 10_000,
  cycles: 100_000,
};

const ratio = (to: typeof floor, atMost: number): Target => ({ kind: 'ratio', to, atMost });

/** Issue 14: below TanStack Query's time in the same rounds, with no version 2 option and with every one set. */
const belowTanStack: Target[] = [
  { kind: 'ratio', to: tanstackQuery, atMost: 1, below: true },
  { kind: 'ratio', to: tanstackQuery, atMost: 1, below: true, of: oursAllOptions },
];

/**
 * Runs the chosen scenarios and returns their rows in table order, logging
 * progress to stderr. (f) runs first, in a process that has not yet made and
 * dropped the other scenarios' hundred thousand caches: that history costs
 * every later instance some bytes (XState keys each actor's timers by its
 * session id, so V8 keeps making object shapes), so (f) is measured again at
 * the end and reported as a note.
 */
export async function runScenarios(sizes: RunSizes, only: ReadonlySet<string> | undefined): Promise<ScenarioRow[]> {
  const rows: ScenarioRow[] = [];
  const wanted = (id: string): boolean => only === undefined || only.has(id);
  const add = async (
    id: string,
    title: string,
    unit: ScenarioRow['unit'],
    targets: Target[],
    run: () => Promise<RoundSamples>,
  ): Promise<void> => {
    if (!wanted(id)) return;
    process.stderr.write(`(${id}) ${title}...\n`);
    rows.push(scenarioRow({ id, title, unit, targets }, await run(), ours, floor));
  };
  const { microRounds, micro, windowRounds, window } = sizes;
  await add(
    'f',
    `heap per seeded instance, ${sizes.heapInstances.toLocaleString('en-US')} alive`,
    'bytes/instance',
    [{ kind: 'amount', limit: 6_000, inclusive: true }],
    () => heapPerInstance(allSubjects, sizes.heapRounds, sizes.heapInstances),
  );
  await add('a', 'fresh hit, await get(f)', 'ns/op', [ratio(floor, 1.2), ratio(lruCache, 1.3)], () =>
    freshHit(allSubjects, microRounds, micro),
  );
  await add('b', 'tryGet()', 'ns/op', [ratio(floor, 1.5)], () => tryGetHit(allSubjects, microRounds, micro));
  await add('c', 'read in the refresh window', 'ns/op', [ratio(floor, 3), ...belowTanStack], () =>
    windowRead(allSubjects, windowRounds, window),
  );
  const crowd = sizes.crowdedWindow.cachesPerWave.toLocaleString('en-US');
  await add('c-crowd', `read in the refresh window, ${crowd} caches in it at once`, 'ns/op', belowTanStack, () =>
    windowRead(allSubjects, windowRounds, sizes.crowdedWindow),
  );
  await add(
    'd',
    `cold single flight, ${sizes.coldCallers.toLocaleString('en-US')} callers`,
    'ms total',
    [ratio(floor, 2)],
    () => coldSingleFlight(allSubjects, sizes.coldRounds, sizes.coldCallers),
  );
  await add('e', 'refresh cycle, stale to refreshing to fresh', 'ns/op', [ratio(floor, 5), ...belowTanStack], () =>
    refreshCycle(allSubjects, windowRounds, window),
  );
  await add('e-crowd', `refresh cycle, ${crowd} caches in the window at once`, 'ns/op', belowTanStack, () =>
    refreshCycle(allSubjects, windowRounds, sizes.crowdedWindow),
  );
  if (wanted('g')) {
    const title = `heap growth over ${sizes.cycles.toLocaleString('en-US')} get/invalidate/seed cycles`;
    process.stderr.write(`(g) ${title}...\n`);
    const samples: RoundSamples = new Map();
    const notes: string[] = [];
    for (const subject of [ours, floor]) {
      const outcome = await churn(subject, sizes.cycles);
      samples.set(subject, [outcome.heapGrowthBytes]);
      notes.push(`${subject.name}: ${formatAmount('ns/op', outcome.nsPerCycle)} per cycle`);
    }
    const targets: Target[] = [{ kind: 'amount', limit: 1_000_000, inclusive: false }];
    rows.push(scenarioRow({ id: 'g', title, unit: 'bytes growth', targets, notes }, samples, ours, floor));
  }
  const windowRows = rows.filter((row) => ['c', 'e'].includes(row.id));
  if (windowRows.length > 0) {
    // The floor of any cache that steps this chart: its own steps, alone.
    process.stderr.write("the chart's own steps...\n");
    collectGarbage();
    const steps = measureChartSteps('actor');
    const skeleton = measureChartSteps('actor', undefined, undefined, 'skeleton');
    for (const row of windowRows) {
      const cost = (of: typeof steps): number => (row.id === 'c' ? of.read : of.read + of.landing);
      const what = row.id === 'c' ? 'the read' : 'the read and the landing';
      row.notes.push(
        `the chart's own step${row.id === 'c' ? '' : 's'} (${what}, an actor of the chart alone: no fetch, no timer armed): ` +
          `${formatAmount('ns/op', cost(steps))}; XState's skeleton of the chart (SPEC's states and timers, nothing else): ` +
          `${formatAmount('ns/op', cost(skeleton))}; against ${formatAmount('ns/op', row.medians.get(tanstackQuery) ?? NaN)} for TanStack's whole ${row.id === 'c' ? 'read' : 'cycle'}`,
      );
    }
  }
  const heapRow = rows.find((row) => row.id === 'f');
  if (heapRow && rows.length > 1) {
    process.stderr.write('(f) again, after the other scenarios...\n');
    const again = await heapPerInstance([ours, floor], sizes.heapRounds, sizes.heapInstances);
    const bytes = (subject: typeof ours): string => formatAmount('bytes/instance', median(again.get(subject) ?? []));
    heapRow.notes.push(
      `measured again after the other scenarios: ${ours.name} ${bytes(ours)}, ${floor.name} ${bytes(floor)} per instance`,
    );
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id));
}
