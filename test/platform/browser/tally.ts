/**
 * How every browser runner counts and prints its checks: `✓ name`, or
 * `✗ name` with why, then one summary line and the exit code.
 */
export class Tally {
  passed = 0;
  failed = 0;

  pass(name: string): void {
    this.passed++;
    console.log(`  ✓ ${name}`);
  }

  fail(name: string, why: unknown): void {
    this.failed++;
    console.log(`  ✗ ${name}\n      ${why instanceof Error ? why.message : String(why)}`);
  }

  /** Runs one check: passed when `check` resolves; returns whether it did. */
  async check(name: string, check: () => Promise<unknown>): Promise<boolean> {
    try {
      await check();
      this.pass(name);
      return true;
    } catch (error) {
      this.fail(name, error);
      return false;
    }
  }

  /** Passes `name` when there are no `errors`, else fails it listing them. */
  none(name: string, errors: readonly string[]): void {
    if (errors.length) this.fail(name, errors.join('\n      '));
    else this.pass(name);
  }

  /** Prints `label: N passed, M failed` and any `extra`; returns the exit code. */
  summary(label: string, extra = ''): number {
    console.log(`${label}: ${this.passed} passed, ${this.failed} failed${extra}`);
    return this.failed ? 1 : 0;
  }
}
