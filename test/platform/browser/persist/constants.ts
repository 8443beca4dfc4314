/** What the persist page and its runner share. */
export const KEY = 'persist-test:value';
/** The page's cache: fresh for 50 s, in its window until 60 s, failures remembered for 30 s. */
export const TTL = 60_000;
export const WINDOW = 10_000;
export const ERROR_TTL = 30_000;

/** What the backend answers: the number of its call. */
export interface Value {
  readonly n: number;
}

/** The cache as the runner reads it. */
export interface Observed {
  state: string;
  value: Value | undefined;
  fresh: Value | undefined;
  age: number | undefined;
}

/** What the page hands the runner, as `window.persistTest`. */
export interface PersistTestPage {
  cache: {
    get(): Promise<Value>;
    refresh(): Promise<Value>;
    invalidate(): void;
    stop(): void;
  };
  clock: { increment(ms: number): void };
  errors: string[];
  /** What the cache held when `createBackgroundCache` returned. */
  atCreate: Observed;
  observe(): Observed;
  /** Sets `document.visibilityState` and dispatches `visibilitychange`. */
  setVisibility(state: DocumentVisibilityState): void;
  /** `online` and `offline` events seen while watching. */
  networkEvents: string[];
  /** Starts or stops watching `online` and `offline` (a probe the runner removes before counting listeners). */
  watchNetwork(watch: boolean): void;
  /** Fills `localStorage` until it throws `QuotaExceededError`; returns the keys it wrote. */
  fillStorage(): string[];
}

declare global {
  interface Window {
    persistTest: PersistTestPage;
  }
}
