/**
 * `npm run test:browser`: builds the page in examples/browser with Vite and
 * drives it in headless Chromium (Debian's `chromium`, through
 * playwright-core). It clicks through every state of the chart, checks that
 * the page shows each one, that nothing is logged as an error, and saves a
 * screenshot under test-results/. Not part of `npm test`: it needs a browser.
 *
 * The page runs on its test clock (`?testclock`): the test moves time itself,
 * so a slow or loaded machine delays the run but cannot change what it sees.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { build, preview } from 'vite';
import { backgroundCacheMachine } from '../../../src/index.js';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { Tally } from './tally.js';

const CONFIG = fileURLToPath(new URL('../../../examples/browser/vite.config.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../test-results/', import.meta.url));
/**
 * Short lifetimes (fresh for 800 ms, expired at 1.6 s) on the page's test clock (`?testclock`): time moves only
 * when a step calls {@link advance}, so every check holds however slowly the machine runs the page.
 */
const QUERY = '?testclock&ttl=1600&window=800&fast=150&slow=600&failing=150';
const LATENCY = { fast: 150, slow: 600, failing: 150 };
const FRESH_FOR = 800;
const TTL = 1600;
/** How long to wait for the page to show something. A bound on a slow machine, not a timing check: the page's time stands still while the test waits. */
const STEP_TIMEOUT = 30_000;

/** Moves the page's clock on by `ms` and waits until the page has reacted. */
async function advance(page: Page, ms: number): Promise<void> {
  await page.evaluate(async (by) => {
    if (!window.testClock) throw new Error('the page was not opened with ?testclock');
    await window.testClock.advance(by);
  }, ms);
}

/** The page's time, in ms since it loaded. */
async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => window.testClock!.now());
}

/** Waits until the page shows `state`, in its state line and lit in its chart. */
async function expectState(page: Page, state: string): Promise<void> {
  await page.waitForSelector(`#current-state[data-state="${state}"]`, { timeout: STEP_TIMEOUT });
  await page.waitForSelector(`#chart li.active[data-path="${state}"]`, { timeout: STEP_TIMEOUT });
}

/** Checks that the page shows `state` now: for a state that must not have changed yet. */
async function expectStateNow(page: Page, state: string): Promise<void> {
  expectEqual(await page.locator('#current-state').getAttribute('data-state'), state, 'state');
}

/** Waits until the timeline has a line containing `text`, from `who` when given. */
async function expectTimeline(page: Page, text: string, who?: string): Promise<void> {
  let rows = page.locator('#timeline tr').filter({ hasText: text });
  if (who) rows = rows.filter({ has: page.locator('td:nth-child(3)', { hasText: who }) });
  await rows
    .first()
    .waitFor({ timeout: STEP_TIMEOUT })
    .catch(() => {
      throw new Error(`the timeline has no line ${who ? `from ${who} ` : ''}with ${JSON.stringify(text)}`);
    });
}

function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Every state node of the chart (compound and atomic), as the page should list them. */
function chartStateCount(node: { states: Record<string, unknown> }): number {
  return Object.values(node.states).reduce<number>(
    (count, child) => count + 1 + chartStateCount(child as { states: Record<string, unknown> }),
    0,
  );
}

