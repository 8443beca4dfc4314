// Checks the package as npm would publish it: packs it (`npm pack`), unpacks
// the tarball into a scratch app's node_modules next to the xstate installed
// here, and checks that
//   1. every source map in the tarball resolves: its `file` and each of its
//      `sources` are files of the tarball;
//   2. the public declarations (every .d.ts reachable from the `types` of
//      `exports`) show no internals: no name of INTERNAL_NAMES, no member
//      named `_...`, and no class member outside PUBLIC_CLASS_MEMBERS
//      (internals are tagged `/** @internal */` and dropped by `stripInternal`);
//   3. the app in test/platform/types-app type-checks against the tarball
//      under each of its tsconfig.*.json (`skipLibCheck: false`, lib ES2022
//      with and without `ESNext.Disposable`).
// Run after `npm run build`. `--keep` leaves the scratch app in place.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = join(root, 'test', 'platform', 'types-app');

/**
 * Names of implementation details that must not reach the public
 * declarations (issue 9): the keyed cache's entries, the registry reference
 * and deadline queue behind them, and the flights with their runner.
 */
const INTERNAL_NAMES = ['KeyEntry', 'RegistryRef', 'Deadlines', 'Flight', 'FlightRunner', 'flightStartedBy'];

/**
 * The members each class in the public declarations may show; any other is
 * an internal that lacks its `@internal` tag (or a new public member: add it
 * here). A class that is not listed may show no member at all.
 */
const PUBLIC_CLASS_MEMBERS = {
  CacheStoppedError: ['constructor'],
  TestClock: ['now', 'setTimeout', 'clearTimeout', 'pendingTimers', 'nextDueAt', 'skipTo', 'advanceTo'],
  // The keyed registry's context: its size, and its JSON (what the inspector shows).
  KeyTable: ['size', 'toJSON'],
};

const failures = [];
const fail = (message) => failures.push(message);

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );

// Pack and unpack, as `npm install <tarball>` would.
assert.ok(existsSync(join(root, 'dist', 'index.js')), 'dist/ is missing: run `npm run build` first');
const scratch = mkdtempSync(join(tmpdir(), 'check-pack-'));
const [{ filename }] = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' }),
);
const app = join(scratch, 'app');
const pkg = join(app, 'node_modules', 'xstate-background-cache');
mkdirSync(pkg, { recursive: true });
execFileSync('tar', ['-xzf', join(scratch, filename), '-C', pkg, '--strip-components=1']);
const files = walk(pkg);
const inPackage = (file) => !relative(pkg, file).startsWith('..') && existsSync(file);

// 1. Source maps.
const maps = files.filter((file) => file.endsWith('.map'));
if (maps.length === 0) fail('no source map in the tarball (this check expects the build to emit them)');
for (const map of maps) {
  const { file, sources, sourceRoot = '' } = JSON.parse(readFileSync(map, 'utf8'));
  const at = (path) => resolve(dirname(map), sourceRoot, path);
  if (!inPackage(at(file))) fail(`${relative(pkg, map)}: its file ${file} is not in the tarball`);
  for (const source of sources) {
    if (!inPackage(at(source))) fail(`${relative(pkg, map)}: source ${source} is not in the tarball`);
  }
}

// 2. Internals in the public declarations.
const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const typesEntries = [];
const collectTypes = (node) => {
  if (typeof node !== 'object' || node === null) return;
  for (const [condition, target] of Object.entries(node)) {
    if (condition === 'types' && typeof target === 'string') typesEntries.push(resolve(pkg, target));
    else collectTypes(target);
  }
};
collectTypes(manifest.exports);
if (typesEntries.length === 0) fail('package.json `exports` names no `types`');
const withoutComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
const reachable = new Set();
const visit = (file) => {
  if (reachable.has(file)) return;
  reachable.add(file);
  if (!existsSync(file)) return fail(`${relative(pkg, file)}: referenced by the declarations, not in the tarball`);
  const text = withoutComments(readFileSync(file, 'utf8'));
  for (const [, specifier] of text.matchAll(/(?:from\s*|import\s*\(\s*)['"](\.[^'"]+)['"]/g)) {
    visit(resolve(dirname(file), specifier.replace(/\.js$/, '.d.ts')));
  }
};
typesEntries.forEach(visit);
for (const file of reachable) {
  if (!existsSync(file)) continue;
  const name = relative(pkg, file);
  const text = withoutComments(readFileSync(file, 'utf8'));
  for (const internal of INTERNAL_NAMES) {
    if (new RegExp(`\\b${internal}\\b`).test(text)) fail(`${name}: shows the internal \`${internal}\``);
  }
  for (const [, member] of text.matchAll(/^\s+(?:readonly\s+|get\s+|set\s+)?(_\w+)\??\s*[(:<]/gm)) {
    fail(`${name}: shows the underscore member \`${member}\``);
  }
  for (const [, className, body] of text.matchAll(/declare class (\w+)[^{]*\{([\s\S]*?)\n\}/g)) {
    const allowed = PUBLIC_CLASS_MEMBERS[className] ?? [];
    const members = [...body.matchAll(/^ {4}(?:(?:static|readonly|get|set|protected)\s+)*(#?\w+)/gm)].map(
      ([, member]) => member,
    );
    for (const member of members) {
      if (member !== '#private' && !allowed.includes(member)) {
        fail(`${name}: class ${className} shows the member \`${member}\` (tag it /** @internal */, or list it)`);
      }
    }
  }
}

// 3. An app type-checks against the tarball.
cpSync(fixture, app, { recursive: true });
symlinkSync(realpathSync(join(root, 'node_modules', 'xstate')), join(app, 'node_modules', 'xstate'), 'dir');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const configs = readdirSync(app).filter((file) => /^tsconfig\..+\.json$/.test(file));
if (configs.length === 0) fail(`no tsconfig.*.json in ${relative(root, fixture)}`);
for (const config of configs) {
  try {
    execFileSync(process.execPath, [tsc, '-p', join(app, config)], { cwd: app, encoding: 'utf8' });
  } catch (error) {
    fail(`types-app (${config}) does not type-check against the tarball:\n${error.stdout}${error.stderr}`);
  }
}

const xstateVersion = JSON.parse(readFileSync(join(app, 'node_modules', 'xstate', 'package.json'), 'utf8')).version;
if (process.argv.includes('--keep')) console.log(`scratch app kept at ${app}`);
else rmSync(scratch, { recursive: true, force: true });
if (failures.length > 0) {
  console.error(`check-pack: ${failures.length} problem(s) in ${filename}:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(
  `check-pack: ${filename}: ${files.length} files, ${maps.length} source maps resolve, ` +
    `${reachable.size} public declaration files show no internals, ` +
    `types-app type-checks (${configs.join(', ')}) with xstate ${xstateVersion}`,
);
