/**
 * `npm run size`: what the library adds to a browser app. Bundles, with
 * esbuild for the browser, minified and gzipped, an app that imports only
 * `createBackgroundCache`, and a baseline app that imports only the XState
 * pieces such a cache is built from (`setup`, `createActor`, `fromPromise`,
 * `assign`). The difference is the library's own share, held to
 * {@link LIBRARY_BUDGET} by `test/size.test.ts` and reported against
 * {@link LIBRARY_TARGET}. Exits with code 1 over the budget.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Gzipped bytes issue 4 asks the library to add at most on top of the XState baseline: 1.5 kB. Not met (see README). */
export const LIBRARY_TARGET = 1_500;

/**
 * Gzipped bytes the library's share may not exceed: what the full feature set
 * (chart, flight, adapter, sleep-proof clock, clear errors, redaction) measures
 * today, plus 2%. It keeps the share from growing while the target is missed.
 */
export const LIBRARY_BUDGET = 2_300;

/** Gzipped bytes the React entry must stay under, on top of an app that uses a cache (issue 13): 1 kB. */
export const REACT_BUDGET = 1_000;

/** Source folders whose code an app that uses only `createBackgroundCache` must not carry. */
export const MUST_TREE_SHAKE = ['src/testing/', 'src/keyed/', 'src/react/'];

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const APP = `import { createBackgroundCache } from 'xstate-background-cache';\nexport const cache = createBackgroundCache({ ttl: 60_000, refreshWindow: 10_000 });\n`;
/** {@link APP} plus every hook of the React entry, used (React itself stays external: the app has its own). */
export const REACT_APP = `${APP}import { useBackgroundCache, useKeyedBackgroundCache, useSuspenseBackgroundCache, useSuspenseKeyedBackgroundCache } from 'xstate-background-cache/react';\nexport const hooks = [useBackgroundCache, useKeyedBackgroundCache, useSuspenseBackgroundCache, useSuspenseKeyedBackgroundCache];\n`;
export const BASELINE_APP = `import { assign, createActor, fromPromise, setup } from 'xstate';\nexport const parts = [assign, createActor, fromPromise, setup];\n`;

export interface Bundle {
  readonly minified: number;
  readonly gzipped: number;
  /** Minified bytes each source file of the project contributes, largest first. */
  readonly parts: readonly { readonly path: string; readonly bytes: number }[];
  /** The bundle imports `react` (kept external). */
  readonly importsReact: boolean;
}

export interface SizeReport {
  readonly app: Bundle;
  readonly baseline: Bundle;
  /** Gzipped bytes the library adds on top of the baseline. */
  readonly library: number;
  /** Gzipped bytes the React entry adds on top of {@link APP}. */
  readonly react: number;
}

/** Bundles `source` as a browser app would ship it; the package name resolves to `src/index.ts`. */
export async function bundle(source: string): Promise<Bundle> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts', sourcefile: 'app.ts' },
    absWorkingDir: ROOT,
    alias: { 'xstate-background-cache/react': './src/react/index.ts', 'xstate-background-cache': './src/index.ts' },
    external: ['react'],
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  const [meta] = Object.values(result.metafile.outputs);
  if (!output || !meta) throw new Error('esbuild produced no bundle');
  const parts = Object.entries(meta.inputs)
    .filter(([path, input]) => path.startsWith('src/') && input.bytesInOutput > 0)
    .map(([path, input]) => ({ path, bytes: input.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return {
    minified: output.contents.length,
    gzipped: gzipSync(output.contents, { level: 9 }).length,
    parts,
    importsReact: /from\s*"react"/.test(output.text),
  };
}

export async function measureSize(): Promise<SizeReport> {
  const [app, baseline, react] = await Promise.all([bundle(APP), bundle(BASELINE_APP), bundle(REACT_APP)]);
  return { app, baseline, library: app.gzipped - baseline.gzipped, react: react.gzipped - app.gzipped };
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;

/** The report as `npm run size` prints it. */
export function formatReport({ app, baseline, library, react }: SizeReport): string {
  const verdict = library <= LIBRARY_BUDGET ? 'within' : 'OVER';
  const target = library <= LIBRARY_TARGET ? 'met' : 'missed';
  return [
    `app importing createBackgroundCache: ${kB(app.minified)} minified, ${kB(app.gzipped)} gzipped`,
    `XState baseline (setup, createActor, fromPromise, assign): ${kB(baseline.gzipped)} gzipped`,
    `library's own share: ${kB(library)} gzipped, ${verdict} the ${kB(LIBRARY_BUDGET)} ceiling; target ${kB(LIBRARY_TARGET)} ${target}`,
    `React entry (xstate-background-cache/react, all four hooks) on top of that app: ${kB(react)} gzipped, ${react < REACT_BUDGET ? 'under' : 'NOT under'} its ${kB(REACT_BUDGET)} budget`,
    'library sources in the app (minified bytes):',
    ...app.parts.map(({ path, bytes }) => `  ${String(bytes).padStart(6)}  ${path}`),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await measureSize();
  console.log(formatReport(report));
  const leaked = report.app.parts.filter(({ path }) => MUST_TREE_SHAKE.some((folder) => path.startsWith(folder)));
  if (leaked.length) console.error(`not tree-shaken: ${leaked.map(({ path }) => path).join(', ')}`);
  if (report.app.importsReact) console.error('not tree-shaken: the app imports react');
  if (report.library > LIBRARY_BUDGET || report.react >= REACT_BUDGET || leaked.length || report.app.importsReact) {
    process.exitCode = 1;
  }
}
