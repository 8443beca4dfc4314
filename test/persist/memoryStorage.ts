import type { StorageLike } from '../../src/persist/index.js';

/** An in-memory `Storage` for Node, with its items in plain view. */
export class MemoryStorage implements StorageLike {
  readonly items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** The error a full `localStorage` throws from `setItem`. */
export const quotaExceeded = (): DOMException =>
  new DOMException("Failed to execute 'setItem' on 'Storage': the quota has been exceeded.", 'QuotaExceededError');

/** A storage that is full: `setItem` throws `QuotaExceededError`, reads and removals work. */
export class FullStorage extends MemoryStorage {
  override setItem(): void {
    throw quotaExceeded();
  }
}

/** A disabled storage: every call throws a `SecurityError`. */
export class DisabledStorage implements StorageLike {
  getItem(): string | null {
    throw new DOMException('Access is denied for this document.', 'SecurityError');
  }

  setItem(): void {
    throw new DOMException('Access is denied for this document.', 'SecurityError');
  }

  removeItem(): void {
    throw new DOMException('Access is denied for this document.', 'SecurityError');
  }
}
