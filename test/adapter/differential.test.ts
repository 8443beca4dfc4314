import fc from 'fast-check';
import { describe, it } from 'vitest';
import { run, scenarioArbitrary } from './differential.js';
import type { LateTimers } from './model.js';

// The real cache against the independent model (test/adapter/differential.ts,
// test/adapter/model.ts): 1,000 random scenarios in `npm test`; more by hand:
//   DIFFERENTIAL_RUNS=20000 npx vitest run test/adapter/differential.test.ts
// A failing run prints its seed and path: replay it with DIFFERENTIAL_SEED and
// DIFFERENTIAL_PATH (and DIFFERENTIAL_TRACE=1 to log every step).
// DIFFERENTIAL_LATE_TIMERS=spec holds the cache to the other reading of late
// timers (see test/adapter/model.ts and test/adapter/v2-differential-findings.test.ts).

const env = process.env;
const NUM_RUNS = Number(env['DIFFERENTIAL_RUNS'] ?? env['FC_RUNS'] ?? 1000);
const SEED = env['DIFFERENTIAL_SEED'];
// 1,000 runs take about 5 s of CPU: 15 s of wall time on 2 cores at load 17, 30 s at load 20. A fifth of
// 300 s covers that; more runs get as much per run.
const TIMEOUT = Math.max(300_000, NUM_RUNS * 300);
const PATH = env['DIFFERENTIAL_PATH'];
const options = {
  lateTimers: (env['DIFFERENTIAL_LATE_TIMERS'] ?? 'spec') as LateTimers,
  supersededAttemptsTimeOut: env['DIFFERENTIAL_SUPERSEDED_TIMEOUT'] !== '0',
  trace: env['DIFFERENTIAL_TRACE'] === '1',
};

describe('the real cache against the independent model', () => {
  it(
    `should agree on every step of ${NUM_RUNS} random interleavings (SPEC Parts 1 and 2)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArbitrary, (scenario) => run(scenario, options)),
        SEED === undefined
          ? { numRuns: NUM_RUNS }
          : { numRuns: NUM_RUNS, seed: Number(SEED), ...(PATH === undefined ? {} : { path: PATH }) },
      );
    },
    TIMEOUT,
  );

  it('should agree on a background refresh that fails after its previous value expired', async () => {
    await run({
      part1: true,
      ttl: 10,
      refreshWindow: 4,
      lifetimes: [],
      ttlFunction: false,
      windowFunction: false,
      defaultFetch: false,
      retryScript: [],
      actions: [
        { kind: 'seed', life: 0, age: undefined },
        { kind: 'skip', ms: 7 },
        { kind: 'get', fetch: 'own', mode: 'deferred', life: 0, signal: 'none' },
        { kind: 'skip', ms: 5 },
        { kind: 'settle', pick: 0, ok: false, errorObject: true, life: 0 },
        { kind: 'advance', ms: 0 },
        { kind: 'get', fetch: 'own', mode: 'deferred', life: 0, signal: 'none' },
      ],
    });
  });
});
