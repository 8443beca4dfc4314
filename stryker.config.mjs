// Mutation testing (`npm run test:mutation`, not part of `npm test`): StrykerJS
// changes one operator, condition or literal of src/ at a time and runs the
// tests that reach it; a mutant that no test fails on "survives". Slow: scope a
// run with `npm run test:mutation -- --mutate 'src/machine/**/*.ts'`.
// Reports land in reports/mutation/ (HTML and JSON), ignored by git.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  coverageAnalysis: 'perTest',
  // The testing entry is a tool for users' tests, not the cache; the index
  // files only re-export.
  mutate: ['src/**/*.ts', '!src/testing/**', '!src/index.ts', '!src/*/index.ts'],
  // The machine has few cores and other work on them.
  concurrency: 2,
  timeoutMS: 20_000,
  timeoutFactor: 3,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  ignorePatterns: ['.stryker-tmp*', 'dist', 'coverage', 'test-results', 'scratch', 'examples/browser/dist', 'reports'],
  thresholds: { high: 95, low: 90, break: null },
};
