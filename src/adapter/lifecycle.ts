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
 */
export const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');
