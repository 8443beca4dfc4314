/**
 * The inspection stream, end to end and offline: `@statelyai/inspect`'s
 * WebSocket inspector sends the cache's snapshots to a WebSocket server on
 * 127.0.0.1, as it would to the Stately inspector's relay.
 */
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector } from '@statelyai/inspect';
import { SimulatedClock } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createBackgroundCache } from '../../src/index.js';
import { controlledFetch, flush } from '../helpers.js';

const TTL = 30_000;
const WINDOW = 5_000;

interface ReceivedMessage {
  type: string;
  sessionId: string;
  snapshot?: { value?: unknown };
}

/** A WebSocket server on a free port of 127.0.0.1 that keeps what it receives. */
async function startServer() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const raw: string[] = [];
  const listeners = new Set<() => void>();
  server.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      raw.push(data.toString());
      for (const listener of listeners) listener();
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    raw,
    messages: () => raw.map((text) => JSON.parse(text) as ReceivedMessage),
    /** Resolves once `done(messages)` holds; messages arrive over real sockets. */
    until(done: (messages: ReceivedMessage[]) => boolean): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (!done(this.messages())) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('inspection over a WebSocket', () => {
  it("should deliver the actor's snapshots through fresh, stale, refreshing and fresh again", async () => {
    const server = await startServer();
    cleanups.push(server.close);
    // With no server it would retry every 5 s and hold the process: stop it explicitly.
    const inspector = createWebSocketInspector({ url: server.url });
    cleanups.push(() => inspector.stop());

    const clock = new SimulatedClock();
    const cache = createBackgroundCache<string>({ ttl: TTL, refreshWindow: WINDOW, clock, inspect: inspector.inspect });
    cleanups.push(() => cache.stop());

    expect(await cache.get(async () => 'secret-v1')).toBe('secret-v1');
    clock.increment(TTL - WINDOW);
    const refresh = controlledFetch<string>();
    expect(await cache.get(refresh)).toBe('secret-v1');
    refresh.resolve('secret-v2');
    await flush();
    expect(cache.tryGet()).toBe('secret-v2');

    const rootStates = (messages: ReceivedMessage[]) =>
      messages
        .filter((message) => message.type === '@xstate.snapshot' && message.sessionId === cache.actor.sessionId)
        .map((message) => message.snapshot?.value);
    const expected = [
      'empty',
      { refreshing: 'withoutPrevious' },
      { current: 'fresh' },
      { current: 'stale' },
      { refreshing: 'withPrevious' },
      { current: 'fresh' },
    ];
    await server.until((messages) => rootStates(messages).length >= expected.length);
    expect(rootStates(server.messages())).toEqual(expected);

    // The actor registrations came too, and the values stayed home (redacted by default).
    const types = new Set(server.messages().map((message) => message.type));
    expect([...types].sort()).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
    expect(server.raw.filter((text) => text.includes('secret-v'))).toEqual([]);
  });
});
