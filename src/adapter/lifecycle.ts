/**
 * What every cache shares about its end: the error `get()` gives once it is
 * stopped, and the key of its dispose method. A module of its own, so that an
 * app that uses one kind of cache does not bundle the other.
 */

/**
 * What `get()` rejects with once the cache is stopped.
 *
 * @example
 *   cache.stop();
 *   await cache.get(load).catch((error) => error instanceof CacheStoppedError); // true
 */
export class CacheStoppedError extends Error {
  constructor() {
    super('The cache is stopped: get() cannot start or join a fetch after stop()');
    this.name = 'CacheStoppedError';
  }
}

/**
 * `Symbol.dispose`, or where older browsers lack it, the well-known registry
 * key that polyfills use.
 *
 * @internal
 */
export const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

/**
 * The caches' `[Symbol.dispose](): void` (same as `stop()`, for `using`), in
 * their types only where the app's TypeScript `lib` declares
 * `Symbol.dispose` (`ESNext.Disposable`, `ESNext`). With a `lib` such as
 * `ES2022` it is absent, so the declarations still compile (no TS2550); at
 * run time the method is always there.
 *
 * @example
 *   export interface BackgroundCache<V> extends DisposeMethod {}
 */
export type DisposeMethod = SymbolConstructor extends { readonly dispose: infer Key extends symbol }
  ? { [K in Key]: () => void }
  : Record<never, never>;
