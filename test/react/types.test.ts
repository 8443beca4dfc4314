/**
 * The React hooks' types: real caches are accepted as they are, `select`
 * decides the type of `value`, and `state` is the union of the chart's states.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import type { BackgroundCache } from '../../src/index.js';
import { useBackgroundCache, useSuspenseBackgroundCache } from '../../src/react/index.js';
import type { CacheStateName, CacheView, ReactBackgroundCache } from '../../src/react/index.js';

describe('React hook types', () => {
  it('should take a BackgroundCache as it is', () => {
    expectTypeOf<BackgroundCache<{ theme: string }>>().toMatchTypeOf<ReactBackgroundCache<{ theme: string }>>();
    const cache = createBackgroundCache<{ theme: string }>({
      ttl: 1_000,
      refreshWindow: 100,
      fetch: () => ({ theme: 'dark' }),
    });
    type Plain = ReturnType<typeof useBackgroundCache<{ theme: string }>>;
    expectTypeOf<Plain>().toEqualTypeOf<CacheView<{ theme: string }>>();
    expectTypeOf<Plain['state']>().toEqualTypeOf<CacheStateName>();
    const _selected = () => useBackgroundCache(cache, { select: (config) => config.theme.length });
    expectTypeOf<ReturnType<typeof _selected>['value']>().toEqualTypeOf<number | undefined>();
    expectTypeOf(useSuspenseBackgroundCache<{ theme: string }>).returns.toEqualTypeOf<{ theme: string }>();
    cache.stop();
  });
});
