/**
 * Guarantee 7 in a real Node process: the cache's timers never hold it open.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

// Bundles and spawns Node (its own limit is 30 s): a test timeout above that limit.
describe('guarantee 7: timers never hold a process', { timeout: 60_000 }, () => {
  it('a script that does one get with a 60 s ttl exits as soon as its own work is done', async () => {
    // Bundle the library as a user's script would load it, then run it in a child Node.
    const bundle = await build({
      stdin: {
        contents: `
          import { createBackgroundCache } from ${JSON.stringify(entry)};
          const cache = createBackgroundCache({ ttl: 60_000, refreshWindow: 10_000 });
          const value = await cache.get(async () => 'schema');
          console.log(value, JSON.stringify(cache.actor.getSnapshot().value));
        `,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      write: false,
    });
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-'], {
      input: bundle.outputFiles[0]!.text,
      encoding: 'utf8',
      // Far below the 60 s that a held timer would take; far above a normal exit.
      timeout: 30_000,
    });
    const elapsed = Date.now() - started;
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('schema {"current":"fresh"}');
    expect(child.status).toBe(0);
    expect(elapsed).toBeLessThan(30_000);
  });
});
