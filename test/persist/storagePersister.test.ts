/**
 * `storagePersister` on its own (SPEC guarantee 16, the persister's clauses):
 * versioned entries, everything unreadable removed and reported, and no call
 * that ever throws. How the cache uses it is in `cache.test.ts`.
 */
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { STORAGE_FORMAT_VERSION, storagePersister } from '../../src/persist/index.js';
import type { StoredEntry } from '../../src/persist/index.js';
import { DisabledStorage, FullStorage, MemoryStorage } from './memoryStorage.js';

const KEY = 'schema';

interface Schema {
  readonly tables: readonly string[];
}

/** The type guard of the README's validation example. */
const isSchema = (data: unknown): data is Schema =>
  typeof data === 'object' &&
  data !== null &&
  Array.isArray((data as Schema).tables) &&
  (data as Schema).tables.every((table) => typeof table === 'string');

const toSchema = (data: unknown): Schema => {
  if (!isSchema(data)) throw new TypeError('not a schema');
  return data;
};

function setup<V = Schema>(options: Parameters<typeof storagePersister<V>>[1] = {}) {
  const storage = new MemoryStorage();
  const errors: unknown[] = [];
  const persister = storagePersister<V>(KEY, { storage, onError: (error) => errors.push(error), ...options });
  return { storage, errors, persister };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('save and load', () => {
  it('should write the value and its storedAt as versioned JSON under the key', () => {
    const { storage, persister, errors } = setup();
    persister.save({ value: { tables: ['a'] }, storedAt: 1_000 });
    expect(JSON.parse(storage.getItem(KEY)!)).toEqual({ v: 1, storedAt: 1_000, value: { tables: ['a'] } });
    expect(STORAGE_FORMAT_VERSION).toBe(1);
    expect(errors).toEqual([]);
  });

  it('should load what it saved, synchronously', () => {
    const { persister, errors } = setup();
    persister.save({ value: { tables: ['a', 'b'] }, storedAt: 1_234.5 });
    const loaded = persister.load();
    expect(loaded).toEqual({ value: { tables: ['a', 'b'] }, storedAt: 1_234.5 });
    expect(loaded).not.toBeInstanceOf(Promise);
    expect(errors).toEqual([]);
  });

  it('should overwrite the entry on every save', () => {
    const { persister } = setup<number>();
    persister.save({ value: 1, storedAt: 1 });
    persister.save({ value: 2, storedAt: 2 });
    expect(persister.load()).toEqual({ value: 2, storedAt: 2 });
  });

  it('should load undefined, quietly, when nothing is saved', () => {
    const { persister, errors } = setup();
    expect(persister.load()).toBeUndefined();
    expect(errors).toEqual([]);
  });

  it('should forget the entry on remove', () => {
    const { storage, persister } = setup<number>();
    persister.save({ value: 1, storedAt: 1 });
    persister.remove();
    expect(storage.items.size).toBe(0);
    expect(persister.load()).toBeUndefined();
  });

  it('should keep each key to itself', () => {
    const storage = new MemoryStorage();
    const a = storagePersister<string>('a', { storage });
    const b = storagePersister<string>('b', { storage });
    a.save({ value: 'A', storedAt: 1 });
    b.save({ value: 'B', storedAt: 2 });
    b.remove();
    expect(a.load()).toEqual({ value: 'A', storedAt: 1 });
    expect(b.load()).toBeUndefined();
  });

  it('should hand back a future-dated entry as saved (the cache removes it, see cache.test.ts)', () => {
    const { persister } = setup<number>();
    persister.save({ value: 1, storedAt: Date.now() + 60_000 });
    expect(persister.load()?.value).toBe(1);
  });

  it('should throw a TypeError naming `key` when it is not a string', () => {
    expect(() => storagePersister(42 as unknown as string)).toThrow(
      new TypeError('Expected `key` to be a string, got number'),
    );
  });

  it('should expose onError for the cache', () => {
    const onError = vi.fn();
    expect(storagePersister(KEY, { storage: new MemoryStorage(), onError }).onError).toBe(onError);
  });
});

describe('serialize and deserialize', () => {
  it('should write what serialize returns and load what deserialize returns', () => {
    const { storage, persister } = setup<Map<string, number>>({
      serialize: (value) => [...value],
      deserialize: (data) => new Map(data as [string, number][]),
    });
    persister.save({ value: new Map([['a', 1]]), storedAt: 5 });
    expect(JSON.parse(storage.getItem(KEY)!)).toEqual({ v: 1, storedAt: 5, value: [['a', 1]] });
    expect(persister.load()).toEqual({ value: new Map([['a', 1]]), storedAt: 5 });
  });

  it('should serve a value that passes a type guard', () => {
    const { persister, errors } = setup({ deserialize: toSchema });
    persister.save({ value: { tables: ['users'] }, storedAt: 7 });
    expect(persister.load()).toEqual({ value: { tables: ['users'] }, storedAt: 7 });
    expect(errors).toEqual([]);
  });

  it('should remove and not serve a value that deserialize rejects, reporting its error', () => {
    const { storage, persister, errors } = setup({ deserialize: toSchema });
    storage.setItem(KEY, JSON.stringify({ v: 1, storedAt: 7, value: { tables: [1, 2] } }));
    expect(persister.load()).toBeUndefined();
    expect(storage.items.size).toBe(0);
    expect(errors).toEqual([new TypeError('not a schema')]);
  });

  it('should save nothing, remove the older entry and report when serialize throws', () => {
    const failure = new Error('no key to encrypt with');
    let broken = false;
    const { storage, persister, errors } = setup<string>({
      serialize: (value) => {
        if (broken) throw failure;
        return value;
      },
    });
    persister.save({ value: 'old', storedAt: 1 });
    broken = true;
    expect(() => persister.save({ value: 'new', storedAt: 2 })).not.toThrow();
    expect(storage.items.size).toBe(0);
    expect(errors).toEqual([failure]);
  });

  it('should report a value JSON cannot write (a BigInt) without throwing', () => {
    const { persister, errors } = setup<bigint>();
    expect(() => persister.save({ value: 1n, storedAt: 1 })).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
  });
});

describe('an entry that cannot be served is removed and reported', () => {
  const garbage: [string, string][] = [
    ['text that is not JSON', 'not json {'],
    ['an empty string', ''],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['a JSON string', '"value"'],
    ['an array', '[1, 1, 2]'],
    ['an entry with no version', JSON.stringify({ storedAt: 1, value: 1 })],
    ['an entry of a later format version', JSON.stringify({ v: 2, storedAt: 1, value: 1 })],
    ['an entry of format version "1" (a string)', JSON.stringify({ v: '1', storedAt: 1, value: 1 })],
    ['an entry with no storedAt', JSON.stringify({ v: 1, value: 1 })],
    ['an entry with storedAt as a string', JSON.stringify({ v: 1, storedAt: '1', value: 1 })],
    ['an entry with storedAt null (NaN written as JSON)', JSON.stringify({ v: 1, storedAt: NaN, value: 1 })],
    ['an entry with an infinite storedAt', '{"v":1,"storedAt":1e999,"value":1}'],
    ['an entry with no value', JSON.stringify({ v: 1, storedAt: 1 })],
  ];

  it.each(garbage)('should load undefined for %s', (_, text) => {
    const { storage, persister, errors } = setup<number>();
    storage.setItem(KEY, text);
    expect(persister.load()).toBeUndefined();
    expect(storage.items.has(KEY)).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Error);
  });

  it('should say which key held the bad entry, and leave the entry out of the message', () => {
    const { storage, persister, errors } = setup<number>();
    storage.setItem(KEY, JSON.stringify({ v: 1, storedAt: 'secret-token' }));
    persister.load();
    expect(errors).toEqual([new TypeError('Expected the entry under "schema" to be { v: 1, storedAt, value }')]);
  });

  it('should leave the entries of other keys alone', () => {
    const { storage, persister } = setup<number>();
    storage.setItem(KEY, 'garbage');
    storage.setItem('other', 'garbage');
    persister.load();
    expect([...storage.items.keys()]).toEqual(['other']);
  });
});

