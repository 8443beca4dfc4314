/**
 * Redaction keeps actor identity (issue 9, defect 5): an inspection observer
 * sees one stand-in object per actor, on every event of that actor, whether
 * the actor receives the event (`actorRef`) or sends it (`sourceRef`). An
 * inspector that compares actor refs or keeps them in a Map sees each actor
 * once, and a stand-in still redacts what its `getSnapshot()` returns.
 */
import { SimulatedClock } from 'xstate';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createBackgroundCache } from '../../src/index.js';
import { controlledFetch, flush } from '../helpers.js';

const SECRET = 'tok-identity';

/** A cache driven through two fetches, a seed and an invalidate, with every inspection event it produced. */
async function inspectedCache() {
  const events: InspectionEvent[] = [];
  const clock = new SimulatedClock();
  const cache = createBackgroundCache<string>({
    ttl: 1_000,
    refreshWindow: 200,
    clock,
    inspect: (event) => void events.push(event),
  });
  expect(await cache.get(async () => `${SECRET}-1`)).toBe(`${SECRET}-1`);
  clock.increment(900);
  const refresh = controlledFetch<string>();
  await cache.get(refresh);
  refresh.resolve(`${SECRET}-2`);
  await flush();
  cache.seed(`${SECRET}-3`);
  cache.invalidate();
  return { cache, events };
}

/** Every actor ref an observer was handed: receivers and senders. */
const refsIn = (events: InspectionEvent[]) =>
  events.flatMap((event) => (event.sourceRef ? [event.actorRef, event.sourceRef] : [event.actorRef]));

describe('actor identity under redaction', () => {
  it('should hand one object per actor across all its events', async () => {
    const { cache, events } = await inspectedCache();
    const bySession = new Map<string, Set<AnyActorRef>>();
    for (const ref of refsIn(events)) {
      bySession.set(ref.sessionId, (bySession.get(ref.sessionId) ?? new Set()).add(ref));
    }
    // The chart and the fetch actor of each of the two fetches.
    expect(bySession.size).toBeGreaterThanOrEqual(3);
    for (const [sessionId, refs] of bySession) expect(refs.size, sessionId).toBe(1);

    // The chart's stand-in: the same object from its first event to its last, and it is the cache's actor.
    const chartEvents = events.filter((event) => event.actorRef.sessionId === cache.actor.sessionId);
    expect(chartEvents.length).toBeGreaterThan(5);
    expect(chartEvents.every((event) => event.actorRef === chartEvents[0]?.actorRef)).toBe(true);
    expect(chartEvents[0]?.actorRef.id).toBe(cache.actor.id);
    cache.stop();
  });

  it('should let an inspector keep its actors in a Map, one entry per actor', async () => {
    const { cache, events } = await inspectedCache();
    const actors = new Map<AnyActorRef, number>();
    for (const ref of refsIn(events)) actors.set(ref, (actors.get(ref) ?? 0) + 1);
    expect(actors.size).toBe(new Set(refsIn(events).map((ref) => ref.sessionId)).size);
    cache.stop();
  });

  it('should hand a sender the same stand-in as its own events, and redact it too', async () => {
    const { cache, events } = await inspectedCache();
    const done = events.filter(
      (event) => event.type === '@xstate.event' && event.event.type.startsWith('xstate.done.actor.'),
    );
    expect(done.length).toBe(2);
    for (const event of done) {
      const sender = event.sourceRef;
      expect(sender).toBeDefined();
      // The fetch actor's own events carry the very object that sent its done event.
      expect(events.some((other) => other.actorRef === sender)).toBe(true);
      expect(JSON.stringify(sender?.getSnapshot())).not.toContain(SECRET);
    }
    cache.stop();
  });
});
