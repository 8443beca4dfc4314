/**
 * The script of the pages (and the dedicated worker) that
 * test/platform/browser/share.ts drives: one token cache shared across the
 * tabs, built as the README's recipe builds it, with an API the test calls
 * through `page.evaluate` (or, in the worker, through messages).
 */
import { createBackgroundCache } from '../../../src/index.js';
import type { BackgroundCache } from '../../../src/index.js';
import { shareAcrossTabs } from '../../../src/share/index.js';

export interface PageConfig {
  /** The share name (and the backend's group: its own refresh-token cookie and counters). */
  readonly group: string;
  readonly ttl: number;
  readonly refreshWindow: number;
  readonly fetchTimeout?: number;
  readonly retry?: number;
  /** Ms the fetch waits (a JavaScript timer) before it calls the backend. */
  readonly hold?: number;
}

interface Token {
  readonly access: string;
}

/** Wall-clock ms with sub-millisecond precision, comparable between the pages of one browser. */
const now = () => performance.timeOrigin + performance.now();

let cache: BackgroundCache<Token> | undefined;
const log = {
  /** When this page's fetch was called, and when it called the backend. */
  fetchStarted: [] as number[],
  /** Each value the cache came to hold, with when. */
  values: [] as { at: number; access: string | undefined }[],
  errors: [] as string[],
  reads: 0,
};

const api = {
  make(config: PageConfig): void {
    cache = createBackgroundCache<Token>({
      ttl: config.ttl,
      refreshWindow: config.refreshWindow,
      ...(config.fetchTimeout === undefined ? {} : { fetchTimeout: config.fetchTimeout }),
      ...(config.retry === undefined ? {} : { retry: config.retry, retryDelay: 100 }),
      // The refresh token is an HttpOnly cookie the backend rotates: one refresh at a time, or a reuse logs out.
      fetch: async (signal) => {
        log.fetchStarted.push(now());
        if (config.hold) await new Promise((resolve) => setTimeout(resolve, config.hold));
        const response = await fetch(`/token?g=${config.group}`, { method: 'POST', signal });
        if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
        return (await response.json()) as Token;
      },
      share: shareAcrossTabs(config.group),
    });
    let last: Token | undefined;
    cache.actor.subscribe(({ context }) => {
      if (context.value === last) return;
      last = context.value;
      log.values.push({ at: now(), access: last?.access });
    });
  },
  async get(): Promise<string> {
    log.reads++;
    return (await cache!.get()).access;
  },
  /** Reads every `every` ms for `during` ms, without waiting for each read; resolves with the errors seen. */
  async readEvery(every: number, during: number): Promise<string[]> {
    const errors: string[] = [];
    const reads: Promise<unknown>[] = [];
    const end = performance.now() + during;
    while (performance.now() < end) {
      log.reads++;
      reads.push(cache!.get().catch((error: Error) => errors.push(error.message)));
      await new Promise((resolve) => setTimeout(resolve, every));
    }
    await Promise.all(reads);
    return errors;
  },
  /** What `get()` settles with: the access token, or the failure's message. */
  async settle(): Promise<{ value?: string; error?: string }> {
    return cache!.get().then(
      ({ access }) => ({ value: access }),
      (error: Error) => ({ error: `${error.name}: ${error.message}` }),
    );
  },
  peek(): { state: unknown; value: string | undefined } {
    const { state, value } = cache!.peek();
    return { state, value: value?.access };
  },
  seed(access: string): number {
    const at = now();
    cache!.seed({ access });
    return at;
  },
  invalidate(): void {
    cache!.invalidate();
  },
  log: () => log,
  now,
};

export type PageApi = typeof api;

declare global {
  interface Window {
    api: PageApi;
    /** The dedicated worker's API, through messages. */
    worker: (method: keyof PageApi, ...args: unknown[]) => Promise<unknown>;
  }
}

if (typeof document === 'undefined') {
  // In a dedicated worker: the same API, called through messages.
  addEventListener('message', ({ data }: MessageEvent<[number, keyof PageApi, unknown[]]>) => {
    const [id, method, args] = data;
    void Promise.resolve((api[method] as (...a: unknown[]) => unknown)(...args)).then((result) =>
      postMessage([id, result]),
    );
  });
} else {
  window.api = api;
  let worker: Worker | undefined;
  let next = 0;
  const pending = new Map<number, (result: unknown) => void>();
  window.worker = (method, ...args) => {
    if (!worker) {
      worker = new Worker('/page.js');
      worker.onmessage = ({ data: [id, result] }: MessageEvent<[number, unknown]>) => pending.get(id)?.(result);
    }
    const id = next++;
    worker.postMessage([id, method, args]);
    return new Promise((resolve) => pending.set(id, resolve));
  };
}
