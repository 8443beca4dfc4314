/**
 * xstate-background-cache/browser: refresh triggers for the page's life (SPEC
 * guarantee 18). Pass them as the cache's `refreshOn` option. A separate
 * entry, so that apps that do not use them ship none of it.
 *
 * @packageDocumentation
 */

export { refreshOnOnline, refreshOnVisible } from './refreshTriggers.js';
export type {
  EventTargetLike,
  RefreshOnOnlineOptions,
  RefreshOnVisibleOptions,
  VisibilitySource,
} from './refreshTriggers.js';
export type { RefreshTrigger } from '../adapter/extensions.js';
