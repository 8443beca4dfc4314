/**
 * `xstate-background-cache/share`: one fetch for all the tabs and workers of
 * an origin (SPEC guarantee 17). An app that does not import it ships none of
 * its code.
 *
 * @packageDocumentation
 */

export { shareAcrossTabs } from './shareAcrossTabs.js';
export type {
  AnyValueSharing,
  CacheSharing,
  SharingConnection,
  SharingPort,
  StoredEntry,
} from '../adapter/extensions.js';
