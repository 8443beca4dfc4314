/**
 * The demo's timeline: one line per thing that happened, with the elapsed
 * time, the chart's state after it, who did it and what they saw.
 */

/** How a line reads: a success, a warning, a failure, or background noise. */
export type Tone = 'plain' | 'good' | 'warn' | 'bad' | 'dim';

export interface TimelineEntry {
  /** Milliseconds since the demo started. */
  readonly at: number;
  /** The chart's state after it happened: 'empty', 'current.fresh', ... */
  readonly state: string;
  /** Who did it: a reader, the backend, the cache (a transition), the demo. */
  readonly who: string;
  readonly what: string;
  readonly tone: Tone;
}

const ANSI = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  cyan: '\u001b[36m',
  magenta: '\u001b[35m',
} as const;

const STATE_COLOURS: Record<string, string> = {
  empty: ANSI.dim,
  'current.fresh': ANSI.green,
  'current.stale': ANSI.yellow,
  'refreshing.withPrevious': ANSI.cyan,
  'refreshing.withoutPrevious': ANSI.magenta,
};

const TONE_COLOURS: Record<Tone, string> = {
  plain: '',
  good: ANSI.green,
  warn: ANSI.yellow,
  bad: ANSI.red,
  dim: ANSI.dim,
};

const STATE_WIDTH = 'refreshing.withoutPrevious'.length;
const WHO_WIDTH = 'reader A'.length + 1;

/** The column titles, aligned with {@link formatEntry}'s lines. */
export const TIMELINE_HEADER = `${'time'.padStart(7)}  ${'state'.padEnd(STATE_WIDTH)}  ${'who'.padEnd(WHO_WIDTH)}  what`;

/**
 * One timeline line. With `color`, the state is coloured by kind (fresh
 * green, stale yellow, refreshing cyan or magenta, empty dim) and the text by
 * its tone.
 */
export function formatEntry(entry: TimelineEntry, color: boolean): string {
  const paint = (code: string | undefined, text: string) => (color && code ? `${code}${text}${ANSI.reset}` : text);
  const time = `${(entry.at / 1000).toFixed(3)}s`.padStart(7);
  const state = paint(STATE_COLOURS[entry.state], entry.state.padEnd(STATE_WIDTH));
  const who = paint(ANSI.bold, entry.who.padEnd(WHO_WIDTH));
  return `${paint(ANSI.dim, time)}  ${state}  ${who}  ${paint(TONE_COLOURS[entry.tone], entry.what)}`;
}

/**
 * Whether to colour output written to `stream`: only a terminal that has
 * colours (Node's `hasColors()` honours `NO_COLOR`, `FORCE_COLOR` and `TERM`),
 * never a pipe or a file.
 */
export function supportsColor(stream: { isTTY?: boolean; hasColors?: () => boolean }): boolean {
  return stream.isTTY === true && typeof stream.hasColors === 'function' && stream.hasColors();
}