describe('a storage that throws never throws to the cache', () => {
  it('should report a full storage (QuotaExceededError) on save and remove the older entry', () => {
    const storage = new FullStorage();
    storage.items.set(KEY, JSON.stringify({ v: 1, storedAt: 1, value: 'old' }));
    const errors: unknown[] = [];
    const persister = storagePersister<string>(KEY, { storage, onError: (error) => errors.push(error) });
    expect(() => persister.save({ value: 'new', storedAt: 2 })).not.toThrow();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'QuotaExceededError' });
    expect(persister.load()).toBeUndefined();
  });

  it('should report every call of a disabled storage and return nothing', () => {
    const errors: unknown[] = [];
    const persister = storagePersister<string>(KEY, {
      storage: new DisabledStorage(),
      onError: (error) => errors.push(error),
    });
    expect(persister.load()).toBeUndefined();
    expect(() => persister.remove()).not.toThrow();
    expect(errors).toHaveLength(2);
    expect(() => persister.save({ value: 'v', storedAt: 1 })).not.toThrow();
    // The failed setItem, then the removal of the older entry.
    expect(errors).toHaveLength(4);
    expect(errors.every((error) => error instanceof DOMException && error.name === 'SecurityError')).toBe(true);
  });

  it('should stay quiet without onError', () => {
    const persister = storagePersister<string>(KEY, { storage: new DisabledStorage() });
    expect(persister.load()).toBeUndefined();
    expect(() => persister.save({ value: 'v', storedAt: 1 })).not.toThrow();
    expect(() => persister.remove()).not.toThrow();
    const garbled = new MemoryStorage();
    garbled.setItem(KEY, 'garbage');
    expect(storagePersister<string>(KEY, { storage: garbled }).load()).toBeUndefined();
  });
});

