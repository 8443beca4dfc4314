/**
 * A stand-in for the schema service, on 127.0.0.1, for tests: it holds every
 * request until the test answers it, so a test decides when (and how) each
 * fetch settles. Requests carry their number in a header that
 * {@link SchemaServer.numberedFetch} adds.
 */
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const REQUEST_NUMBER = 'x-test-request';
const noop = (): void => {};

export interface SchemaServer {
  /** The base URL to hand the data layer. */
  readonly url: string;
  /** A `fetch` that numbers its requests 1, 2, 3… so the server can tell them apart, even when one arrives late. */
  readonly numberedFetch: typeof globalThis.fetch;
  /**
   * Answers the most recent request with `status` and `body`, once it has
   * arrived; does nothing if its caller aborted it.
   */
  answerLatest(status: number, body: string): Promise<void>;
  /** Drops every request still held, or still on its way: between tests. */
  reset(): void;
  close(): Promise<void>;
}

export async function startSchemaServer(): Promise<SchemaServer> {
  let arrived = new Map<number, ServerResponse>();
  let awaited = new Map<number, (response: ServerResponse) => void>();
  let sent = 0;
  // Requests numbered below this belong to a test already over.
  let firstLive = 1;
  let latest: { signal: AbortSignal | undefined; failed: Promise<void> } | undefined;

  const server = createServer((request, response) => {
    const number = Number(request.headers[REQUEST_NUMBER]);
    if (number < firstLive) {
      response.destroy();
      return;
    }
    arrived.set(number, response);
    awaited.get(number)?.(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    numberedFetch: (input, init) => {
      sent++;
      const request = fetch(input, { ...init, headers: { [REQUEST_NUMBER]: String(sent) } });
      latest = { signal: init?.signal ?? undefined, failed: request.then(noop, noop) };
      return request;
    },
    async answerLatest(status, body) {
      if (!latest || latest.signal?.aborted) return;
      const number = sent;
      // A request that failed on its way (the test then fails on what callers see) never arrives.
      const response = await Promise.race([
        arrived.get(number) ?? new Promise<ServerResponse>((resolve) => awaited.set(number, resolve)),
        latest.failed,
      ]);
      // One connection per request: nothing a test drops is ever reused.
      response?.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(body);
    },
    reset() {
      for (const response of arrived.values()) if (!response.writableEnded) response.destroy();
      arrived = new Map();
      awaited = new Map();
      firstLive = sent + 1;
      latest = undefined;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
