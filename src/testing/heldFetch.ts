/** One request a {@link HeldFetch} holds. */
export interface HeldRequest {
  /** The URL asked for. */
  readonly url: string;
  /** The init it was made with (method, headers, body, signal). */
  readonly init: RequestInit | undefined;
  /** Answered, failed, or aborted by its signal. */
  readonly settled: boolean;
}

/** A stand-in for `fetch` that holds every request until the test answers it. */
export interface HeldFetch {
  /**
   * Use it where your code takes a `fetch`: each call returns a promise that
   * waits for {@link HeldFetch.answerLatest} or {@link HeldFetch.failLatest},
   * and rejects with `signal.reason` when its signal aborts, as `fetch` does.
   */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Every request so far, in the order they were made. */
  readonly requests: readonly HeldRequest[];
  /**
   * Answers the most recent request with a `Response` of `status` and
   * `body`; does nothing when it has settled already (its caller aborted it).
   *
   * @throws Error when no request has been made.
   */
  answerLatest(status: number, body?: BodyInit | null, headers?: HeadersInit): void;
  /**
   * Fails the most recent request with `reason`, as a network error would;
   * does nothing when it has settled already.
   *
   * @throws Error when no request has been made.
   */
  failLatest(reason?: unknown): void;
}

/**
 * A `fetch` for tests that holds each request until the test answers it, so
 * that a path step decides when and how each fetch of your data layer
 * settles; no server, no socket, browser-safe. It is what the README's
 * path-test recipe puts under a data layer (`subject`).
 *
 * @example
 *   const held = createHeldFetch();
 *   const api = createTokenApi({ fetch: held.fetch }); // your code
 *   const pending = api.getToken();
 *   held.answerLatest(200, JSON.stringify({ token: 't1', expiresIn: 3600 }));
 *   await pending; // { token: 't1', expiresIn: 3600 }
 */
export function createHeldFetch(): HeldFetch {
  const requests: (HeldRequest & { settled: boolean })[] = [];
  const settlers: { resolve(response: Response): void; reject(reason: unknown): void }[] = [];

  const latest = (): number => {
    if (requests.length === 0) throw new Error('No request has been made: nothing to answer');
    return requests.length - 1;
  };
  const settleLatest = (settle: (index: number) => void): void => {
    const index = latest();
    if (requests[index]!.settled) return;
    requests[index]!.settled = true;
    settle(index);
  };

  return {
    requests,
    fetch: (input, init) =>
      new Promise<Response>((resolve, reject) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const request = { url, init, settled: false };
        requests.push(request);
        settlers.push({ resolve, reject });
        const signal = init?.signal;
        if (!signal) return;
        const abort = (): void => {
          if (request.settled) return;
          request.settled = true;
          // As fetch does: the signal's reason, whatever it is.
          reject(signal.reason);
        };
        if (signal.aborted) abort();
        else signal.addEventListener('abort', abort, { once: true });
      }),
    answerLatest(status, body = null, headers) {
      settleLatest((index) => settlers[index]!.resolve(new Response(body, { status, headers: headers ?? {} })));
    },
    failLatest(reason = new TypeError('fetch failed')) {
      settleLatest((index) => settlers[index]!.reject(reason));
    },
  };
}
