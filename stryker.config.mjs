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
//   - scheduleRetry's catch block emptied: the delay stays undefined, which
//     the check for a finite delay >= 0 replaces by the default all the same.
//   - hasFetchTimeout → `true`: without fetchTimeout the delay is Infinity,
//     for which no timer is armed, so the guard is never asked.
//   - eventTime: the `.fetchTimeout.` branch (its condition and arithmetic):
//     the fetchTimeout transition has no target, so no delay or guard reads
//     that event's time (the branch could go).
// - machine/flights.ts
//   - Flight.pending initialised to true: #attempt sets it right after.
//   - settle(): `if (this.settled)` removed, or `settled` left false: a
//     settled promise ignores a second resolve/reject, and the attempt counter
//     already drops outcomes of any attempt but the last.
//   - join(): `{ once: true }` → `{}`/false: a signal aborts once, and the
//     listener is removed when the flight settles.
//   - release()'s kept timeout: its attempt/settled check removed, and
//     `attempts++` → `--`: the timer is cleared when the flight settles, a
//     released flight makes no further attempt, and any change of the counter
//     drops the late outcome alike.
// - adapter/clock.ts: `lead > slept` → `>=`: equal values assign the same.
// - adapter/createBackgroundCache.ts
//   - `if (persist)` → `true` (attach, #stored, invalidate), and
//     `persist.onError?.()` → `persist.onError()`: guard() swallows the
//     TypeError of an absent persister or onError.
//   - tryGet(), peek(), the sharing port's current(): `storedAt !== undefined`
//     → `true`: an age from an undefined storedAt is NaN, so nothing is served.
//   - #stored()'s early return removed: without a persister or tabs the entry
//     it builds goes nowhere.
//   - seed()'s origin `'seed'` → `""`: an origin that is neither 'share' nor
//     'restore' is saved and announced, as a seed is.
//   - #waitFor(): the `'failed'` check removed (or its string emptied): the
//     read is tried again a microtask later, and #read rejects it at once
//     with the same remembered reason.
//   - lifetimeOf (lifetime.ts): its `typeof … === 'number'` shortcut removed
//     or its strings emptied: numbers already checked at creation come back
//     as the same lifetime.
// - adapter/options.ts: the `retry`/`retryDelay` kind check after
//   assertNumber (its loop, condition and throw): assertNumber has already
//   thrown a TypeError for anything but a number or a function (dead code);
//   and `typeof refreshWindow !== 'function'` → `true` beside a computed ttl:
//   assertNumber lets a function through there anyway.
// - persist/storagePersister.ts: isEnvelope's `typeof data === 'object'` →
//   `true`: `.v` of a JSON number, string or boolean is undefined, not 1.
// Killed only by the two tests left out in vitest.stryker.config.ts (they
// re-import src/): #waitFor's "no flight command arrived" check and message,
// and the `Symbol.dispose` fallback of lifecycle.ts.

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
