/**
 * Guarantees 7 and 9 for the keyed cache: its one timer never holds a Node
 * process open, and it runs in a realm with only web-standard globals.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { createWebRealm } from '../helpers.js';

const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

async function bundle(contents: string, format: 'esm' | 'iife', platform: 'neutral' | 'browser'): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    format,
    platform,
    globalName: 'keyed',
    mainFields: ['module', 'main'],
    write: false,
  });
  return result.outputFiles[0]!.text;
}

// Bundles and spawns Node (its own limit is 30 s): a test timeout above that limit.
describe('keyed cache in a real process and a bare realm', { timeout: 60_000 }, () => {
  it('should let a script with a 60 s ttl exit as soon as its own work is done', async () => {
    const script = await bundle(
      `
        import { createKeyedBackgroundCache } from ${JSON.stringify(entry)};
        const cache = createKeyedBackgroundCache({ ttl: 60_000, refreshWindow: 10_000, maxEntries: 10, fetch: async (key) => 'value of ' + key });
        const value = await cache.get('a');
        console.log(value, cache.size);
      `,
      'esm',
      'neutral',
    );
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-'], {
      input: script,
      encoding: 'utf8',
      // Far below the 60 s that a held timer would take; far above a normal exit.
      timeout: 30_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('value of a 1');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('should run in a realm that has only web-standard globals', async () => {
    const code = await bundle(
      `export { createKeyedBackgroundCache } from ${JSON.stringify(entry)};`,
      'iife',
      'browser',
    );
    const realm = createWebRealm();
    runInContext(code, realm);
    const result: unknown = await runInContext(
      `(async () => {
        const cache = keyed.createKeyedBackgroundCache({ ttl: 1000, refreshWindow: 100, maxEntries: 2, fetch: async (key, signal) => signal instanceof AbortSignal ? key + ' page value' : 'no signal' });
        const values = [await cache.get('a'), await cache.get('b'), await cache.get('c')];
        const size = cache.size;
        cache.stop();
        return { values, size, typeofProcess: typeof process };
      })()`,
      realm,
    );
    expect(result).toEqual({
      values: ['a page value', 'b page value', 'c page value'],
      size: 2,
      typeofProcess: 'undefined',
    });
  });
});
