/**
 * `npm run test:browser` (after run.ts): the React hooks in headless Chromium.
 * Bundles test/platform/browser/react-page.tsx with esbuild (React's development build,
 * so that StrictMode double-mounts), serves it on 127.0.0.1, and drives it:
 * the cache clock is a `SimulatedClock` the test advances through
 * `page.evaluate`, and the backend's calls wait until the test settles them,
 * so nothing depends on how fast the machine is. Then builds the example app
 * (examples/react, Vite) and saves a screenshot of it under test-results/.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { build as viteBuild, preview } from 'vite';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { Tally } from './tally.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS = `${ROOT}test-results/`;
const EXAMPLE_CONFIG = `${ROOT}examples/react/vite.config.ts`;
/** Generous: a loaded 2-core machine; no step waits on real time for its outcome. */
const STEP_TIMEOUT = 10_000;
const ROWS = 20;

type Read = {
  calls: { key: unknown; aborted: boolean }[];
  commits: Record<string, number>;
  mounts: Record<string, number>;
  peek: { state: unknown; value: unknown };
  keyedV2: boolean;
  keyedSnapshots: boolean;
  text: string;
};

interface Harness {
  setup(name: string, options?: { failing?: boolean; errorTtl?: number }): void;
  unmount(): void;
  advance(ms: number): Promise<void>;
  resolve(key: unknown, value: string): void;
  invalidate(): void;
  seed(key?: number): void;
  read(): Read;
}
declare const harness: Harness;

/** Render counts measured, for the report. */
const measured: string[] = [];

function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const read = (page: Page) => page.evaluate(() => harness.read());
const setup = (page: Page, name: string, options: { failing?: boolean; errorTtl?: number } = {}) =>
  page.evaluate(([name, options]) => harness.setup(name, options), [name, options] as const);
const advance = (page: Page, ms: number) => page.evaluate((ms) => harness.advance(ms), ms);
const resolve = (page: Page, key: unknown, value: string) =>
  page.evaluate(([key, value]) => harness.resolve(key, value), [key, value] as const);

/** Waits until `selector`'s text is `text`. */
async function expectText(page: Page, selector: string, text: string): Promise<void> {
  await page
    .waitForFunction(
      ({ selector, text }) => document.querySelector(selector)?.textContent === text,
      { selector, text },
      { timeout: STEP_TIMEOUT },
    )
    .catch(async () => {
      const actual = await page.evaluate((selector) => document.querySelector(selector)?.textContent, selector);
      throw new Error(`${selector}: expected ${JSON.stringify(text)}, shows ${JSON.stringify(actual)}`);
    });
}

