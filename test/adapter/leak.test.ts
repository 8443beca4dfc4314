/**
 * Issue 9, defect 2: a value the chart dropped must not stay reachable from
 * the cache (for a token, that would keep a secret alive). A `WeakRef` to a
 * fetched value is cleared after its expiry and a full GC, with no further
 * call on the cache.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import { ManualClock } from '../helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Lets pending promise jobs and finalizers run, then collects twice. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
  }
}

describe('a dropped value is not kept', () => {
  it('should let a fetched value be collected once it expired, after fresh hits served it', async () => {
    const clock = new ManualClock();
    const cache = createBackgroundCache<{ token: string }>({ ttl: 1_000, refreshWindow: 200, clock });
    let ref!: WeakRef<object>;
    await (async () => {
      const value = await cache.get(async () => ({ token: 'secret' }));
      ref = new WeakRef(value);
      // Fresh hits, which hand out one settled promise per stored value.
      await cache.get(async () => ({ token: 'unused' }));
      await cache.get(async () => ({ token: 'unused' }));
    })();
    clock.advance(1_000);
    expect(cache.actor.getSnapshot().value).toBe('empty');
    await collect();
    expect(ref.deref()).toBeUndefined();
    cache.stop();
  });

  it('should let a value be collected after an invalidate and after a seed replaced it', async () => {
    const clock = new ManualClock();
    const cache = createBackgroundCache<{ token: string }>({ ttl: 1_000, refreshWindow: 200, clock });
    const refs: WeakRef<object>[] = [];
    await (async () => {
      const first = { token: 'a' };
      refs.push(new WeakRef(first));
      cache.seed(first);
      await cache.get(async () => ({ token: 'unused' }));
      cache.invalidate();
      const second = { token: 'b' };
      refs.push(new WeakRef(second));
      cache.seed(second);
      await cache.get(async () => ({ token: 'unused' }));
      cache.seed({ token: 'c' });
    })();
    await collect();
    expect(refs.map((ref) => ref.deref())).toEqual([undefined, undefined]);
    cache.stop();
  });
});
