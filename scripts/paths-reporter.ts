/**
 * The vitest reporter of `npm run test:paths`: prints the one summary line
 * that test/testing/paths-coverage.test.ts records, and the failures, if any, before
 * it (vitest sets the exit code).
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class PathsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message: string }>): void {
    let summary = 'paths: no summary (the coverage test did not run)';
    const failures: string[] = unhandledErrors.map((error) => `unhandled error: ${error.message}`);
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const { pathsSummary } = test.meta() as { pathsSummary?: string };
        if (pathsSummary) summary = pathsSummary;
        const result = test.result();
        if (result.state === 'failed') {
          failures.push(`✗ ${test.fullName}\n${result.errors.map((error) => error.message).join('\n')}`);
        }
      }
      for (const error of testModule.errors()) failures.push(`✗ ${testModule.moduleId}\n${error.message}`);
    }
    if (failures.length > 0) process.stderr.write(`${failures.join('\n\n')}\n\n`);
    process.stdout.write(`${summary}\n`);
  }
}
