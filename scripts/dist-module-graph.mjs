// The module graph of the built package, for the entry checks: which files of
// dist/ and which packages an entry imports, transitively.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/**
 * Every module `entry` (a path in dist/) imports, transitively: `files`
 * relative to dist/ (the entry included), and `bare` the package specifiers.
 */
export async function distModuleGraph(entry = 'index.js') {
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
  await visit(join(dist, entry));
  return { files: [...files].map((file) => relative(dist, file)), bare: [...bare] };
}
