/**
 * The XState behaviour the single cache relies on, pinned: if an XState
 * release changes it, these fail, and the cache fails loudly (a rejection)
 * rather than leaving a caller waiting forever.
 *
 * - Emitted events (`emit`) reach `actor.on` handlers synchronously, within
 *   `send`, after the snapshot is updated: the flight runner starts a fetch
 *   in the same turn as the `get` that asked for it, and sees the new state.
 */
import { createActor, emit, setup } from 'xstate';
import { describe, expect, it, vi } from 'vitest';

describe('XState: emitted events are delivered within send', () => {
  it('should call an actor.on handler before send returns, with the snapshot already updated', () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast carries the types
    const machine = setup({ types: {} as { emitted: { type: 'started' } } }).createMachine({
      initial: 'idle',
      states: { idle: { on: { go: { target: 'busy', actions: emit({ type: 'started' }) } } }, busy: {} },
    });
    const actor = createActor(machine).start();
    const seen: unknown[] = [];
    actor.on('started', () => seen.push(actor.getSnapshot().value));
    actor.send({ type: 'go' });
    expect(seen).toEqual(['busy']);
  });
});

describe('when the flight command does not arrive', () => {
  it('should reject the caller loudly instead of waiting forever', async () => {
    vi.resetModules();
    vi.doMock('xstate', async (importOriginal) => {
      const xstate = await importOriginal<typeof import('xstate')>();
      return {
        ...xstate,
        // An XState whose emitted events never reach `on` handlers.
        createActor: ((logic: never, options: never) => {
          const actor = xstate.createActor(logic, options);
          return Object.assign(actor, { on: () => ({ unsubscribe: () => {} }) });
        }) as unknown as typeof xstate.createActor,
      };
    });
    const { createBackgroundCache } = await import('../../src/index.js');
    const cache = createBackgroundCache<string>({ ttl: 1_000, refreshWindow: 100 });
    await expect(cache.get(() => 'value')).rejects.toThrow(/no flight command arrived/);
    cache.stop();
    vi.doUnmock('xstate');
    vi.resetModules();
  });
});
