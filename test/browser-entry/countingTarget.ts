/** An `EventTarget` that counts its listeners per event type, standing in for `window` or `document`. */
export class CountingTarget extends EventTarget {
  readonly listeners = new Map<string, number>();
  visibilityState = 'visible';

  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) + 1);
    super.addEventListener(type, listener, options);
  }

  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    this.listeners.set(type, (this.listeners.get(type) ?? 0) - 1);
    super.removeEventListener(type, listener, options);
  }

  /** Every listener still attached, of every type. */
  get total(): number {
    return [...this.listeners.values()].reduce((sum, count) => sum + count, 0);
  }

  /** Sets `visibilityState` and dispatches `visibilitychange`, as a browser does when the tab is hidden or shown. */
  show(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}