const steps: [string, (page: Page) => Promise<void>][] = [
  [
    'a component shows the value; the StrictMode double mount fetches once',
    async (page) => {
      await setup(page, 'single');
      await expectText(page, '#single', '- | refreshing.withoutPrevious | ');
      expectEqual((await read(page)).calls, [{ key: 'single', aborted: false }], 'backend calls');
      await resolve(page, 'single', 'v1');
      await expectText(page, '#single', 'v1 | current.fresh | ');
    },
  ],
  [
    'it updates after a background refresh, without remounting',
    async (page) => {
      const before = await read(page);
      await advance(page, 600);
      await expectText(page, '#single', 'v1 | refreshing.withPrevious | ');
      await resolve(page, 'single', 'v2');
      await expectText(page, '#single', 'v2 | current.fresh | ');
      const after = await read(page);
      expectEqual(after.calls.length, 2, 'backend calls');
      expectEqual(after.mounts, before.mounts, 'mounts');
      measured.push(
        `single: ${after.commits['single']} commits (mount 2 in StrictMode, then fetch started, v1, stale, refreshing, v2)`,
      );
    },
  ],
  [
    'it shows the error and does not fetch again over 3 s of cache time (no errorTtl)',
    async (page) => {
      await setup(page, 'single', { failing: true });
      await expectText(page, '#single', '- | empty | 503 Service Unavailable');
      await advance(page, 3_000);
      expectEqual((await read(page)).calls.length, 1, 'backend calls over 3 s');
    },
  ],
  [
    'with errorTtl 1 s it fetches once per errorTtl over 3 s, showing failed between',
    async (page) => {
      await setup(page, 'single', { failing: true, errorTtl: 1_000 });
      await expectText(page, '#single', '- | failed | 503 Service Unavailable');
      await advance(page, 3_000);
      expectEqual((await read(page)).calls.length, 4, 'backend calls over 3 s (at 0, 1, 2 and 3 s)');
    },
  ],
  [
    'on unmount it stops waiting (its signal) while the fetch the cache owns runs on and is stored',
    async (page) => {
      await setup(page, 'single');
      await expectText(page, '#single', '- | refreshing.withoutPrevious | ');
      await page.evaluate(() => harness.unmount());
      expectEqual((await read(page)).calls, [{ key: 'single', aborted: false }], 'backend calls after unmount');
      await resolve(page, 'single', 'late');
      await page.waitForFunction(() => harness.read().peek.value === 'late', undefined, { timeout: STEP_TIMEOUT });
    },
  ],
  [
    'a superseded fetch that nobody waits on any more aborts',
    async (page) => {
      await setup(page, 'single');
      await expectText(page, '#single', '- | refreshing.withoutPrevious | ');
      await page.evaluate(() => harness.invalidate());
      expectEqual((await read(page)).calls, [{ key: 'single', aborted: false }], 'superseded, still waited on');
      await page.evaluate(() => harness.unmount());
      expectEqual((await read(page)).calls, [{ key: 'single', aborted: true }], 'after unmount');
    },
  ],
  [
    `a list of ${ROWS} rows re-renders each row as its key resolves, and no other`,
    async (page) => {
      await setup(page, 'keyed');
      await page.waitForFunction((rows) => harness.read().calls.length >= rows, ROWS, { timeout: STEP_TIMEOUT });
      const start = await read(page);
      expectEqual(
        start.calls.map(({ key }) => key),
        Array.from({ length: ROWS }, (_, id) => id),
        'one fetch per key',
      );
      // Resolved out of order.
      const order = Array.from({ length: ROWS }, (_, i) => (i * 7) % ROWS);
      for (const id of order) {
        const before = await read(page);
        await resolve(page, id, `row ${id}`);
        await expectText(page, `[data-row="${id}"]`, `row ${id}`);
        const after = await read(page);
        const changed = Object.keys(after.commits).filter((row) => after.commits[row] !== before.commits[row]);
        expectEqual(changed, [`row ${id}`], `rows re-rendered when key ${id} resolved`);
      }
      const end = await read(page);
      measured.push(
        `keyed list: commits per row ${JSON.stringify([...new Set(Object.values(end.commits))])} (2 for the StrictMode mount, 1 when its key resolved)`,
      );
    },
  ],
  [
    'the Suspense hook shows the fallback, then the value',
    async (page) => {
      await setup(page, 'suspense');
      await expectText(page, '#stage', 'loading');
      await resolve(page, 'single', 'suspended value');
      await expectText(page, '#value', 'suspended value');
      expectEqual((await read(page)).calls.length, 1, 'backend calls');
    },
  ],
  [
    'the Suspense hook throws a failure to the error boundary, fetching once',
    async (page) => {
      await setup(page, 'suspense', { failing: true });
      await expectText(page, '.boundary', 'error: 503 Service Unavailable');
      expectEqual((await read(page)).calls.length, 1, 'backend calls');
    },
  ],
  [
    "useSelector from @xstate/react on the cache's actor re-renders after a change",
    async (page) => {
      await setup(page, 'selector-single');
      await expectText(page, '#selector', '"empty"');
      await page.evaluate(() => harness.seed());
      await expectText(page, '#selector', '{"current":"fresh"}');
    },
  ],
  [
    "useSelector from @xstate/react on the keyed cache's actor re-renders after a change",
    async (page) => {
      await setup(page, 'selector-keyed');
      await expectText(page, '#selector', 'keys: 0');
      await page.evaluate(() => harness.seed(3));
      await expectText(page, '#selector', 'keys: 1');
    },
  ],
];

