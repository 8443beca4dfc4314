/**
 * The size budget (`npm run size`): what the library adds to a browser app
 * that uses only `createBackgroundCache`, on top of the XState pieces such a
 * cache is built from, that the testing entry, the keyed cache and the
 * plug-in entries stay out of such an app, and what each plug-in entry adds.
 */
import { describe, expect, it } from 'vitest';
import {
  APP,
  ENTRIES,
  budgetOf,
  LIBRARY_BUDGET,
  MUST_TREE_SHAKE,
  bundle,
  formatReport,
  measureSize,
} from '../../scripts/size.js';

const report = measureSize();

// Bundles with esbuild: seconds on a loaded machine, so a timeout well above what it takes.
describe('the size budget', { timeout: 30_000 }, () => {
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

  it('should leave the testing entry, the keyed cache and the plug-in entries out of an app that does not use them', async () => {
    const { app } = await report;
    const carried = app.parts.filter(({ path }) => MUST_TREE_SHAKE.some((folder) => path.startsWith(folder)));
    expect(carried).toEqual([]);
    // Nor React: only the React entry imports it.
    expect(app.importsReact).toBe(false);
  });

  it('should see a source folder in the bundle when the app does use it', async () => {
    const app = await bundle(`${APP}export { redactInspection } from 'xstate-background-cache';\n`);
    expect(app.parts.map(({ path }) => path)).toContain('src/inspect/redactInspection.ts');
  });
});

describe.each(ENTRIES)('the $entry entry', { timeout: 30_000 }, ({ entry, folder, usage }) => {
  it(`should add at most ${budgetOf(entry)} gzipped bytes to an app that uses createBackgroundCache`, async () => {
    const own = (await report).entries.find((measured) => measured.entry === entry);
    expect(own?.bytes, formatReport(await report)).toBeGreaterThan(0);
    expect(own?.bytes, formatReport(await report)).toBeLessThanOrEqual(budgetOf(entry));
  });

  it('should be in the bundle, alone of the plug-ins, when the app imports it', async () => {
    const app = await bundle(`${APP}${usage}`);
    expect(app.importsReact).toBe(folder === 'src/react/');
    const folders = ENTRIES.map((other) => other.folder);
    const carried = new Set(app.parts.map(({ path }) => folders.find((f) => path.startsWith(f))).filter(Boolean));
    expect([...carried]).toEqual([folder]);
  });
});
