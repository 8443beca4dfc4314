/**
 * Issue 9, defect 1: the keyed cache's actor hands out a new snapshot object
 * whenever anything a reader can observe changes, and the same object when
 * nothing did, as `useSyncExternalStore` (and `@xstate/react`'s
 * `useSelector`, built on it) require; `peek(key)` is stable the same way.
 */
import { describe, expect, it } from 'vitest';
import { flush } from '../helpers.js';
import { keyedSetup } from './helpers.js';

const TTL = 10_000;
const WINDOW = 4_000;

/**
 * What `useSyncExternalStore(subscribe, getSnapshot)` does with a store: it
 * reads the snapshot on every notification and re-renders when the object
 * differs; reading twice with no change in between must give the same object.
 */
function externalStore<T>(subscribe: (listener: () => void) => () => void, getSnapshot: () => T) {
  let last = getSnapshot();
  const renders: T[] = [last];
  const unsubscribe = subscribe(() => {
    const next = getSnapshot();
    expect(getSnapshot()).toBe(next);
    if (!Object.is(next, last)) renders.push((last = next));
  });
  return { renders, unsubscribe };
}

describe('the registry snapshot, as useSyncExternalStore sees it', () => {
  it('should give a new object for every change a reader can see, and re-render on each', async () => {
    const { cache, fetch, clock } = keyedSetup({ ttl: TTL, refreshWindow: WINDOW });
    const store = externalStore(
      (listener) => {
        const subscription = cache.actor.subscribe(listener);
        return () => subscription.unsubscribe();
      },
      () => cache.actor.getSnapshot(),
    );
    const row = cache.get('row');
    // Started: the row shows it is loading.
    expect(store.renders).toHaveLength(2);
    fetch.resolve('row', 'row1');
    expect(await row).toBe('row1');
    // Landed: the row shows its value.
    expect(store.renders).toHaveLength(3);
    expect(store.renders.map((snapshot) => snapshot.context.version)).toEqual([0, 1, 2]);
    clock.advance(TTL - WINDOW);
    expect(store.renders).toHaveLength(4);
    expect(store.renders[3]!.context.changes).toEqual([{ key: 'row', state: { current: 'stale' } }]);
    store.unsubscribe();
  });

  it('should keep the same object when an event changes nothing a reader can see', async () => {
    const { cache, fetch } = keyedSetup({ ttl: TTL, refreshWindow: WINDOW });
    const waiter = cache.get('a');
    cache.seed('a', 'seeded');
    const before = cache.actor.getSnapshot();
    const store = externalStore(
      (listener) => {
        const subscription = cache.actor.subscribe(listener);
        return () => subscription.unsubscribe();
      },
      () => cache.actor.getSnapshot(),
    );
    // The superseded fetch lands: its outcome is not stored.
    fetch.resolve('a', 'fetched');
    expect(await waiter).toBe('fetched');
    // Fresh hits send nothing; an invalidate of a key nobody holds changes nothing.
    expect(await cache.get('a')).toBe('seeded');
    cache.actor.send({ type: 'invalidate', key: 'missing' });
    await flush();
    expect(cache.actor.getSnapshot()).toBe(before);
    expect(store.renders).toEqual([before]);
    store.unsubscribe();
  });

  it('should hold a value, not the live table: an old snapshot never changes', async () => {
    const { cache, fetch } = keyedSetup({ ttl: TTL, refreshWindow: WINDOW });
    const got = cache.get('a');
    const loading = cache.actor.getSnapshot();
    const copy = structuredClone(loading.context);
    fetch.resolve('a', 'a1');
    await got;
    cache.seed('b', 'b1');
    cache.invalidateAll();
    expect(loading.context).toEqual(copy);
    expect(Object.keys(loading.context)).toEqual(['version', 'size', 'changes']);
    // What XState would persist is that value too.
    expect(cache.actor.getPersistedSnapshot()).toBe(cache.actor.getSnapshot());
  });
});

describe('peek(key), as useSyncExternalStore sees it', () => {
  it('should be the same object while nothing it shows changed, and a new one when the key changed', async () => {
    const { cache, fetch, clock } = keyedSetup({ ttl: TTL, refreshWindow: WINDOW });
    const store = externalStore(
      (listener) => {
        const subscription = cache.actor.subscribe(listener);
        return () => subscription.unsubscribe();
      },
      () => cache.peek('row'),
    );
    const other = cache.get('other');
    const row = cache.get('row');
    fetch.resolve('other', 'o1');
    await other;
    fetch.resolve('row', 'row1');
    await row;
    expect(store.renders).toEqual([
      undefined,
      { state: { refreshing: 'withoutPrevious' }, value: undefined, error: undefined },
      { state: { current: 'fresh' }, value: 'row1', error: undefined },
    ]);
    expect(cache.peek('row')).toBe(cache.peek('row'));
    // Its value expires with no timer run yet: peek shows no value, and changes.
    const shown = cache.peek('row');
    clock.skip(TTL);
    expect(cache.peek('row')).not.toBe(shown);
    expect(cache.peek('row')?.value).toBeUndefined();
    store.unsubscribe();
  });
});
