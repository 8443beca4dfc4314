/**
 * The size budget (`npm run size`): what the library adds to a browser app
 * that uses only `createBackgroundCache`, on top of the XState pieces such a
 * cache is built from, and that the testing entry, the keyed cache and the
 * React entry stay out of such an app; what the React entry adds when used.
 */
import { describe, expect, it } from 'vitest';
import {
  APP,
  LIBRARY_BUDGET,
  MUST_TREE_SHAKE,
  REACT_APP,
  REACT_BUDGET,
  bundle,
  formatReport,
  measureSize,
} from '../scripts/size.js';

const report = measureSize();

describe('the size budget', () => {
  it(`should add at most ${LIBRARY_BUDGET} gzipped bytes to the XState baseline`, async () => {
    const { library } = await report;
    expect(library, formatReport(await report)).toBeLessThanOrEqual(LIBRARY_BUDGET);
  });

  it('should measure real bundles', async () => {
    const { app, baseline, library } = await report;
    // XState's setup, createActor, fromPromise and assign come to about 13 kB gzipped.
    expect(baseline.gzipped).toBeGreaterThan(10_000);
    expect(baseline.gzipped).toBeLessThan(16_000);
    expect(library).toBeGreaterThan(0);
    expect(app.parts.map(({ path }) => path)).toContain('src/adapter/createBackgroundCache.ts');
    expect(baseline.parts).toEqual([]);
  });

  it('should leave the testing entry and the keyed cache out of an app that does not use them', async () => {
    const { app } = await report;
    const carried = app.parts.filter(({ path }) => MUST_TREE_SHAKE.some((folder) => path.startsWith(folder)));
    expect(carried).toEqual([]);
  });

  it(`should add under ${REACT_BUDGET} gzipped bytes for the React entry, and no React to an app without it`, async () => {
    const { app, react } = await report;
    expect(react, formatReport(await report)).toBeLessThan(REACT_BUDGET);
    expect(react).toBeGreaterThan(0);
    expect(app.importsReact).toBe(false);
    const withHooks = await bundle(REACT_APP);
    expect(withHooks.importsReact).toBe(true);
    expect(withHooks.parts.map(({ path }) => path)).toContain('src/react/index.ts');
  });

  it('should see a source folder in the bundle when the app does use it', async () => {
    const app = await bundle(`${APP}export { redactInspection } from 'xstate-background-cache';\n`);
    expect(app.parts.map(({ path }) => path)).toContain('src/inspect/redactInspection.ts');
  });
});
