// Imports the built persist and browser entries the way a user's plain Node
// ESM script would (by name, through `exports`), checks that they work where
// there is no browser, and that the main entry's module graph reaches neither.
// Run after `npm run build`.
import assert from 'node:assert/strict';
import { createBackgroundCache } from 'xstate-background-cache';
import { refreshOnOnline, refreshOnVisible } from 'xstate-background-cache/browser';
import { STORAGE_FORMAT_VERSION, storagePersister } from 'xstate-background-cache/persist';
import { distModuleGraph } from './dist-module-graph.mjs';

const items = new Map();
const storage = {
  getItem: (key) => items.get(key) ?? null,
  setItem: (key, value) => void items.set(key, value),
  removeItem: (key) => void items.delete(key),
};
const persister = storagePersister('dist-check', { storage });
persister.save({ value: { n: 1 }, storedAt: 1_000 });
assert.deepEqual(persister.load(), { value: { n: 1 }, storedAt: 1_000 });
assert.equal(JSON.parse(items.get('dist-check')).v, STORAGE_FORMAT_VERSION);
persister.remove();
assert.equal(persister.load(), undefined);
// No localStorage in Node: nothing saved, nothing restored, nothing thrown.
assert.equal(storagePersister('dist-check').load(), undefined);

// No document or window in Node: the triggers never fire and unsubscribe cleanly.
for (const trigger of [refreshOnVisible(), refreshOnOnline()]) trigger.subscribe(() => assert.fail('fired'))();

// The three packages together, as an app uses them: a value restored with its age, a trigger that refreshes it.
persister.save({ value: { n: 1 }, storedAt: Date.now() - 55_000 });
const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
let fetches = 0;
const cache = createBackgroundCache({
  ttl: 60_000,
  refreshWindow: 10_000,
  fetch: () => ({ n: 2 + fetches++ }),
  persist: persister,
  refreshOn: [refreshOnVisible({ document })],
});
assert.deepEqual(cache.peek().value, { n: 1 });
assert.deepEqual(cache.actor.getSnapshot().value, { current: 'stale' });
document.dispatchEvent(new Event('visibilitychange'));
await new Promise((resolve) => setTimeout(resolve, 0));
assert.equal(fetches, 1);
assert.deepEqual(cache.tryGet(), { n: 2 });
assert.deepEqual(JSON.parse(items.get('dist-check')).value, { n: 2 });
cache.stop();

const { files: reached } = await distModuleGraph();
assert.deepEqual(
  reached.filter((file) => file.startsWith('persist') || file.startsWith('browser') || file.startsWith('share')),
  [],
);
console.log(
  'dist: the persist and browser entries import and work from plain Node ESM; the main entry reaches none of the plug-ins',
);
