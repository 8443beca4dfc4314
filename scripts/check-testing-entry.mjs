// Imports the built testing entry the way a user's plain Node ESM test would
// (by name, through `exports`), replays every generated path with node:test,
// and checks that the main entry's module graph never reaches the testing
// entry or xstate/graph. Run after `npm run build`.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createCacheTestHarness, getCachePaths } from 'xstate-background-cache/testing';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** Every module the built main entry imports, transitively: relative files and bare specifiers. */
async function moduleGraph(entry) {
  const files = new Set();
  const bare = new Set();
  const visit = async (file) => {
    if (files.has(file)) return;
    files.add(file);
    const source = await readFile(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:from|import)\s*['"]([^'"]+)['"]/g)) {
      if (specifier.startsWith('.')) await visit(join(dirname(file), specifier));
      else bare.add(specifier);
    }
  };
  await visit(entry);
  return { files: [...files].map((file) => relative(dist, file)), bare: [...bare] };
}

test('the main entry reaches neither the testing entry nor xstate/graph', async () => {
  const { files, bare } = await moduleGraph(join(dist, 'index.js'));
  assert.ok(files.length > 1, 'the walk found the main entry modules');
  assert.deepEqual(
    files.filter((file) => file.startsWith('testing')),
    [],
  );
  assert.deepEqual(bare, ['xstate']);
});

const { options, paths, coverage } = getCachePaths();

test('the generated paths cover the whole chart', () => {
  assert.equal(coverage.states.covered, coverage.states.total);
  assert.equal(coverage.transitions.covered, coverage.transitions.total);
});

for (const path of paths) {
  test(path.description, async () => {
    await createCacheTestHarness(options).replay(path);
  });
}
