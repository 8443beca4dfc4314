/**
 * `npm run test:browser` (after `run.ts`), or `npx tsx test/platform/browser/persist.ts`:
 * SPEC guarantees 16 and 18 in headless Chromium. Bundles
 * `test/platform/browser/persist/page.ts` with esbuild, serves it and a counting backend
 * (`/api/value`) from node:http on 127.0.0.1, and drives the page: reloads that
 * find the value with its age, `localStorage` full of garbage and full to the
 * quota, visibility changes and `context.setOffline()` triggering refreshes,
 * and the listeners gone after `stop()`. The cache clock is the page's
 * `SimulatedClock` and `Date` is fixed with Playwright's clock, both moved by
 * the test: nothing depends on how fast the machine is.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { ERROR_TTL, KEY, TTL, WINDOW } from './persist/constants.js';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { Tally } from './tally.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Bounds each wait for the page; generous, for a loaded machine. No assertion depends on it. */
const STEP_TIMEOUT = 10_000;
/** Wall-clock time of the first visit. */
const T0 = Date.UTC(2026, 11, 2, 4, 0, 0);

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./persist/page.ts', import.meta.url))],
    absWorkingDir: ROOT,
    alias: {
      'xstate-background-cache': './src/index.ts',
      'xstate-background-cache/persist': './src/persist/index.ts',
      'xstate-background-cache/browser': './src/browser/index.ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no page');
  return output.text;
}

/** The page, its script, and a backend that answers `{ n }` (the number of its call) or 503 when failing. */
async function startServer(script: string) {
  const backend = { calls: 0, failing: false, padding: '' };
  const server = createServer((request, response) => {
    if (request.url === '/api/value') {
      backend.calls++;
      if (backend.failing) {
        response.writeHead(503, 'Service Unavailable').end();
      } else {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(backend.padding ? { n: backend.calls, padding: backend.padding } : { n: backend.calls }));
      }
    } else if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>persist</title><body><script type="module" src="/page.js"></script></body>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, backend, close: () => new Promise((resolve) => server.close(resolve)) };
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

interface Run {
  page: Page;
  context: BrowserContext;
  cdp: CDPSession;
  backend: { calls: number; failing: boolean; padding: string };
  url: string;
}

const observe = (page: Page) => page.evaluate(() => window.persistTest.observe());
const atCreate = (page: Page) => page.evaluate(() => window.persistTest.atCreate);
const saved = (page: Page) =>
  page.evaluate((key) => {
    const text = localStorage.getItem(key);
    return text === null ? null : (JSON.parse(text) as unknown);
  }, KEY);
const errors = (page: Page) => page.evaluate(() => window.persistTest.errors);
const waitForState = (page: Page, state: string) =>
  page.waitForFunction((expected) => window.persistTest.observe().state === expected, state, {
    timeout: STEP_TIMEOUT,
  });

/** Moves both clocks: the page's cache clock and `Date`. */
async function advance({ page, context }: Run, ms: number, now: { at: number }): Promise<void> {
  now.at += ms;
  await context.clock.setFixedTime(now.at);
  await page.evaluate((by) => window.persistTest.clock.increment(by), ms);
}

/** Reloads the page at wall-clock time `at` and waits for its script to have run. */
async function reloadAt({ page, context }: Run, at: number): Promise<void> {
  await context.clock.setFixedTime(at);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: STEP_TIMEOUT });
}

/** Hides then shows the page; returns the state right after each event. */
const hideAndShow = (page: Page) =>
  page.evaluate(() => {
    window.persistTest.setVisibility('hidden');
    const hidden = window.persistTest.observe().state;
    window.persistTest.setVisibility('visible');
    return [hidden, window.persistTest.observe().state];
  });

/** Takes the browser offline and back; returns the state right after the page saw `online`. */
async function offlineAndBack({ page, context }: Run): Promise<string> {
  await page.evaluate(() => window.persistTest.networkEvents.splice(0));
  await context.setOffline(true);
  await page.waitForFunction(() => window.persistTest.networkEvents.includes('offline'), null, {
    timeout: STEP_TIMEOUT,
  });
  await context.setOffline(false);
  await page.waitForFunction(() => window.persistTest.networkEvents.includes('online'), null, {
    timeout: STEP_TIMEOUT,
  });
  return page.evaluate(() => window.persistTest.networkEvents.at(-1) ?? '');
}

