/**
 * `npm run size`: what the library adds to a browser app. Bundles, with
 * esbuild for the browser, minified and gzipped, an app that imports only
 * `createBackgroundCache`, and a baseline app that imports only the XState
 * pieces such a cache is built from (`setup`, `createActor`, `assign`,
 * `emit`, `and`, `enqueueActions`, `toObserver`: exactly what `src/` imports
 * from `xstate` at run time). The difference is the library's own share, held to
 * {@link LIBRARY_BUDGET} by `test/platform/size.test.ts` and reported against
 * {@link LIBRARY_TARGET}. Each plug-in entry ({@link ENTRIES}) is measured the
 * same way, as what it adds to that app, and held to its own budget
 * ({@link ENTRY_BUDGET} unless it says otherwise). Exits with code 1 over a
 * budget.
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Gzipped bytes issue 4 asks the library to add at most on top of the XState baseline: 1.5 kB. Not met (see README). */
export const LIBRARY_TARGET = 1_500;

/**
 * Gzipped bytes the library's share may not exceed: what the full version 2
 * feature set (the grown chart, flight runner, adapter with the Part 2
 * options and the plug-in wiring, sleep-proof clock, clear errors, redaction)
 * measures, plus 2%. It keeps the share from growing while the targets are
 * missed: issue 4's 1.5 kB, and issue 10's 2.9 kB (version 1's 2.3 kB ceiling
 * plus 0.6 kB); see the README's Size section.
 */
export const LIBRARY_BUDGET = 6_150;

/** Source folders whose code an app that uses only `createBackgroundCache` must not carry. */
export const MUST_TREE_SHAKE = [
  'src/testing/',
  'src/keyed/',
  'src/persist/',
  'src/browser/',
  'src/share/',
  'src/react/',
];

/** Gzipped bytes a plug-in entry may add, of its own, to an app that uses `createBackgroundCache`, unless it has its own budget. */
export const ENTRY_BUDGET = 600;

/**
 * The plug-in entries, each with the lines an app adds to {@link APP} to use
 * it. An entry's own share is that app's size minus {@link APP}'s, held to
 * its `budget` (default {@link ENTRY_BUDGET}).
 */
export const ENTRIES: readonly {
  readonly entry: string;
  readonly folder: string;
  readonly usage: string;
  readonly budget?: number;
}[] = [
  {
    entry: 'xstate-background-cache/persist',
    folder: 'src/persist/',
    usage: `import { storagePersister } from 'xstate-background-cache/persist';\nexport const persist = storagePersister('key');\n`,
  },
  {
    entry: 'xstate-background-cache/browser',
    folder: 'src/browser/',
    usage: `import { refreshOnOnline, refreshOnVisible } from 'xstate-background-cache/browser';\nexport const refreshOn = [refreshOnVisible(), refreshOnOnline()];\n`,
  },
  {
    entry: 'xstate-background-cache/share',
    folder: 'src/share/',
    usage: `import { shareAcrossTabs } from 'xstate-background-cache/share';\nexport const share = shareAcrossTabs('token');\n`,
    // Issue 12: under 1.2 kB.
    budget: 1_200,
  },
  {
    entry: 'xstate-background-cache/react',
    folder: 'src/react/',
    usage: `import { useBackgroundCache, useKeyedBackgroundCache, useSuspenseBackgroundCache, useSuspenseKeyedBackgroundCache } from 'xstate-background-cache/react';\nexport const hooks = [useBackgroundCache, useKeyedBackgroundCache, useSuspenseBackgroundCache, useSuspenseKeyedBackgroundCache];\n`,
    // Issue 13: under 1 kB, all four hooks used (React itself external: the app has its own).
    budget: 999,
  },
];

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const APP = `import { createBackgroundCache } from 'xstate-background-cache';\nexport const cache = createBackgroundCache({ ttl: 60_000, refreshWindow: 10_000 });\n`;
export const BASELINE_APP = `import { and, assign, createActor, emit, enqueueActions, setup, toObserver } from 'xstate';\nexport const parts = [and, assign, createActor, emit, enqueueActions, setup, toObserver];\n`;

