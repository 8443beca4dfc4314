/**
 * Guarantee 9 for the share entry: it bundles for the browser without any
 * Node built-in, and runs in a realm with only web-standard globals (where it
 * finds no Web Locks, and works alone).
 */
import { fileURLToPath } from 'node:url';
import { runInContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { createWebRealm } from '../helpers.js';

const entry = fileURLToPath(new URL('../../src/share/index.ts', import.meta.url));

describe('the share entry is browser-safe', { timeout: 30_000 }, () => {
  it('should bundle without any Node built-in and run alone in a web-only realm', async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'iife',
      globalName: 'share',
      platform: 'browser',
      write: false,
      metafile: true,
    });
    const code = result.outputFiles[0]!.text;
    expect(Object.keys(result.metafile.inputs).filter((input) => input.startsWith('node:'))).toEqual([]);
    expect(code).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b|setImmediate/);
    const realm = createWebRealm();
    runInContext(code, realm);
    const outcome: unknown = await runInContext(
      `share.shareAcrossTabs('token').connect({ current() {}, store() {}, invalidate() {} })
        .fetch(async () => 'alone', new AbortController().signal, 0)
        .then((entry) => entry.value)`,
      realm,
    );
    expect(outcome).toBe('alone');
  });
});
