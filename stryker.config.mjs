// Mutation testing (`npm run test:mutation`, not part of `npm test`): StrykerJS
// changes one operator, condition or literal of src/ at a time and runs the
// tests that reach it (vitest.stryker.config.ts); a mutant that no test fails
// on "survives". Slow on a loaded 2-core machine (the four core folders take
// about an hour): scope a run with
//   npm run test:mutation -- --mutate 'src/machine/**/*.ts'
// Reports land in reports/mutation/ (HTML and JSON), ignored by git; results
// are kept in reports/stryker-incremental.json so that a re-run tests only
// what changed.
//
// Static mutants (module-level definitions: the chart's configuration object,
// constants) are ignored: the vitest runner of StrykerJS 9.6.1 switches them on
// after vitest 4.1 has loaded the module, so they would survive whatever the
// tests check (the chart's configuration is covered by the transition tests
// and the README diagram instead).
//
// Surviving mutants that cannot change behaviour (equivalent), by file:
// - machine/backgroundCacheMachine.ts
//   - isBackingOff, isBackingOffAtWindow, isBackingOffAtExpiry:
//     `failedUntil !== undefined` → `true`: a comparison with undefined is
//     false anyway.
//   - mayRetry's catch block emptied: it returns undefined, as falsy as false.
//   - hasFetchTimeout → `true`: without fetchTimeout the delay is Infinity,
//     for which the cache arms no timer, so the guard is never asked.
//   - eventTime: the `.fetchTimeout.` branch (and its arithmetic): the
//     fetchTimeout transition has no target, so no delay or guard reads that
//     event's time.
// - machine/flights.ts
//   - Flight.pending initialised to true: #attempt sets it right after.
//   - settle(): `if (this.settled)` removed, or `settled` left false: a
//     settled promise ignores a second resolve/reject, and the attempt counter
//     already drops outcomes of any attempt but the last.
//   - join(): `{ once: true }` → `{}`/false: a signal aborts once, and the
//     listener is removed when the flight settles.
// - adapter/clock.ts: `lead > slept` → `>=`: equal values assign the same.
// - adapter/createBackgroundCache.ts
//   - `if (persist)` → `true` in #stored and invalidate(): guard() catches
//     the TypeError of an absent persister and has no onError to call.
//   - tryGet()/peek(): `storedAt !== undefined` → `true`: ages compared with
//     an undefined storedAt are NaN, so nothing is served, as before.
//   - #waitFor(): the `'failed'` and stopped checks removed: the read is tried
//     again a microtask later and rejects the same way from #read's own checks.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
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
