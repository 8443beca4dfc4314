/** The public types, checked by `npm run typecheck` and by vitest's expectTypeOf. */
import { describe, expectTypeOf, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import type { BackgroundCache, BackgroundCacheContext, FetchFn } from '../../src/index.js';

interface Schema {
  fields: string[];
}

describe('public types', () => {
  it('types get, tryGet, seed and the actor by the value type', () => {
    const cache = createBackgroundCache<Schema>({ ttl: 1_000, refreshWindow: 100 });
    expectTypeOf(cache).toEqualTypeOf<BackgroundCache<Schema>>();
    expectTypeOf<BackgroundCache<Schema>['get']>().toBeCallableWith((() => ({
      version: 1,
    })) as unknown as FetchFn<Schema>);
    expectTypeOf<BackgroundCache<Schema>['get']>().toBeCallableWith({ signal: AbortSignal.abort() });
    expectTypeOf<ReturnType<BackgroundCache<Schema>['seed']>>().toEqualTypeOf<boolean>();
    expectTypeOf<ReturnType<typeof cache.get>>().toEqualTypeOf<Promise<Schema>>();
    expectTypeOf(cache.tryGet()).toEqualTypeOf<Schema | undefined>();
    expectTypeOf<Parameters<typeof cache.seed>[0]>().toEqualTypeOf<Schema>();
    expectTypeOf(cache.actor.getSnapshot().context).toEqualTypeOf<BackgroundCacheContext<Schema>>();
    // A fetch may return the value itself, a promise, or any thenable.
    expectTypeOf<() => Schema>().toExtend<FetchFn<Schema>>();
    expectTypeOf<(signal: AbortSignal) => PromiseLike<Schema>>().toExtend<FetchFn<Schema>>();
    // @ts-expect-error a fetch of another type is refused
    void cache.get(async () => 42);
    cache.stop();
  });
});
