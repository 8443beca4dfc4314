/**
 * The keyed cache's deadline heap: every key's delayed events behind one
 * timer, delivered in due order (ties in scheduling order), whatever is
 * added and removed in between.
 */
import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/keyed/deadlines.js';
import type { Deadline } from '../../src/keyed/deadlines.js';
import { ManualClock } from '../helpers.js';

const event = { type: 'due' };

describe('Deadlines', () => {
  it('should hand out due deadlines in due order after random adds and removes', () => {
    const clock = new ManualClock();
    let fired = 0;
    const deadlines = new Deadlines<number>(clock, () => fired++);
    let seed = 7;
    const next = (bound: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % bound;
    };
    const pending = new Set<Deadline<number>>();
    for (let i = 0; i < 2_000; i++) {
      if (pending.size > 0 && next(3) === 0) {
        const victim = [...pending][next(pending.size)]!;
        deadlines.remove(victim);
        pending.delete(victim);
      } else {
        // Few distinct delays, so that many deadlines tie.
        pending.add(deadlines.add(i, 'id', event, next(50)));
      }
    }
    clock.skip(1_000);
    const taken: Deadline<number>[] = [];
    for (let due = deadlines.takeDue(); due; due = deadlines.takeDue()) taken.push(due);
    expect(new Set(taken)).toEqual(pending);
    expect(taken.map((deadline) => deadline.at)).toEqual(
      [...pending].map((deadline) => deadline.at).sort((a, b) => a - b),
    );
    expect(deadlines.takeDue()).toBeUndefined();
    expect(fired).toBe(0);
  });

  it('should keep one timer armed for the earliest deadline, and none once empty', () => {
    const clock = new ManualClock();
    let fired = 0;
    const deadlines = new Deadlines<string>(clock, () => fired++);
    const late = deadlines.add('late', 'id', event, 500);
    deadlines.add('early', 'id', event, 100);
    deadlines.arm();
    expect(clock.pendingDelays).toEqual([100]);
    deadlines.arm();
    expect(clock.pendingDelays).toEqual([100]);
    clock.advance(99);
    expect(deadlines.takeDue()).toBeUndefined();
    clock.advance(1);
    expect(fired).toBe(1);
    expect(deadlines.takeDue()?.owner).toBe('early');
    deadlines.arm();
    expect(clock.pendingDelays).toEqual([400]);
    deadlines.remove(late);
    deadlines.arm();
    expect(clock.pendingDelays).toEqual([]);
  });

  it('should drop every deadline and the timer on clear', () => {
    const clock = new ManualClock();
    const deadlines = new Deadlines<string>(clock, () => {});
    deadlines.add('a', 'id', event, 100);
    deadlines.arm();
    deadlines.clear();
    expect(clock.pendingDelays).toEqual([]);
    clock.skip(200);
    expect(deadlines.takeDue()).toBeUndefined();
  });
});
