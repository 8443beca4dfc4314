/**
 * Turns round samples into the results table: medians per subject, the
 * ratio of ours to the floor (median of per-round ratios) and the verdict of
 * each target of issue 5.
 */
import { median } from './harness.js';
import type { RoundSamples } from './harness.js';
import type { BenchSubject } from './subjects.js';

/** How a scenario's numbers read. Time units are sampled in ns. */
export type Unit = 'ns/op' | 'ms total' | 'bytes/instance' | 'bytes growth';

/**
 * A limit on ours: a ratio to a subject measured in the same rounds (`below`:
 * strictly under `atMost`; `of`: a row of ours other than the main one), or
 * an amount.
 */
export type Target =
  | { kind: 'ratio'; to: BenchSubject; atMost: number; below?: boolean; of?: BenchSubject }
  | { kind: 'amount'; limit: number; inclusive: boolean };

/** One target's outcome. */
export interface Verdict {
  text: string;
  measured: string;
  met: boolean;
}

/** One scenario's outcome: a row of the table. */
export interface ScenarioRow {
  id: string;
  title: string;
  unit: Unit;
  /** Median per subject, in the unit. */
  medians: Map<BenchSubject, number>;
  /** Ours over the floor: median of per-round ratios (`NaN` where a ratio means nothing). */
  ratioToFloor: number;
  verdicts: Verdict[];
  /** Extra facts measured alongside, printed under the table. */
  notes: string[];
}

/** Median of `a[i] / b[i]` over rounds. */
export function pairedRatio(samples: RoundSamples, a: BenchSubject, b: BenchSubject): number {
  const as = samples.get(a) ?? [];
  const bs = samples.get(b) ?? [];
  return median(as.map((value, round) => value / bs[round]!));
}

const toUnit = (unit: Unit, value: number): number => (unit === 'ms total' ? value / 1e6 : value);

/** Renders `value` (in `unit`) for people. */
export function formatAmount(unit: Unit, value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ns/op':
      return value >= 1000 ? `${(value / 1000).toFixed(2)} µs` : `${value.toFixed(1)} ns`;
    case 'ms total':
      return `${value.toFixed(2)} ms`;
    default:
      return `${Math.round(value).toLocaleString('en-US')} B`;
  }
}

const formatRatio = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '-');

/**
 * Builds a row from the rounds of one scenario. `ours` and `floor` must be
 * among the subjects measured.
 */
export function scenarioRow(
  row: { id: string; title: string; unit: Unit; targets: readonly Target[]; notes?: string[] },
  samples: RoundSamples,
  ours: BenchSubject,
  floor: BenchSubject,
): ScenarioRow {
  const medians = new Map([...samples].map(([subject, values]) => [subject, toUnit(row.unit, median(values))]));
  const verdicts = row.targets.map((target): Verdict => {
    if (target.kind === 'ratio') {
      const of = target.of ?? ours;
      const measured = pairedRatio(samples, of, target.to);
      const against = target.to === floor ? 'floor' : target.to.name;
      return {
        text: `${of === ours ? '' : `${of.name}: `}${target.below ? '<' : '<='} ${target.atMost}x ${against}`,
        measured: formatRatio(measured),
        met: target.below ? measured < target.atMost : measured <= target.atMost,
      };
    }
    const measured = medians.get(ours) ?? Number.NaN;
    return {
      text: `${target.inclusive ? '<=' : '<'} ${formatAmount(row.unit, target.limit)}`,
      measured: formatAmount(row.unit, measured),
      met: target.inclusive ? measured <= target.limit : measured < target.limit,
    };
  });
  const ratioToFloor = row.unit === 'bytes growth' ? Number.NaN : pairedRatio(samples, ours, floor);
  return { id: row.id, title: row.title, unit: row.unit, medians, ratioToFloor, verdicts, notes: row.notes ?? [] };
}

/** The results table, in Markdown (it reads fine on a terminal too). */
export function renderTable(rows: readonly ScenarioRow[], subjects: readonly BenchSubject[]): string {
  const header = ['scenario', 'unit', ...subjects.map((subject) => subject.name), 'ours / floor', 'target: verdict'];
  const lines = [header, header.map(() => '---')];
  for (const row of rows) {
    lines.push([
      `(${row.id}) ${row.title}`,
      row.unit,
      ...subjects.map((subject) => {
        const value = row.medians.get(subject);
        return value === undefined ? '-' : formatAmount(row.unit, value);
      }),
      formatRatio(row.ratioToFloor),
      row.verdicts
        .map((verdict) => `${verdict.text}: ${verdict.met ? 'met' : '**missed**'} (${verdict.measured})`)
        .join('; '),
    ]);
  }
  // Columns padded as Prettier pads them, so that RESULTS.md passes `npm run lint` as written.
  const widths = header.map((_, column) => Math.max(3, ...lines.map((cells) => cells[column]!.length)));
  const table = lines.map(
    (cells, line) =>
      `| ${cells.map((cell, column) => (line === 1 ? '-'.repeat(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`,
  );
  const notes = rows.flatMap((row) => row.notes.map((note) => `- (${row.id}) ${note}`));
  return [...table, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
