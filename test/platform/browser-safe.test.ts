/**
 * Guarantee 9: no Node-only API on any path. The entry bundles for the
 * browser with no Node built-in, and the bundle runs in a bare JavaScript
 * realm that has only web-standard globals.
 */
import { fileURLToPath } from 'node:url';
import { runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { createWebRealm } from '../helpers.js';

const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

async function bundleForBrowser() {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    globalName: 'xstateBackgroundCache',
    platform: 'browser',
    write: false,
    metafile: true,
  });
  return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
}

// Bundles with esbuild: seconds on a loaded machine, so a timeout well above what it takes.
describe('guarantee 9: browser-safe', { timeout: 30_000 }, () => {
  it('bundles for the browser without any Node built-in', async () => {
    const { code, inputs } = await bundleForBrowser();
    expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
    expect(code).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b|setImmediate/);
  });

  it('runs in a realm with only web-standard globals', async () => {
    const { code } = await bundleForBrowser();
    const realm = createWebRealm();
    runInContext(code, realm);
    const result: unknown = await runInContext(
      `(async () => {
        const { createBackgroundCache } = xstateBackgroundCache;
        const cache = createBackgroundCache({ ttl: 1000, refreshWindow: 100 });
        const value = await cache.get(async (signal) => signal instanceof AbortSignal ? 'page value' : 'no signal');
        const state = cache.actor.getSnapshot().value;
        cache.stop();
        return { value, state, typeofProcess: typeof process };
      })()`,
      realm,
    );
    expect(result).toEqual({ value: 'page value', state: { current: 'fresh' }, typeofProcess: 'undefined' });
  });
});
