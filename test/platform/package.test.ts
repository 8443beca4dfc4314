/**
 * The package's manifest as an app's `npm install` meets it (issue 9,
 * packaging): xstate is the app's own copy (a peer), the range's floor is
 * the lowest version CI runs the suite on and one that has what the package
 * imports, and CI runs the package checks. The tarball itself (maps,
 * declarations, a types app) is checked by `npm run check:package`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
}

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const manifest = JSON.parse(read('package.json')) as Manifest;
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version: string }> };

/** `[major, minor, patch]` of a `x.y.z` version. */
const parse = (version: string) => version.split('.').map(Number);
const atLeast = (version: string, floor: string) => {
  const [a = 0, b = 0, c = 0] = parse(version);
  const [x = 0, y = 0, z = 0] = parse(floor);
  return a !== x ? a > x : b !== y ? b > y : c >= z;
};

describe('the package manifest', () => {
  it('should ask for xstate as a peer, so an app keeps one copy of it', () => {
    expect(manifest.dependencies?.['xstate']).toBeUndefined();
    expect(manifest.peerDependencies?.['xstate']).toMatch(/^\^5\.\d+\.\d+$/);
    expect(manifest.peerDependenciesMeta?.['xstate']?.optional).not.toBe(true);
  });

  it('should support no xstate older than its declarations compile against (5.33.0)', () => {
    // The .d.ts spell out xstate's StateMachine with the 15 type parameters it has since 5.33.0 (14 before: TS2314).
    // The code itself runs from 5.20.0 (the first with xstate/graph; emit and actor.on since 5.9.0).
    const floor = manifest.peerDependencies?.['xstate']?.slice(1) ?? '';
    expect(atLeast(floor, '5.33.0')).toBe(true);
  });

  it('should develop on an xstate inside the peer range', () => {
    const floor = manifest.peerDependencies?.['xstate']?.slice(1) ?? '';
    const locked = lock.packages['node_modules/xstate']?.version ?? '';
    expect(manifest.devDependencies['xstate']).toMatch(/^\^5\./);
    expect(locked.startsWith('5.')).toBe(true);
    expect(atLeast(locked, floor)).toBe(true);
  });

  it('should ship the sources its source maps point at', () => {
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'src']));
  });

  it('should pin the package checkers', () => {
    for (const checker of ['publint', '@arethetypeswrong/cli']) {
      expect(manifest.devDependencies[checker], checker).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('should run the package checks and the suite on both ends of the xstate range in CI', () => {
    const ci = read('.ci/run');
    expect(ci).toMatch(/^npm run check:package$/m);
    expect(ci).toMatch(/^npm run test:xstate-range$/m);
    expect(manifest.scripts['check:package']).toMatch(/check-pack\.mjs.*publint --strict.*attw --pack/);
  });

  it('should tell users to install xstate beside it, with the range', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm install xstate-background-cache xstate');
    expect(readme).toContain(`\`xstate\` ${manifest.peerDependencies?.['xstate'] ?? '?'}`);
  });
});