describe('the default storage', () => {
  it('should use localStorage, looked up at each call', () => {
    const persister = storagePersister<string>(KEY);
    const storage = new MemoryStorage();
    vi.stubGlobal('localStorage', storage);
    persister.save({ value: 'v', storedAt: 3 });
    expect(storage.items.has(KEY)).toBe(true);
    expect(persister.load()).toEqual<StoredEntry<string>>({ value: 'v', storedAt: 3 });
  });

  it('should do nothing, quietly, where there is no localStorage (Node)', () => {
    const errors: unknown[] = [];
    const persister = storagePersister<string>(KEY, { onError: (error) => errors.push(error) });
    expect(globalThis.localStorage).toBeUndefined();
    expect(persister.load()).toBeUndefined();
    persister.save({ value: 'v', storedAt: 1 });
    persister.remove();
    expect(errors).toEqual([]);
  });

  it('should report, not throw, when reaching localStorage throws (storage disabled by the browser)', () => {
    const denied = new DOMException('The operation is insecure.', 'SecurityError');
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get: () => {
        throw denied;
      },
    });
    try {
      const errors: unknown[] = [];
      const persister = storagePersister<string>(KEY, { onError: (error) => errors.push(error) });
      expect(persister.load()).toBeUndefined();
      expect(() => persister.save({ value: 'v', storedAt: 1 })).not.toThrow();
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((error) => error === denied)).toBe(true);
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
  });
});

describe('types', () => {
  it('should take a real Storage and infer the value type from deserialize', () => {
    const overRealStorage = (storage: Storage) => storagePersister('k', { storage, deserialize: toSchema });
    expectTypeOf(overRealStorage)
      .returns.toHaveProperty('load')
      .returns.toEqualTypeOf<StoredEntry<Schema> | undefined>();
  });
});
