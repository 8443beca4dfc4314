/**
 * The user's recipe: one test per path generated from the cache's chart,
 * replayed through `getSchema()` against a local schema server. In an app the
 * imports are `xstate-background-cache/testing`. Run with
 * `npx vitest run test/testing/paths-example.test.ts`.
 */
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { createCacheTestHarness, getCachePaths } from '../../src/testing/index.js';
import type { CacheTestHarness } from '../../src/testing/index.js';
import { createSchemaApi, SchemaRequestError } from './schemaApi.js';
import type { SchemaText } from './schemaApi.js';
import { startSchemaServer } from './schemaServer.js';
import type { SchemaServer } from './schemaServer.js';

const { options, paths } = getCachePaths({ ttl: 60_000, refreshWindow: 10_000 });

describe('getSchema() on every path of the cache chart', () => {
  let server: SchemaServer;
  let harness: CacheTestHarness<SchemaText> | undefined;
  beforeAll(async () => {
    server = await startSchemaServer();
  });
  afterEach(() => {
    harness?.cache.stop();
    server.reset();
  });
  afterAll(() => server.close());

  for (const path of paths) {
    it(path.description, async () => {
      harness = createCacheTestHarness<SchemaText>({
        ...options,
        // The harness makes the cache (on its test clock); our data layer reads through it.
        subject: (cache) => {
          const api = createSchemaApi({ baseUrl: server.url, cache, fetch: server.numberedFetch });
          return {
            read: () => api.getSchema(),
            resolveFetch: (schema) => server.answerLatest(200, schema),
            rejectFetch: (reason) => server.answerLatest(503, (reason as Error).message),
          };
        },
        // Over HTTP a failure arrives as our own error, carrying the server's message.
        matchReason: (actual, expected) =>
          actual === expected ||
          (actual instanceof SchemaRequestError && actual.detail === (expected as Error).message),
      });
      await harness.replay(path);
    });
  }
});
