/**
 * `npm start`: the cache in front of a slow backend that sometimes fails, on
 * real timers, for about nine seconds, printed as a timeline. It exits by
 * itself with code 0.
 *
 * `npm start -- --inspect` also streams the run to the Stately inspector
 * (values redacted) and prints the page to open.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createSystemClock } from '../src/index.js';
import { runDemo } from './demo/scenario.js';
import type { DemoTime } from './demo/scenario.js';
import { startStatelyRelay } from './demo/statelyInspector.js';
import { TIMELINE_HEADER, formatEntry, supportsColor } from './demo/timeline.js';

/** How long `--inspect` waits for the inspector page to be opened before the story starts. */
const INSPECT_LEAD_IN_MS = 5_000;

/** Real time: the cache's default kind of clock, and ordinary timers for the script and the backend. */
function realTime(): DemoTime {
  const clock = createSystemClock();
  const start = clock.now();
  const elapsed = () => clock.now() - start;
  return {
    clock,
    elapsed,
    until: (at) => sleep(Math.max(0, at - elapsed())),
    delay: (ms) => sleep(ms),
  };
}

async function main(args: readonly string[]): Promise<number> {
  const unknown = args.filter((arg) => arg !== '--inspect');
  if (unknown.length) {
    console.error(`Unknown argument ${unknown.join(' ')}. Usage: npm start [-- --inspect]`);
    return 2;
  }
  const color = supportsColor(process.stdout);
  const print = (line: string) => process.stdout.write(`${line}\n`);

  const relay = args.includes('--inspect') ? await startStatelyRelay() : undefined;
  if (relay) {
    print(`Stately inspector: open ${relay.pageUrl} in a browser (values show as [redacted]).`);
    print(`The story starts in ${INSPECT_LEAD_IN_MS / 1000} s.\n`);
    await sleep(INSPECT_LEAD_IN_MS);
  }

  print(TIMELINE_HEADER);
  const summary = await runDemo({
    time: realTime(),
    onEntry: (entry) => print(formatEntry(entry, color)),
    ...(relay && { inspect: relay.connect() }),
  });
  relay?.stop();
  print(
    `\n${summary.reads} reads were served by ${summary.backendCalls} backend calls. ` +
      'Next: `npm test`, or `npm start -- --inspect` to watch it in the Stately inspector.',
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
// An open inspector page keeps its socket to the relay; do not let it hold the process.
setTimeout(() => process.exit(), 1_000).unref();
