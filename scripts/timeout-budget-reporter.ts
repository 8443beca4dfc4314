/**
 * A vitest reporter for the rule that no test may take more than a fifth of
 * its timeout on a loaded 2-core machine: after the run it lists every test
 * over that budget (at least the five closest), with its duration and timeout.
 * Run it beside the default reporter, under load:
 *
 *     npx vitest run --reporter=default --reporter=./scripts/timeout-budget-reporter.ts
 *
 * It only reports; set `BUDGET_STRICT=1` to make a test over budget fail the run.
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/** The share of its timeout a test may use. */
const BUDGET = 1 / 5;
/** How many tests to list at least, the closest to their budget first. */
const CLOSEST = 5;

export default class TimeoutBudgetReporter implements Reporter {
  #defaultTimeout = 5_000;

  onInit(vitest: Vitest): void {
    this.#defaultTimeout = vitest.config.testTimeout;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const rows: { name: string; duration: number; timeout: number }[] = [];
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const duration = test.diagnostic()?.duration;
        if (duration === undefined) continue;
        rows.push({
          name: `${testModule.relativeModuleId} > ${test.fullName}`,
          duration,
          timeout: test.options.timeout ?? this.#defaultTimeout,
        });
      }
    }
    rows.sort((a, b) => b.duration / b.timeout - a.duration / a.timeout);
    const over = rows.filter((row) => row.duration > row.timeout * BUDGET);
    const line = (row: (typeof rows)[number]) =>
      `  ${((100 * row.duration) / row.timeout).toFixed(1).padStart(5)}%  ${Math.round(row.duration)} ms of ${row.timeout} ms  ${row.name}`;
    const shown = rows.slice(0, Math.max(over.length, CLOSEST));
    process.stdout.write(
      `\ntimeout budget (a fifth of each test's timeout): ${over.length} of ${rows.length} tests over\n` +
        `${shown.map(line).join('\n')}\n`,
    );
    if (over.length > 0 && process.env['BUDGET_STRICT'] === '1') process.exitCode = 1;
  }
}
