// Imports the built package the way a user's plain Node ESM script would (by
// its name, through `exports`) and checks that it works. Run after `npm run build`.
import assert from 'node:assert/strict';
import { backgroundCacheMachine, CacheStoppedError, createBackgroundCache } from 'xstate-background-cache';

const cache = createBackgroundCache({ ttl: 60_000, refreshWindow: 10_000 });
assert.equal(await cache.get(async () => 'from dist'), 'from dist');
assert.equal(cache.tryGet(), 'from dist');
assert.deepEqual(cache.actor.getSnapshot().value, { current: 'fresh' });
assert.equal(backgroundCacheMachine.id, 'backgroundCache');
cache.stop();
await assert.rejects(
  cache.get(() => 1),
  CacheStoppedError,
);
console.log('dist: main entry imports and works from plain Node ESM');
