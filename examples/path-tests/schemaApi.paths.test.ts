/**
 * The user's recipe: one test per path generated from the cache's chart,
 * replayed through `getSchema()` and `refreshSchema()`, with a held `fetch`
 * (from the testing entry) under the data layer, so that each step decides
 * when and how a request is answered. In an app the imports are
 * `xstate-background-cache/testing`. Run with
 * `npx vitest run test/testing/paths-example.test.ts`.
 */
import { describe, it } from 'vitest';
import { createCacheTestHarness, createHeldFetch, getCachePaths } from '../../src/testing/index.js';
import { createSchemaApi, SchemaRequestError } from './schemaApi.js';
import type { SchemaText } from './schemaApi.js';

const { options, paths } = getCachePaths({ ttl: 60_000, refreshWindow: 10_000 });

describe('getSchema() on every path of the cache chart', () => {
  for (const path of paths) {
    it(path.description, async () => {
      const held = createHeldFetch();
      const harness = createCacheTestHarness<SchemaText>({
        ...options,
        // The harness makes the cache (on its test clock); our data layer reads through it.
        subject: (cache) => {
          const api = createSchemaApi({ baseUrl: 'https://catalog.test/tables/orders/', cache, fetch: held.fetch });
          return {
            read: () => api.getSchema(),
            refresh: () => api.refreshSchema(),
            fetch: api.load,
            resolveFetch: (schema) => held.answerLatest(200, schema),
            rejectFetch: (reason) => held.answerLatest(503, (reason as Error).message),
          };
        },
        // Over HTTP a failure arrives as our own error, carrying the server's message.
        matchReason: (actual, expected) =>
          actual === expected ||
          (actual instanceof SchemaRequestError && actual.detail === (expected as Error).message),
      });
      try {
        await harness.replay(path);
      } finally {
        harness.cache.stop();
      }
    });
  }
});
