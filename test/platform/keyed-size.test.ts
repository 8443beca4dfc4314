/**
 * What the keyed cache costs an app: nothing unless it is imported (it
 * tree-shakes away), and at most 1.5 KB minified and gzipped of its own when
 * it is: an app that imports only `createKeyedBackgroundCache`, minus one that
 * imports only `createBackgroundCache`.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/** An app that imports `names` from the entry and uses them, bundled for the browser, minified. */
async function bundle(names: string[]) {
  const result = await build({
    stdin: {
      contents: `import { ${names.join(', ')} } from ${JSON.stringify(entry)};\nglobalThis.used = [${names.join(', ')}];`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
  });
  const code = result.outputFiles[0]!.text;
  const inputs = Object.values(result.metafile.outputs).flatMap((output) => Object.keys(output.inputs));
  return { code, inputs, gzip: gzipSync(code, { level: 9 }).length };
}

// Bundles with esbuild: seconds on a loaded machine, so a timeout well above what it takes.
describe('keyed cache size', { timeout: 30_000 }, () => {
  it('should tree-shake away from an app that imports only createBackgroundCache', async () => {
    const single = await bundle(['createBackgroundCache']);
    expect(single.inputs.filter((input) => input.includes('src/keyed/'))).toEqual([]);
    expect(single.code).not.toMatch(/keyedBackgroundCache|maxEntries|keyToString/);
  });

  it('should add at most 1.5 KB gzipped of its own', async () => {
    const single = await bundle(['createBackgroundCache']);
    const keyed = await bundle(['createKeyedBackgroundCache']);
    const both = await bundle(['createBackgroundCache', 'createKeyedBackgroundCache']);
    expect(keyed.inputs.some((input) => input.includes('src/keyed/'))).toBe(true);
    // The measure: the keyed app against the single one. Beside the single
    // cache in one app, it adds a little more (shown, not bounded here).
    console.info(
      `keyed cache size (min+gz): single ${single.gzip} B, keyed ${keyed.gzip} B (+${keyed.gzip - single.gzip}), both ${both.gzip} B (+${both.gzip - single.gzip})`,
    );
    expect(keyed.gzip - single.gzip).toBeLessThanOrEqual(1_536);
  });
});