/** Listeners of `type` on the page's `target` (`document` or `window`), as DevTools counts them. */
async function listenerCount({ cdp }: Run, target: 'document' | 'window', type: string): Promise<number> {
  const { result } = await cdp.send('Runtime.evaluate', { expression: target });
  if (!result.objectId) throw new Error(`no ${target}`);
  const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
  await cdp.send('Runtime.releaseObject', { objectId: result.objectId });
  return listeners.filter((listener) => listener.type === type).length;
}

const now = { at: T0 };

const steps: [string, (run: Run) => Promise<void>][] = [
  [
    'a first visit finds nothing, fetches once and saves the value with its storedAt',
    async (run) => {
      expectEqual((await atCreate(run.page)).state, 'empty', 'state at create');
      expectEqual(await run.page.evaluate(() => window.persistTest.cache.get()), { n: 1 }, 'get');
      expectEqual(run.backend.calls, 1, 'backend calls');
      expectEqual(await saved(run.page), { v: 1, storedAt: T0, value: { n: 1 } }, 'saved entry');
    },
  ],
  [
    'a reload 20 s later has the value when createBackgroundCache returns, 20 s old, and makes no backend call',
    async (run) => {
      now.at = T0 + 20_000;
      await reloadAt(run, now.at);
      expectEqual(
        await atCreate(run.page),
        { state: 'current.fresh', value: { n: 1 }, fresh: { n: 1 }, age: 20_000 },
        'at create',
      );
      expectEqual(await run.page.evaluate(() => window.persistTest.cache.get()), { n: 1 }, 'get');
      expectEqual(run.backend.calls, 1, 'backend calls');
    },
  ],
  [
    'a reload in the refresh window serves the value at once and refreshes it with one backend call',
    async (run) => {
      now.at = T0 + TTL - WINDOW + 5_000;
      await reloadAt(run, now.at);
      expectEqual(
        await atCreate(run.page),
        { state: 'current.stale', value: { n: 1 }, age: TTL - WINDOW + 5_000 },
        'at create',
      );
      expectEqual(await run.page.evaluate(() => window.persistTest.cache.get()), { n: 1 }, 'get');
      await waitForState(run.page, 'current.fresh');
      expectEqual(run.backend.calls, 2, 'backend calls');
      expectEqual(await saved(run.page), { v: 1, storedAt: now.at, value: { n: 2 } }, 'saved entry');
    },
  ],
  [
    'a reload after ttl serves nothing, removes the entry, and the next get makes one backend call',
    async (run) => {
      now.at += TTL;
      await reloadAt(run, now.at);
      expectEqual(await atCreate(run.page), { state: 'empty' }, 'at create');
      expectEqual(await saved(run.page), null, 'saved entry');
      expectEqual(run.backend.calls, 2, 'backend calls before get');
      expectEqual(await run.page.evaluate(() => window.persistTest.cache.get()), { n: 3 }, 'get');
      expectEqual(run.backend.calls, 3, 'backend calls');
    },
  ],
  [
    'an entry dated in the future (the wall clock was set back an hour) is removed, not served',
    async (run) => {
      now.at -= 3_600_000;
      await reloadAt(run, now.at);
      expectEqual(await atCreate(run.page), { state: 'empty' }, 'at create');
      expectEqual(await saved(run.page), null, 'saved entry');
      expectEqual(await run.page.evaluate(() => window.persistTest.cache.get()), { n: 4 }, 'get');
      expectEqual(await saved(run.page), { v: 1, storedAt: now.at, value: { n: 4 } }, 'saved entry');
    },
  ],
  [
    'localStorage full of garbage: each bad entry is removed, reported to onError, and nothing breaks',
    async (run) => {
      const garbage: [string, string][] = [
        ['{"v":1,"storedAt":', 'SyntaxError'],
        ['\u0000\ufffd garbage', 'SyntaxError'],
        ['null', 'TypeError: Expected the entry'],
        [JSON.stringify({ v: 2, storedAt: now.at, value: { n: 9 } }), 'TypeError: Expected the entry'],
        [JSON.stringify({ v: 1, storedAt: 'now', value: { n: 9 } }), 'TypeError: Expected the entry'],
        [JSON.stringify({ v: 1, storedAt: now.at, value: { n: 'nine' } }), 'TypeError: The saved value has the wrong'],
      ];
      for (const [text, error] of garbage) {
        await run.page.evaluate(
          ([key, bad]) => {
            for (let i = 0; i < 20; i++) localStorage.setItem(`garbage-${i}`, bad + String(i));
            localStorage.setItem(key, bad);
          },
          [KEY, text] as const,
        );
        await reloadAt(run, now.at);
        expectEqual(await atCreate(run.page), { state: 'empty' }, `at create over ${JSON.stringify(text)}`);
        expectEqual(await saved(run.page), null, 'saved entry');
        const reported = await errors(run.page);
        if (reported.length !== 1 || !reported[0]?.startsWith(error)) {
          throw new Error(
            `onError over ${JSON.stringify(text)}: expected one ${error}, got ${JSON.stringify(reported)}`,
          );
        }
        const others = await run.page.evaluate(() => localStorage.getItem('garbage-3'));
        expectEqual(others, text + '3', 'other keys left alone');
      }
      expectEqual(run.backend.calls, 4, 'backend calls');
      expectEqual(await run.page.evaluate(() => window.persistTest.cache.get()), { n: 5 }, 'get');
      expectEqual(await saved(run.page), { v: 1, storedAt: now.at, value: { n: 5 } }, 'saved entry');
      await run.page.evaluate(() => {
        for (let i = 0; i < 20; i++) localStorage.removeItem(`garbage-${i}`);
      });
    },
  ],
  [
    'a full localStorage: the new value stays in memory, QuotaExceededError goes to onError, the old entry goes',
    async (run) => {
      await run.page.evaluate(() => window.persistTest.cache.get());
      expectEqual((await saved(run.page)) !== null, true, 'an entry saved before');
      const filled = await run.page.evaluate(() => window.persistTest.fillStorage().length);
      if (filled < 10) throw new Error(`filled localStorage with only ${filled} items`);
      // A larger value than the one saved, so that it cannot take the older entry's place.
      run.backend.padding = 'x'.repeat(1_000);
      const refreshed = await run.page.evaluate(() => window.persistTest.cache.refresh());
      run.backend.padding = '';
      expectEqual(refreshed.n, 6, 'refresh');
      expectEqual((await observe(run.page)).fresh, refreshed, 'value in memory');
      const reported = await errors(run.page);
      if (!reported.some((error) => error.startsWith('QuotaExceededError'))) {
        throw new Error(`onError: expected a QuotaExceededError, got ${JSON.stringify(reported)}`);
      }
      expectEqual(await saved(run.page), null, 'the older entry');
      await run.page.evaluate(() => localStorage.clear());
      // Memory only from here: the value is served, no backend call.
      expectEqual((await run.page.evaluate(() => window.persistTest.cache.get())).n, 6, 'get');
      expectEqual(run.backend.calls, 6, 'backend calls');
    },
  ],
  [
    'the page becoming visible: a fresh value is not refreshed',
    async (run) => {
      expectEqual((await observe(run.page)).state, 'current.fresh', 'state before');
      expectEqual(await hideAndShow(run.page), ['current.fresh', 'current.fresh'], 'states after hidden, visible');
      expectEqual((await run.page.evaluate(() => window.persistTest.cache.get())).n, 6, 'get');
      expectEqual(run.backend.calls, 6, 'backend calls');
    },
  ],
  [
    'the page becoming visible: a value in its window is refreshed once (hiding it does nothing)',
    async (run) => {
      await advance(run, TTL - WINDOW, now);
      expectEqual(await hideAndShow(run.page), ['current.stale', 'refreshing.withPrevious'], 'states');
      await waitForState(run.page, 'current.fresh');
      expectEqual(run.backend.calls, 7, 'backend calls');
      expectEqual((await observe(run.page)).fresh, { n: 7 }, 'value');
      expectEqual(await saved(run.page), { v: 1, storedAt: now.at, value: { n: 7 } }, 'saved entry');
    },
  ],
  [
    'the page becoming visible: an expired value is fetched once',
    async (run) => {
      await advance(run, TTL, now);
      expectEqual(await hideAndShow(run.page), ['empty', 'refreshing.withoutPrevious'], 'states');
      await waitForState(run.page, 'current.fresh');
      expectEqual(run.backend.calls, 8, 'backend calls');
    },
  ],
  [
    'back online (context.setOffline): a fresh value is not refreshed',
    async (run) => {
      await run.page.evaluate(() => window.persistTest.watchNetwork(true));
      await offlineAndBack(run);
      expectEqual((await observe(run.page)).state, 'current.fresh', 'state');
      expectEqual(await run.page.evaluate(() => window.persistTest.cache.get()), { n: 8 }, 'get');
      expectEqual(run.backend.calls, 8, 'backend calls');
    },
  ],
  [
    'back online: a value in its window is refreshed once',
    async (run) => {
      await advance(run, TTL - WINDOW, now);
      expectEqual((await observe(run.page)).state, 'current.stale', 'state before');
      await offlineAndBack(run);
      await waitForState(run.page, 'current.fresh');
      expectEqual(run.backend.calls, 9, 'backend calls');
    },
  ],
  [
    'back online: a value that expired while offline is fetched once',
    async (run) => {
      await run.context.setOffline(true);
      await advance(run, TTL, now);
      expectEqual((await observe(run.page)).state, 'empty', 'state while offline');
      await run.context.setOffline(false);
      await waitForState(run.page, 'current.fresh');
      expectEqual(run.backend.calls, 10, 'backend calls');
    },
  ],
  [
    'failed is respected: neither trigger fetches until errorTtl has passed',
    async (run) => {
      run.backend.failing = true;
      const rejected = await run.page.evaluate(() => {
        window.persistTest.cache.invalidate();
        return window.persistTest.cache.get().then(
          () => 'resolved',
          (error: Error) => error.message,
        );
      });
      expectEqual(rejected, '503 Service Unavailable', 'get');
      expectEqual((await observe(run.page)).state, 'failed', 'state');
      expectEqual(run.backend.calls, 11, 'backend calls');
      expectEqual(await hideAndShow(run.page), ['failed', 'failed'], 'states after hidden, visible');
      await offlineAndBack(run);
      expectEqual((await observe(run.page)).state, 'failed', 'state after online');
      expectEqual(run.backend.calls, 11, 'backend calls');
      run.backend.failing = false;
      await advance(run, ERROR_TTL, now);
      expectEqual(await hideAndShow(run.page), ['empty', 'refreshing.withoutPrevious'], 'states after errorTtl');
      await waitForState(run.page, 'current.fresh');
      expectEqual(run.backend.calls, 12, 'backend calls');
    },
  ],
  [
    'stop() removes every listener: none left on document or window',
    async (run) => {
      await run.page.evaluate(() => window.persistTest.watchNetwork(false));
      expectEqual(await listenerCount(run, 'document', 'visibilitychange'), 1, 'visibilitychange before stop');
      expectEqual(await listenerCount(run, 'window', 'online'), 1, 'online before stop');
      await run.page.evaluate(() => window.persistTest.cache.stop());
      expectEqual(await listenerCount(run, 'document', 'visibilitychange'), 0, 'visibilitychange after stop');
      expectEqual(await listenerCount(run, 'window', 'online'), 0, 'online after stop');
      await advance(run, TTL, now);
      await hideAndShow(run.page);
      await run.context.setOffline(true);
      await run.context.setOffline(false);
      expectEqual(run.backend.calls, 12, 'backend calls');
    },
  ],
];

async function main(): Promise<number> {
  const server = await startServer(await bundlePage());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const tally = new Tally();
  try {
    const context = await browser.newContext();
    await context.clock.setFixedTime(T0);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('503')) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: STEP_TIMEOUT });
    const run: Run = {
      page,
      context,
      cdp: await context.newCDPSession(page),
      backend: server.backend,
      url: server.url,
    };
    for (const [name, step] of steps) {
      if (!(await tally.check(name, () => step(run)))) break;
    }
    tally.none('no page errors', problems);
  } finally {
    await browser.close();
    await server.close();
  }
  return tally.summary('browser (persist, refreshOn)');
}

process.exitCode = await main();
