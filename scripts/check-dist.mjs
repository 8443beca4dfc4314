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

// The share entry, where Node has no navigator.locks: each cache works alone.
const { shareAcrossTabs } = await import('xstate-background-cache/share');
let calls = 0;
const shared = createBackgroundCache({
  ttl: 60_000,
  refreshWindow: 10_000,
  fetch: () => ++calls,
  share: shareAcrossTabs('check-dist'),
});
assert.equal(await shared.get(), 1);
assert.equal(calls, 1);
shared.stop();
console.log('dist: the share entry imports and works alone from plain Node ESM');
