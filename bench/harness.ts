/**
 * Measuring side by side on a busy machine: every scenario runs in rounds,
 * each round measures every subject once in a rotated order, so that drift
 * (other processes, GC, CPU frequency) hits all of them alike. Results are
 * medians over rounds, and ratios are medians of the per-round ratios.
 */
import { measure } from 'mitata';
import type { BenchSubject } from './subjects.js';

/** Runs the garbage collector when Node was started with `--expose-gc`. */
export const collectGarbage = (): void => {
  globalThis.gc?.();
  globalThis.gc?.();
};

/** JS heap in use, in bytes (after a GC, if exposed). */
export function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Resolves after `ms` of real time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One number per subject per round. */
export type RoundSamples = Map<BenchSubject, number[]>;

/**
 * Calls `sample(subject)` for every subject in every round, rotating the
 * order each round, and collects what it returns. A first round warms the
 * JIT up for every subject and is not kept.
 */
export async function alternate(
  subjects: readonly BenchSubject[],
  rounds: number,
  sample: (subject: BenchSubject) => Promise<number>,
): Promise<RoundSamples> {
  const samples: RoundSamples = new Map(subjects.map((subject) => [subject, []]));
  for (let round = -1; round < rounds; round++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(round + 1 + i) % subjects.length]!;
      collectGarbage();
      const value = await sample(subject);
      if (round >= 0) samples.get(subject)!.push(value);
    }
  }
  return samples;
}

/** mitata's settings for one micro-measurement. */
export interface MicroSettings {
  /** CPU time to spend per measurement, in ms. */
  cpuTimeMs: number;
  /** Calls per timed batch. */
  batchSamples: number;
}

/** Median ns per call of `fn`, measured by mitata (batched, warmed up). */
export async function nsPerCall(fn: () => unknown, settings: MicroSettings): Promise<number> {
  const stats = await measure(fn, {
    min_cpu_time: settings.cpuTimeMs * 1e6,
    batch_samples: settings.batchSamples,
    // mitata's fallback for a missing gc() allocates a gigabyte; never use it.
    gc: typeof globalThis.gc === 'function' ? collectGarbage : false,
  });
  return stats.p50;
}
