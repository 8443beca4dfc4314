/**
 * An entry of the wrong shape is reported with the same error whatever JSON it
 * is, `null` included (mutation testing found `null` unwatched: it could fail
 * with a TypeError of its own while reading the entry).
 */
import { describe, expect, it } from 'vitest';
import { storagePersister } from '../../src/persist/index.js';
import { MemoryStorage } from './memoryStorage.js';

describe('an entry of the wrong shape', () => {
  it.each(['null', '42', '"value"', '[1]', '{"v":1,"value":1}'])('should be reported as such when it is %s', (text) => {
    const storage = new MemoryStorage();
    const errors: unknown[] = [];
    const persister = storagePersister<number>('schema', { storage, onError: (error) => errors.push(error) });
    storage.setItem('schema', text);
    expect(persister.load()).toBeUndefined();
    expect(errors).toEqual([new TypeError('Expected the entry under "schema" to be { v: 1, storedAt, value }')]);
  });
});
