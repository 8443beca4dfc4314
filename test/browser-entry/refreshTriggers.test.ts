/**
 * `refreshOnVisible` and `refreshOnOnline` on their own (SPEC guarantee 18,
 * the triggers' clauses): they call back on the right events only, remove
 * every listener they added, and do nothing where there is no `document` or
 * `window`. What the cache does when they fire is in `cache.test.ts`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { refreshOnOnline, refreshOnVisible } from '../../src/browser/index.js';
import { CountingTarget } from './countingTarget.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('refreshOnVisible', () => {
  it('should call back when the page becomes visible, not when it is hidden', () => {
    const document = new CountingTarget();
    const trigger = vi.fn();
    refreshOnVisible({ document }).subscribe(trigger);
    document.show('hidden');
    expect(trigger).not.toHaveBeenCalled();
    document.show('visible');
    expect(trigger).toHaveBeenCalledTimes(1);
    document.show('hidden');
    document.show('visible');
    expect(trigger).toHaveBeenCalledTimes(2);
  });

  it('should ignore other events', () => {
    const document = new CountingTarget();
    const trigger = vi.fn();
    refreshOnVisible({ document }).subscribe(trigger);
    document.dispatchEvent(new Event('focus'));
    document.dispatchEvent(new Event('online'));
    expect(trigger).not.toHaveBeenCalled();
  });

  it('should add one listener per subscription and remove it on unsubscribe', () => {
    const document = new CountingTarget();
    const trigger = vi.fn();
    const visible = refreshOnVisible({ document });
    const first = visible.subscribe(trigger);
    const second = visible.subscribe(trigger);
    expect(document.listeners.get('visibilitychange')).toBe(2);
    first();
    expect(document.listeners.get('visibilitychange')).toBe(1);
    document.show('visible');
    expect(trigger).toHaveBeenCalledTimes(1);
    second();
    expect(document.total).toBe(0);
    document.show('visible');
    expect(trigger).toHaveBeenCalledTimes(1);
  });

  it('should use the global document, looked up when the cache subscribes', () => {
    const visible = refreshOnVisible();
    const document = new CountingTarget();
    vi.stubGlobal('document', document);
    const trigger = vi.fn();
    const unsubscribe = visible.subscribe(trigger);
    document.show('visible');
    expect(trigger).toHaveBeenCalledTimes(1);
    unsubscribe();
    expect(document.total).toBe(0);
  });

  it('should do nothing where there is no document (Node, workers)', () => {
    expect(globalThis.document).toBeUndefined();
    const unsubscribe = refreshOnVisible().subscribe(() => {
      throw new Error('never called');
    });
    expect(() => unsubscribe()).not.toThrow();
  });
});

describe('refreshOnOnline', () => {
  it('should call back when the browser comes back online, not when it goes offline', () => {
    const target = new CountingTarget();
    const trigger = vi.fn();
    refreshOnOnline({ target }).subscribe(trigger);
    target.dispatchEvent(new Event('offline'));
    expect(trigger).not.toHaveBeenCalled();
    target.dispatchEvent(new Event('online'));
    expect(trigger).toHaveBeenCalledTimes(1);
  });

  it('should add one listener per subscription and remove it on unsubscribe', () => {
    const target = new CountingTarget();
    const online = refreshOnOnline({ target });
    const first = online.subscribe(vi.fn());
    const second = online.subscribe(vi.fn());
    expect(target.listeners.get('online')).toBe(2);
    first();
    second();
    expect(target.total).toBe(0);
  });

  it('should use the global object (window, or a worker scope) when it dispatches events', () => {
    const scope = new CountingTarget();
    vi.stubGlobal('addEventListener', scope.addEventListener.bind(scope));
    vi.stubGlobal('removeEventListener', scope.removeEventListener.bind(scope));
    const trigger = vi.fn();
    const unsubscribe = refreshOnOnline().subscribe(trigger);
    scope.dispatchEvent(new Event('online'));
    expect(trigger).toHaveBeenCalledTimes(1);
    unsubscribe();
    expect(scope.total).toBe(0);
  });

  it('should do nothing where the global object dispatches no events (Node)', () => {
    expect(typeof globalThis.addEventListener).toBe('undefined');
    const unsubscribe = refreshOnOnline().subscribe(() => {
      throw new Error('never called');
    });
    expect(() => unsubscribe()).not.toThrow();
  });
});

describe('several triggers at once', () => {
  it('should keep their listeners apart', () => {
    const target = new CountingTarget();
    const trigger = vi.fn();
    const stops = [refreshOnVisible({ document: target }), refreshOnOnline({ target })].map((t) =>
      t.subscribe(trigger),
    );
    target.dispatchEvent(new Event('online'));
    target.show('visible');
    expect(trigger).toHaveBeenCalledTimes(2);
    for (const stop of stops) stop();
    expect(target.total).toBe(0);
  });
});

describe('types', () => {
  it('should take the real document and window as event sources', () => {
    const withRealSources = (doc: Document, win: Window) => [
      refreshOnVisible({ document: doc }),
      refreshOnOnline({ target: win }),
      refreshOnOnline({ target: doc }),
    ];
    expect(withRealSources).toBeTypeOf('function');
  });
});
