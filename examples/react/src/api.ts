/**
 * A pretend backend, in the page, so that the example runs with no server:
 * each call waits a little (an abortable timer) and answers, or fails.
 */
export interface AppConfig {
  readonly theme: 'light' | 'dark';
  readonly features: readonly string[];
  readonly version: number;
}

export interface User {
  readonly id: number;
  readonly name: string;
}

const NAMES = ['Ada', 'Grace', 'Alan', 'Barbara', 'Edsger', 'Frances', 'Donald', 'Margaret', 'Ken', 'Radia'];

/** How many times each endpoint was called: the page shows it beside the render counts. */
export const calls = { config: 0, user: 0, greeting: 0, status: 0 };

function later<T>(ms: number, signal: AbortSignal, answer: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    // What `answer` throws rejects the call.
    const timer = setTimeout(() => resolve(Promise.resolve().then(answer)), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    });
  });
}

export const api = {
  config: (signal: AbortSignal) =>
    later(250, signal, (): AppConfig => ({ theme: 'dark', features: ['search', 'export'], version: ++calls.config })),
  user: (id: number, signal: AbortSignal) => {
    calls.user++;
    // Rows resolve out of order, as real requests do.
    return later(150 + ((id * 97) % 600), signal, (): User => ({ id, name: `${NAMES[id % NAMES.length]} #${id}` }));
  },
  greeting: (signal: AbortSignal) => {
    calls.greeting++;
    return later(400, signal, () => 'Hello from a suspended component');
  },
  status: (signal: AbortSignal) => {
    calls.status++;
    return later(200, signal, (): string => {
      throw new Error('503 Service Unavailable');
    });
  },
};
