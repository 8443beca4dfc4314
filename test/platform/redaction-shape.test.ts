/**
 * What redaction leaves as it was: an inspected event keeps its own fields
 * (nothing added where no secret travels), and an observer that does not
 * listen to events is never called on a method it lacks. Mutation testing
 * (`npm run test:mutation`) found both unwatched.
 */
import { createActor, SimulatedClock } from 'xstate';
import type { InspectionEvent, Observer } from 'xstate';
import { describe, expect, it } from 'vitest';
import { backgroundCacheMachine, redactInspection } from '../../src/index.js';

/** The events a redacted observer hands on while a chart is seeded, read and invalidated. */
function inspect(observer: Observer<InspectionEvent> | ((event: InspectionEvent) => void)) {
  const clock = new SimulatedClock();
  const actor = createActor(backgroundCacheMachine, {
    input: { ttl: 1_000, refreshWindow: 100 },
    clock,
    inspect: redactInspection(observer),
  }).start();
  actor.send({ type: 'seed', now: 0, value: 'secret' });
  actor.send({ type: 'get', now: 10, fetch: () => 'unused' });
  actor.send({ type: 'invalidate' });
  actor.stop();
}

describe('redaction', () => {
  it('should hand on an event that carries no secret with exactly its own fields', () => {
    const received: Record<string, unknown>[] = [];
    inspect((event) => {
      if (event.type === '@xstate.event') received.push(event.event);
    });
    expect(received.find((event) => event['type'] === 'invalidate')).toStrictEqual({ type: 'invalidate' });
    const get = received.find((event) => event['type'] === 'get');
    expect(Object.keys(get ?? {}).sort()).toEqual(['fetch', 'now', 'type']);
    expect(received.find((event) => event['type'] === 'seed')).toStrictEqual({
      type: 'seed',
      now: 0,
      value: '[redacted]',
    });
  });

  it('should pass over an observer without next(), calling nothing it lacks', () => {
    let completed = 0;
    expect(() => inspect({ complete: () => completed++ })).not.toThrow();
    expect(completed).toBe(0);
  });
});
