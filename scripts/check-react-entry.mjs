// Imports the built React entry the way an app's server code would (by name,
// through `exports`), renders a component with react-dom/server over a real
// cache (it shows the value, and starts no fetch on the server), and checks
// that the main entry's built modules never import react. Run after `npm run build`.
import assert from 'node:assert/strict';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { createBackgroundCache } from 'xstate-background-cache';
import { useBackgroundCache } from 'xstate-background-cache/react';
import { distModuleGraph } from './dist-module-graph.mjs';

let fetches = 0;
const cache = createBackgroundCache({ ttl: 60_000, refreshWindow: 10_000, fetch: async () => `fetched ${++fetches}` });
function Show() {
  const { value, state } = useBackgroundCache(cache);
  return createElement('p', null, `${state}: ${value ?? '(none)'}`);
}
assert.equal(renderToString(createElement(Show)), '<p>empty: (none)</p>');
cache.seed('seeded');
assert.equal(renderToString(createElement(Show)), '<p>current.fresh: seeded</p>');
assert.equal(fetches, 0);
cache.stop();

const { bare } = await distModuleGraph();
assert.deepEqual(
  bare.filter((specifier) => /^react(-dom)?(\/|$)/.test(specifier)),
  [],
  'the main entry imports react',
);
console.log('dist: react entry renders on the server without fetching; the main entry imports no react');
