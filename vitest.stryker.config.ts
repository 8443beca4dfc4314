import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests that mutation testing (stryker.config.mjs) runs: those that
 * exercise src/ in process. Tests that spawn processes, build bundles or
 * measure sizes are left out: they watch the package, not the behaviour of a
 * line. (Not mergeConfig: it would append these to the base's `include`.)
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Each surviving mutant runs every test that reaches it: fewer random
    // interleavings in the differential test keep a run within the hour, and
    // a fixed seed makes them the same on every run (a mutant is killed by a
    // test, not by the draw).
    env: { FC_RUNS: '100', DIFFERENTIAL_SEED: '42' },
    include: [
      'test/machine/**/*.test.ts',
      'test/adapter/**/*.test.ts',
      'test/keyed/**/*.test.ts',
      'test/persist/**/*.test.ts',
      'test/share/**/*.test.ts',
      'test/browser-entry/**/*.test.ts',
      'test/platform/inspect-redaction.test.ts',
      'test/platform/redaction-identity.test.ts',
      'test/platform/redaction-shape.test.ts',
    ],
    // These re-import src/ inside a test (vi.resetModules): Stryker would then
    // count every module-level mutant as reached by that one test and switch it
    // on after the module has loaded, so that it could never be killed.
    exclude: ['test/adapter/coverage-core.test.ts', 'test/adapter/xstate-contract.test.ts'],
  },
});
