/**
 * `npm start -- --inspect`: the Stately inspector for a Node process, through
 * `@statelyai/inspect`'s relay server (a local page that embeds the
 * inspector) and its WebSocket inspector.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { createInspectorServer } from '@statelyai/inspect/server';
import type { InspectionEvent, Observer } from 'xstate';

export interface StatelyRelay {
  /** The page to open in a browser. */
  readonly pageUrl: string;
  /** Connects the WebSocket inspector; returns its observer for the cache's `inspect` option. */
  connect(): Observer<InspectionEvent>;
  /** Closes the inspector's socket and the relay. */
  stop(): void;
}

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts the relay on a free port, without opening a browser. Connect after
 * the relay listens: with no server, the WebSocket inspector retries every
 * 5 s and holds the process open, even after `stop()`.
 */
export async function startStatelyRelay(): Promise<StatelyRelay> {
  const port = await freePort();
  const relay = createInspectorServer({ port, autoOpen: false });
  let inspector: ReturnType<typeof createWebSocketInspector> | undefined;
  return {
    pageUrl: `http://localhost:${port}`,
    connect() {
      inspector = createWebSocketInspector({ url: `ws://localhost:${port}` });
      return inspector.inspect;
    },
    stop() {
      inspector?.stop();
      relay.stop();
    },
  };
}
