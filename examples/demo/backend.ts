/**
 * A simulated slow backend for the demo: each call takes the next entry of a
 * script (how long it takes, whether it fails), so that every run shows the
 * same story.
 */

/** One backend call: how long it takes, and the error it fails with, if it fails. */
export interface BackendCall {
  readonly latency: number;
  readonly failure?: string;
}

/** What the backend reports as calls start and settle. */
export type BackendReport =
  | { readonly kind: 'start'; readonly call: number; readonly latency: number }
  | { readonly kind: 'done'; readonly call: number; readonly value: string }
  | { readonly kind: 'fail'; readonly call: number; readonly reason: string }
  | { readonly kind: 'abort'; readonly call: number };

export interface Backend {
  /** The fetch handed to `cache.get`: the next scripted call. */
  readonly fetch: (signal: AbortSignal) => Promise<string>;
  /** How many times the backend was called. */
  readonly calls: number;
}

/**
 * @param script - One entry per call, in order; calls past its end repeat the last entry.
 * @param delay - Waits `ms` (real timers in the demo, a test clock in tests).
 * @param report - Hears each call start and settle.
 */
export function createBackend(
  script: readonly BackendCall[],
  delay: (ms: number) => Promise<void>,
  report: (event: BackendReport) => void,
): Backend {
  let calls = 0;
  const fetch = async (signal: AbortSignal): Promise<string> => {
    const call = ++calls;
    const { latency, failure } = script[Math.min(call, script.length) - 1] ?? { latency: 0 };
    report({ kind: 'start', call, latency });
    signal.addEventListener('abort', () => report({ kind: 'abort', call }), { once: true });
    await delay(latency);
    if (failure !== undefined) {
      report({ kind: 'fail', call, reason: failure });
      throw new Error(failure);
    }
    const value = `config v${call}`;
    report({ kind: 'done', call, value });
    return value;
  };
  return {
    fetch,
    get calls() {
      return calls;
    },
  };
}