/**
 * Steps that need what the keyed cache is still getting (SPEC v2), each with
 * the feature the page detects: they are reported as skipped until it has
 * it (or run anyway with REACT_KEYED=1).
 */
const NEEDS: Record<string, { feature: 'keyedV2' | 'keyedSnapshots'; missing: string }> = {
  [steps[6]![0]]: {
    feature: 'keyedV2',
    missing: 'the keyed cache has no peek(key) / get(key, { signal }) / refresh(key) yet',
  },
  [steps[10]![0]]: {
    feature: 'keyedSnapshots',
    missing: "the keyed cache's actor hands out the same snapshot object after a key changes",
  },
};

async function servePage(): Promise<{ url: string; close: () => Promise<void> }> {
  const result = await esbuild({
    entryPoints: [`${ROOT}test/platform/browser/react-page.tsx`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    write: false,
    alias: {
      'xstate-background-cache/react': `${ROOT}src/react/index.ts`,
      'xstate-background-cache': `${ROOT}src/index.ts`,
    },
    // React's development build: StrictMode double-mounts only there.
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'warning',
  });
  const script = result.outputFiles[0]!.text;
  const html =
    '<!doctype html><meta charset="utf-8"><title>react hooks</title><div id="stage"></div><script type="module" src="page.js"></script>';
  const server = createServer((request, response) => {
    const js = request.url === '/page.js';
    response.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    response.end(js ? script : html);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((closed) => server.close(() => closed())) };
}

async function main(): Promise<number> {
  const served = await servePage();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const tally = new Tally();
  let skipped = 0;
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(served.url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: STEP_TIMEOUT });
    const features = await page.evaluate(() => {
      harness.setup('none');
      return harness.read();
    });
    console.log('react hooks (StrictMode, React development build):');
    for (const [name, step] of steps) {
      const need = NEEDS[name];
      if (need && !features[need.feature] && !process.env['REACT_KEYED']) {
        skipped++;
        console.log(`  - ${name}\n      SKIPPED: ${need.missing}`);
        continue;
      }
      await tally.check(name, () => step(page));
    }
    // React reports an error caught by a boundary on the console: that one is expected.
    const unexpected = errors.filter((error) => !error.includes('503 Service Unavailable'));
    tally.none('no console errors (but the error boundary’s own report)', unexpected);
    for (const line of measured) console.log(`  measured: ${line}`);

    if (features.keyedV2 || process.env['REACT_KEYED']) {
      await tally.check('example app (examples/react)', () => screenshotExample(page));
    } else {
      skipped++;
      console.log("  - example app (examples/react)\n      SKIPPED: its users list needs the keyed cache's v2 surface");
    }
  } finally {
    await browser.close();
    await served.close();
  }
  return tally.summary('react', skipped ? `, ${skipped} skipped` : '');
}

/** Builds examples/react with Vite, opens it, waits for every panel to show a value, saves a screenshot. */
async function screenshotExample(page: Page): Promise<void> {
  await viteBuild({ configFile: EXAMPLE_CONFIG });
  const server = await preview({ configFile: EXAMPLE_CONFIG, preview: { host: '127.0.0.1', port: 0 } });
  try {
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite preview did not report its URL');
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.waitForSelector('body[data-settled="true"]', { state: 'attached', timeout: STEP_TIMEOUT });
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: `${RESULTS}react-example.png`, fullPage: true });
    const named = await page.locator('.users li span').allTextContents();
    expectEqual(named.filter((name) => name.includes('#')).length, 20, 'user rows showing a name');
    expectEqual(errors, [], 'page errors');
    const counts = await page.locator('#render-counts').textContent();
    console.log(`  screenshot: test-results/react-example.png; ${counts}`);
  } finally {
    await new Promise<void>((closed) => server.httpServer.close(() => closed()));
  }
}

process.exitCode = await main();