// Page time, step by step: value 1 is stored at 600 ms, value 2 at 1550 ms (stale at 2350, expired at 3150).
const steps: [string, (page: Page) => Promise<void>][] = [
  [
    'shows empty on load, with the chart drawn from the machine',
    async (page) => {
      await expectState(page, 'empty');
      expectEqual(
        await page.locator('#chart li').count(),
        chartStateCount(backgroundCacheMachine.root),
        'chart states',
      );
      expectEqual(await page.locator('#current-value').textContent(), '(none)', 'value held');
      expectEqual(await pageNow(page), 0, 'page time');
    },
  ],
  [
    'a first get waits in refreshing.withoutPrevious, then the value is fresh',
    async (page) => {
      await page.click('#get-slow');
      await expectState(page, 'refreshing.withoutPrevious');
      await advance(page, LATENCY.slow - 1);
      await expectStateNow(page, 'refreshing.withoutPrevious');
      await advance(page, 1);
      await expectState(page, 'current.fresh');
      await expectTimeline(page, `got "value 1" after ${LATENCY.slow} ms`, 'reader 1');
      expectEqual(await page.locator('#current-value').textContent(), 'value 1', 'value held');
    },
  ],
  [
    'the value turns stale on its timer',
    async (page) => {
      await advance(page, FRESH_FOR - 1);
      await expectStateNow(page, 'current.fresh');
      await advance(page, 1);
      await expectState(page, 'current.stale');
      await expectTimeline(page, 'refreshAfter: the value is in its refresh window');
    },
  ],
  [
    'a get in the window answers at once and refreshes in the background',
    async (page) => {
      await page.click('#get-fast');
      await expectTimeline(page, 'got "value 1" at once', 'reader 2');
      await expectState(page, 'refreshing.withPrevious');
      await advance(page, LATENCY.fast);
      await expectState(page, 'current.fresh');
      await expectTimeline(page, 'fetch done: the new value is stored');
      expectEqual(await page.locator('#current-value').textContent(), 'value 2', 'value held');
    },
  ],
  [
    'a failed refresh is answered from the previous value',
    async (page) => {
      await advance(page, FRESH_FOR);
      await expectState(page, 'current.stale');
      await page.click('#get-failing');
      await expectTimeline(page, 'got "value 2" at once', 'reader 3');
      await advance(page, LATENCY.failing);
      await expectTimeline(page, 'fetch failed: the previous value is kept');
      await expectState(page, 'current.stale');
      expectEqual(await page.locator('#current-value').textContent(), 'value 2', 'value held');
    },
  ],
  [
    'the value expires at its ttl',
    async (page) => {
      // Value 2 was stored at 1550 ms; it is now 2500 ms.
      await advance(page, TTL - FRESH_FOR - LATENCY.failing - 1);
      await expectStateNow(page, 'current.stale');
      await advance(page, 1);
      await expectState(page, 'empty');
      await expectTimeline(page, 'expireAfter: ttl reached, the value is dropped');
    },
  ],
  [
    'seed stores a fresh value and invalidate drops it',
    async (page) => {
      await page.click('#seed');
      await expectState(page, 'current.fresh');
      expectEqual(await page.locator('#current-value').textContent(), 'seeded 1', 'value held');
      await page.click('#invalidate');
      await expectState(page, 'empty');
    },
  ],
  [
    'invalidate while a fetch is in flight: its waiter still gets it, the cache does not keep it',
    async (page) => {
      await page.click('#get-slow');
      await expectState(page, 'refreshing.withoutPrevious');
      await page.click('#invalidate');
      await expectState(page, 'empty');
      await advance(page, LATENCY.slow);
      await expectTimeline(page, `got "value 4" after ${LATENCY.slow} ms`, 'reader 4');
      await expectStateNow(page, 'empty');
    },
  ],
  [
    'a failing first fetch rejects its reader',
    async (page) => {
      await page.click('#get-failing');
      await expectState(page, 'refreshing.withoutPrevious');
      await advance(page, LATENCY.failing);
      await expectTimeline(page, 'rejected: 503 Service Unavailable', 'reader 5');
      await expectState(page, 'empty');
    },
  ],
  [
    'a last get, for the screenshot',
    async (page) => {
      await page.click('#get-fast');
      await advance(page, LATENCY.fast);
      await expectState(page, 'current.fresh');
      await page.click('#get-fast');
      await expectTimeline(page, 'got "value 6" at once', 'reader 7');
    },
  ],
];

async function main(): Promise<number> {
  await build({ configFile: CONFIG });
  const server = await preview({ configFile: CONFIG, preview: { host: '127.0.0.1', port: 4173 } });
  const baseUrl = server.resolvedUrls?.local[0];
  if (!baseUrl) throw new Error('vite preview did not report its URL');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const tally = new Tally();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    // The Stately inspector's page is stubbed: the test runs offline.
    await context.route('https://stately.ai/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>inspector stub</title>' }),
    );
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${baseUrl}${QUERY}`);
    for (const [name, step] of steps) {
      if (!(await tally.check(name, () => step(page)))) break;
    }
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: `${RESULTS}browser-page.png`, fullPage: true });
    console.log(`  screenshot: test-results/browser-page.png`);

    // `?inspect` hands the cache to the Stately inspector, in a window of its own.
    const popup = context.waitForEvent('page', { timeout: STEP_TIMEOUT });
    await page.goto(`${baseUrl}${QUERY}&inspect`);
    await popup;
    await page.click('#get-fast');
    await advance(page, LATENCY.fast);
    await expectState(page, 'current.fresh');
    const settings = await page.locator('#settings').textContent();
    if (settings?.includes('streaming to the Stately inspector')) tally.pass('?inspect connects the Stately inspector');
    else tally.fail('?inspect connects the Stately inspector', `the page says ${JSON.stringify(settings)}`);
    tally.none('no console errors', errors);
  } finally {
    await browser.close();
    await server.close();
  }
  return tally.summary('browser');
}

process.exitCode = await main();