export interface Bundle {
  readonly minified: number;
  readonly gzipped: number;
  /** Minified bytes each source file of the project contributes, largest first. */
  readonly parts: readonly { readonly path: string; readonly bytes: number }[];
  /** The bundle imports `react` (kept external: only the React entry may bring it in). */
  readonly importsReact: boolean;
}

export interface SizeReport {
  readonly app: Bundle;
  readonly baseline: Bundle;
  /** Gzipped bytes the library adds on top of the baseline. */
  readonly library: number;
  /** Gzipped bytes each plug-in entry adds on top of {@link SizeReport.app}, by entry name. */
  readonly entries: readonly { readonly entry: string; readonly folder: string; readonly bytes: number }[];
}

/** Bundles `source` as a browser app would ship it; the package name and its entries resolve to `src/`. */
export async function bundle(source: string): Promise<Bundle> {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts', sourcefile: 'app.ts' },
    absWorkingDir: ROOT,
    alias: {
      'xstate-background-cache': './src/index.ts',
      'xstate-background-cache/persist': './src/persist/index.ts',
      'xstate-background-cache/browser': './src/browser/index.ts',
      'xstate-background-cache/share': './src/share/index.ts',
      'xstate-background-cache/react': './src/react/index.ts',
    },
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
  const [app, baseline, ...withEntries] = await Promise.all([
    bundle(APP),
    bundle(BASELINE_APP),
    ...ENTRIES.map(({ usage }) => bundle(`${APP}${usage}`)),
  ]);
  const entries = ENTRIES.map(({ entry, folder }, index) => ({
    entry,
    folder,
    bytes: (withEntries[index]?.gzipped ?? Number.NaN) - app.gzipped,
  }));
  return { app, baseline, library: app.gzipped - baseline.gzipped, entries };
}

/** The gzipped bytes `entry` may add of its own. */
export const budgetOf = (entry: string): number =>
  ENTRIES.find((candidate) => candidate.entry === entry)?.budget ?? ENTRY_BUDGET;

const kB = (bytes: number) => `${(bytes / 1000).toFixed(2)} kB`;

/** The report as `npm run size` prints it. */
export function formatReport({ app, baseline, library, entries }: SizeReport): string {
  const verdict = library <= LIBRARY_BUDGET ? 'within' : 'OVER';
  const target = library <= LIBRARY_TARGET ? 'met' : 'missed';
  return [
    `app importing createBackgroundCache: ${kB(app.minified)} minified, ${kB(app.gzipped)} gzipped`,
    `XState baseline (what src/ imports from xstate): ${kB(baseline.gzipped)} gzipped`,
    `library's own share: ${kB(library)} gzipped, ${verdict} the ${kB(LIBRARY_BUDGET)} ceiling; target ${kB(LIBRARY_TARGET)} ${target}`,
    'library sources in the app (minified bytes):',
    ...app.parts.map(({ path, bytes }) => `  ${String(bytes).padStart(6)}  ${path}`),
    ...entries.map(({ entry, bytes }) => {
      const budget = budgetOf(entry);
      return `${entry} adds ${kB(bytes)} gzipped, ${bytes <= budget ? 'within' : 'OVER'} its ${kB(budget)} budget`;
    }),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await measureSize();
  console.log(formatReport(report));
  const leaked = report.app.parts.filter(({ path }) => MUST_TREE_SHAKE.some((folder) => path.startsWith(folder)));
  if (leaked.length) console.error(`not tree-shaken: ${leaked.map(({ path }) => path).join(', ')}`);
  const overEntries = report.entries.some(({ entry, bytes }) => !(bytes <= budgetOf(entry)));
  if (report.app.importsReact) console.error('not tree-shaken: the app imports react');
  if (report.library > LIBRARY_BUDGET || leaked.length || overEntries || report.app.importsReact) process.exitCode = 1;
}
