import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The files a bundler pulls in for an app that imports `entry`. */
async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

// Bundles with esbuild: seconds on a loaded machine, so a timeout well above what it takes.
describe('the testing entry', { timeout: 30_000 }, () => {
  it('should stay out of an app that imports only the main entry', async () => {
    const inputs = await bundledInputs('src/index.ts');
    expect(inputs.filter((input) => input.startsWith('src/testing/'))).toEqual([]);
    expect(inputs.filter((input) => input.includes('xstate-graph'))).toEqual([]);
    // The check is not vacuous: the testing entry does carry both.
    const testingInputs = await bundledInputs('src/testing/index.ts');
    expect(testingInputs.some((input) => input.startsWith('src/testing/'))).toBe(true);
    expect(testingInputs.some((input) => input.includes('xstate-graph'))).toBe(true);
  });

  it('should be exported as xstate-background-cache/testing, types first', () => {
    const { exports } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      exports: Record<string, Record<string, string>>;
    };
    expect(Object.entries(exports['./testing']!)).toEqual([
      ['types', './dist/testing/index.d.ts'],
      ['default', './dist/testing/index.js'],
    ]);
  });
});
