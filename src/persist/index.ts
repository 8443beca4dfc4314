/**
 * xstate-background-cache/persist: values that survive a reload with their
 * age (SPEC guarantee 16). Pass a persister as the cache's `persist` option.
 * A separate entry, so that apps that do not persist ship none of it.
 *
 * @packageDocumentation
 */

export { storagePersister, STORAGE_FORMAT_VERSION } from './storagePersister.js';
export type { StorageLike, StoragePersister, StoragePersisterOptions } from './storagePersister.js';
export type { AnyValuePersister, CachePersister, StoredEntry } from '../adapter/extensions.js';
