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
  /** Position in the heap while pending. */
  index: number;
  /** The owner's next pending deadline (each owner keeps its own short list). */
  next: Deadline<Owner> | undefined;
}

/**
 * Every key's pending delayed events, behind one clock timer. Thousands of
 * idle keys each waiting to go stale or expire cost one heap slot each, not
 * one timer each: a binary heap ordered by due time, and a single timer armed
 * for the earliest deadline. Deadlines due at the same moment come out in no
 * set order; a key's chart ends the same either way (with `refreshWindow` 0,
 * going stale and expiring at once both end in `empty`).
 */
export class Deadlines<Owner> {
  readonly #clock: CacheClock;
  readonly #onDue: () => void;
  readonly #heap: Deadline<Owner>[] = [];
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

  /**
   * Adds a deadline `delay` ms from now, ahead of `next` in its owner's list.
   * Call {@link Deadlines.arm} once done changing.
   */
  add(owner: Owner, id: string, event: EventObject, delay: number, next?: Deadline<Owner>): Deadline<Owner> {
    const heap = this.#heap;
    // Whole milliseconds, rounded up (never early): a small integer is stored in
    // the object itself, where a fraction would take a number object of its own.
    const at = Math.ceil(this.#clock.now() + delay);
    const deadline: Deadline<Owner> = { owner, id, event, at, index: heap.length, next };
    heap.push(deadline);
    siftUp(heap, deadline);
    return deadline;
  }

  /** Removes a deadline that is still pending. */
  remove(deadline: Deadline<Owner>): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (last === deadline) return;
    heap[(last.index = deadline.index)] = last;
    siftDown(heap, last);
    siftUp(heap, last);
  }

  /**
   * Removes and returns the earliest deadline if it is due by the clock, else
   * `undefined`. (Should a timer fire a hair early by the clock's rounding,
   * {@link Deadlines.arm} arms it again for the rest.)
   */
  takeDue(): Deadline<Owner> | undefined {
    const earliest = this.#heap[0];
    if (earliest === undefined || earliest.at > this.#clock.now()) return undefined;
    this.remove(earliest);
    return earliest;
  }

  /** Arms the one timer for the earliest deadline, or clears it when none is pending. */
  arm(): void {
    const at = this.#heap[0]?.at;
    if (at === this.#armedFor) return;
    if (this.#armedFor !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedFor = at;
    if (at === undefined) return;
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#armedFor = undefined;
        this.#onDue();
      },
      // Past due (a late clock) is a delay <= 0: the timer fires at once.
      at - this.#clock.now(),
    );
  }

  /** Drops every deadline and clears the timer. */
  clear(): void {
    this.#heap.length = 0;
    this.arm();
  }
}

/** Moves `moving` toward the root while it is due before its parent. */
function siftUp<Owner>(heap: Deadline<Owner>[], moving: Deadline<Owner>): void {
  let index = moving.index;
  while (index > 0) {
    const parent = heap[(index - 1) >> 1]!;
    if (moving.at >= parent.at) break;
    heap[(parent.index = index)] = parent;
    index = (index - 1) >> 1;
  }
  heap[(moving.index = index)] = moving;
}

/** Moves `moving` toward the leaves while a child is due before it. */
function siftDown<Owner>(heap: Deadline<Owner>[], moving: Deadline<Owner>): void {
  let index = moving.index;
  for (;;) {
    let child = heap[2 * index + 1];
    const right = heap[2 * index + 2];
    if (right !== undefined && right.at < child!.at) child = right;
    if (child === undefined || child.at >= moving.at) break;
    const childIndex = child.index;
    heap[(child.index = index)] = child;
    index = childIndex;
  }
  heap[(moving.index = index)] = moving;
}
