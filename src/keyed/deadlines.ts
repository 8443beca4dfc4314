import type { EventObject } from 'xstate';
import type { CacheClock } from '../adapter/clock.js';

/** A delayed event one key's chart asked for (one of its `after` transitions). */
export interface Deadline<Owner> {
  readonly owner: Owner;
  /** The id XState gave the delayed event, by which the chart cancels it. */
  readonly id: string;
  readonly event: EventObject;
  /** Clock time at which it is due. */
  readonly at: number;
  /** Scheduling order, so that two deadlines due at once fire as timers would: first scheduled, first fired. */
  readonly order: number;
  /** Position in the heap; -1 once it is no longer pending. */
  index: number;
}

const isEarlier = <Owner>(a: Deadline<Owner>, b: Deadline<Owner>): boolean =>
  a.at < b.at || (a.at === b.at && a.order < b.order);

/**
 * Every key's pending delayed events, behind one clock timer. Thousands of
 * idle keys each waiting to go stale or expire cost one heap slot each, not
 * one timer each: a binary heap ordered by due time, and a single timer armed
 * for the earliest deadline.
 */
export class Deadlines<Owner> {
  readonly #clock: CacheClock;
  readonly #onDue: () => void;
  readonly #heap: Deadline<Owner>[] = [];
  #scheduled = 0;
  #timer: unknown;
  /** The deadline the timer is armed for; `undefined` when no timer is armed. */
  #armedFor: number | undefined;

  /**
   * @param clock - Time and the one timer.
   * @param onDue - Called when the timer fires; it should call {@link Deadlines.takeDue} until it returns `undefined`.
   */
  constructor(clock: CacheClock, onDue: () => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  /** How many deadlines are pending. */
  get size(): number {
    return this.#heap.length;
  }

  /** Adds a deadline `delay` ms from now. Call {@link Deadlines.arm} once done changing. */
  add(owner: Owner, id: string, event: EventObject, delay: number): Deadline<Owner> {
    const deadline: Deadline<Owner> = {
      owner,
      id,
      event,
      at: this.#clock.now() + delay,
      order: this.#scheduled++,
      index: this.#heap.length,
    };
    this.#heap.push(deadline);
    this.#siftUp(deadline.index);
    return deadline;
  }

  /** Removes a deadline that is still pending. */
  remove(deadline: Deadline<Owner>): void {
    const { index } = deadline;
    deadline.index = -1;
    const last = this.#heap.pop()!;
    if (last === deadline) return;
    this.#heap[index] = last;
    last.index = index;
    this.#siftDown(index);
    this.#siftUp(last.index);
  }

  /**
   * Removes and returns the earliest deadline if it is due, else `undefined`.
   * "Due" is judged by the clock, or by the deadline the timer was armed for
   * when that one fired: the timer never fires early, so the moment it
   * fires is at least its deadline even when the clock's arithmetic rounds.
   */
  takeDue(): Deadline<Owner> | undefined {
    const earliest = this.#heap[0];
    if (earliest === undefined || earliest.at > Math.max(this.#clock.now(), this.#fired)) return undefined;
    this.remove(earliest);
    return earliest;
  }

  #fired = -Infinity;

  /** Arms the one timer for the earliest deadline, or clears it when none is pending. */
  arm(): void {
    const earliest = this.#heap[0];
    if (earliest?.at === this.#armedFor) return;
    this.#disarm();
    if (earliest === undefined) return;
    const at = earliest.at;
    this.#armedFor = at;
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#armedFor = undefined;
        this.#fired = at;
        this.#onDue();
      },
      Math.max(0, at - this.#clock.now()),
    );
  }

  /** Drops every deadline and clears the timer. */
  clear(): void {
    for (const deadline of this.#heap) deadline.index = -1;
    this.#heap.length = 0;
    this.#disarm();
  }

  #disarm(): void {
    if (this.#armedFor === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#armedFor = undefined;
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    const moving = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!isEarlier(moving, parent)) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = moving;
    moving.index = index;
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const moving = heap[index]!;
    const half = heap.length >> 1;
    while (index < half) {
      let childIndex = 2 * index + 1;
      let child = heap[childIndex]!;
      const right = heap[childIndex + 1];
      if (right !== undefined && isEarlier(right, child)) {
        childIndex++;
        child = right;
      }
      if (!isEarlier(child, moving)) break;
      heap[index] = child;
      child.index = index;
      index = childIndex;
    }
    heap[index] = moving;
    moving.index = index;
  }
}
