/**
 * `npm run bench`: every scenario of issue 5, side by side in one Node
 * process, printed as a table and written to `bench/RESULTS.md`.
 *
 * Options: `--quick` (smaller sizes, for a look while working), `--only=a,c`
 * (a subset of scenarios), `--profile=c` or `--profile=e` (where the time of
 * a window read or a refresh cycle goes, ours and the floor; add `--crowd`
 * for 2,000 caches in their window at once). RESULTS.md is
 * written only by a full run, which then runs the keyed cache's bench
 * (`bench/keyed.ts`, also `npm run bench:keyed`).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { calibrateXState, profileWindow, renderShares } from './profile.js';
import { renderTable } from './report.js';
import { allSubjects, floor, ours } from './subjects.js';
import { FULL_SIZES, QUICK_SIZES, runScenarios } from './suite.js';

function describeMachine(): string {
  const cpu = cpus();
  const [one, five] = loadavg();
  return [
    `Node ${process.version} on ${process.platform}/${process.arch}`,
    `CPU: ${cpu[0]?.model ?? 'unknown'} (${cpu.length} cores, load average ${one?.toFixed(2)} / ${five?.toFixed(2)} at the end)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyArg = args.find((arg) => arg.startsWith('--only='));
  const only = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : undefined;
  if (typeof globalThis.gc !== 'function') {
    process.stderr.write('warning: run with --expose-gc (npm run bench does) for heap numbers that mean something\n');
  }
  const profileArg = args.find((arg) => arg.startsWith('--profile='))?.slice('--profile='.length);
  if (profileArg !== undefined) {
    if (profileArg !== 'c' && profileArg !== 'e')
      throw new RangeError(`Expected --profile=c or --profile=e, got ${profileArg}`);
    // `--crowd`: as (c-crowd) and (e-crowd), many caches in their window at once.
    const crowd = args.includes('--crowd');
    for (const subject of [ours, floor]) {
      const shares = crowd
        ? await profileWindow(subject, profileArg, quick ? 3 : 6, FULL_SIZES.crowdedWindow.cachesPerWave)
        : await profileWindow(subject, profileArg, quick ? 10 : 40);
      process.stdout.write(`\n${renderShares(`(${profileArg}) ${subject.name}`, shares)}\n`);
    }
    const scale = calibrateXState();
    process.stdout.write(
      `\nXState itself, µs per transition of a two-state chart: ${scale.bare.toFixed(2)} bare, ` +
        `${scale.withAfterTimer.toFixed(2)} with an after timer, ${scale.withInvokedActor.toFixed(2)} with an invoked actor\n`,
    );
    return;
  }
  const sizes = quick ? QUICK_SIZES : FULL_SIZES;
  const started = new Date();
  const rows = await runScenarios(sizes, only);
  const table = renderTable(rows, allSubjects);
  const machine = describeMachine();
  process.stdout.write(`\n${machine}\n\n${table}\n`);
  if (only === undefined && !quick) {
    // npm runs scripts from the package root.
    writeFileSync(join(process.cwd(), 'bench', 'RESULTS.md'), resultsMarkdown(started, machine, table));
    process.stdout.write('\nwritten to bench/RESULTS.md\n');
    // The keyed cache's bench (issue 6), in a process of its own so that
    // neither heap measures the other's leftovers; bundled beside this one.
    const keyed = spawnSync(process.execPath, ['--expose-gc', join(import.meta.dirname, 'keyed.mjs')], {
      stdio: 'inherit',
    });
    process.exitCode = keyed.status ?? 1;
  }
}

function resultsMarkdown(started: Date, machine: string, table: string): string {
  return `# Benchmark results

Written by \`npm run bench\` (${started.toISOString()}). Medians over alternating rounds; ratios are medians of
per-round ratios of ours to the floor measured side by side. See \`bench/README.md\` for what each scenario does.

${machine
  .split('\n')
  .map((line) => `- ${line}`)
  .join('\n')}

${table}
`;
}

await main();
