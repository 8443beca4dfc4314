/**
 * A user's data layer: the table schema of a remote service, read through the
 * cache. In an app the imports are `xstate-background-cache`; this example
 * imports the source so that it runs without a build.
 *
 * @example
 *   const api = createSchemaApi({
 *     baseUrl: 'https://catalog.example.com/tables/orders/',
 *     cache: createBackgroundCache<SchemaText>({ ttl: 60_000, refreshWindow: 10_000, fetch: ... }),
 *   });
 *   const ddl = await api.getSchema();
 */
import type { BackgroundCache } from '../../src/index.js';

/** A table schema as the service's DDL text. */
export type SchemaText = string;

/** What `getSchema()` rejects with when the service answers with an error status. */
export class SchemaRequestError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`GET schema answered ${status}: ${detail}`);
    this.name = 'SchemaRequestError';
  }
}

export interface SchemaApiOptions {
  /** Where the service lives; the schema is at `schema` below it. */
  baseUrl: string | URL;
  /** The cache to read through: the app makes it, tests make it on a test clock. */
  cache: BackgroundCache<SchemaText>;
  /**
   * The HTTP client.
   *
   * @defaultValue the global `fetch`
   */
  fetch?: typeof globalThis.fetch;
}

export interface SchemaApi {
  /** The schema: from the cache while fresh, refreshed in the background near its end, one request at a time. */
  getSchema(): Promise<SchemaText>;
  /** A new schema now (after a migration, say); readers meanwhile still get the previous one. */
  refreshSchema(): Promise<SchemaText>;
  /** One request for the schema: what the cache's `fetch` option should be, for `refreshSchema()`. */
  load: (signal: AbortSignal) => Promise<SchemaText>;
}

export function createSchemaApi({ baseUrl, cache, fetch = globalThis.fetch }: SchemaApiOptions): SchemaApi {
  const load = async (signal: AbortSignal): Promise<SchemaText> => {
    const response = await fetch(new URL('schema', baseUrl), { signal });
    const body = await response.text();
    if (!response.ok) throw new SchemaRequestError(response.status, body);
    return body;
  };
  return { getSchema: () => cache.get(load), refreshSchema: () => cache.refresh(), load };
}
