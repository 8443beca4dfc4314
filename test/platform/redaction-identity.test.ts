/**
 * Redaction keeps actor identity (issue 9, defect 5): an inspection observer
 * sees one stand-in object per actor, on every event of that actor, whether
 * the actor receives the event (`actorRef`) or sends it (`sourceRef`). An
 * inspector that compares actor refs or keeps them in a Map sees each actor
 * once, and a stand-in still redacts what its `getSnapshot()` returns.
 */
import { assign, createActor, fromCallback, sendParent, setup, SimulatedClock } from 'xstate';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createBackgroundCache, createKeyedBackgroundCache, redactInspection } from '../../src/index.js';
import { controlledFetch, flush } from '../helpers.js';

const SECRET = 'tok-identity';

/** The actor that sent an inspected event, if an actor did. */
const senderOf = (event: InspectionEvent) => (event.type === '@xstate.event' ? event.sourceRef : undefined);

/** Every actor ref an observer was handed: receivers and senders. */
const refsIn = (events: InspectionEvent[]) =>
  events.flatMap((event) => [event.actorRef, senderOf(event) ?? []].flat() as AnyActorRef[]);

/** The actor refs handed for each actor (by session id). */
function refsBySession(events: InspectionEvent[]) {
  const bySession = new Map<string, Set<AnyActorRef>>();
  for (const ref of refsIn(events)) {
    bySession.set(ref.sessionId, (bySession.get(ref.sessionId) ?? new Set()).add(ref));
  }
  return bySession;
}

/** A cache driven through a fetch, a background refresh, a seed and an invalidate, with its inspection events. */
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

describe('actor identity under redaction', () => {
  it("should hand the cache's actor as one object on all its events", async () => {
    const { cache, events } = await inspectedCache();
    const chartEvents = events.filter((event) => event.actorRef.sessionId === cache.actor.sessionId);
    expect(chartEvents.length).toBeGreaterThan(5);
    expect(new Set(chartEvents.map((event) => event.actorRef)).size).toBe(1);
    // The stand-in answers for the cache's actor, and redacts its snapshot.
    const standIn = chartEvents[0]?.actorRef as AnyActorRef | undefined;
    expect(standIn?.id).toBe(cache.actor.id);
    cache.seed(SECRET);
    expect(cache.actor.getSnapshot().context.value).toBe(SECRET);
    expect(JSON.stringify(standIn?.getSnapshot())).not.toContain(SECRET);
    cache.stop();
  });

  it("should hand the keyed cache's registry as one object on all its events", async () => {
    const events: InspectionEvent[] = [];
    const users = createKeyedBackgroundCache<string, string>({
      ttl: 1_000,
      refreshWindow: 0,
      maxEntries: 10,
      clock: new SimulatedClock(),
      fetch: async (key) => `${SECRET}-${key}`,
      inspect: (event) => void events.push(event),
    });
    await users.get('a');
    users.seed('b', SECRET);
    users.invalidate('a');
    expect(events.length).toBeGreaterThan(3);
    for (const [sessionId, refs] of refsBySession(events)) expect(refs.size, sessionId).toBe(1);
    users.stop();
  });

  it('should let an inspector keep its actors in a Map, one entry per actor', async () => {
    const { cache, events } = await inspectedCache();
    const actors = new Map<AnyActorRef, number>();
    for (const ref of refsIn(events)) actors.set(ref, (actors.get(ref) ?? 0) + 1);
    expect(actors.size).toBe(refsBySession(events).size);
    cache.stop();
  });

  it('should hand a sender the stand-in of its own events, redacted too', () => {
    // An app's own system, inspected through redactInspection: a child that holds a secret and reports it.
    const child = setup({ types: { context: {} as { value: string | undefined } } }).createMachine({
      context: { value: undefined },
      on: {
        load: { actions: [assign({ value: SECRET }), sendParent({ type: 'seed', value: SECRET })] },
      },
    });
    const parent = setup({ actors: { child } }).createMachine({
      invoke: { src: 'child', id: 'child' },
      on: { seed: {} },
    });
    const events: InspectionEvent[] = [];
    const actor = createActor(parent, { inspect: redactInspection((event) => void events.push(event)) }).start();
    const childRef = actor.getSnapshot().children['child'] as AnyActorRef;
    childRef.send({ type: 'load' });

    const report = events.find((event) => event.type === '@xstate.event' && event.event.type === 'seed');
    const sender = report && senderOf(report);
    expect(sender?.sessionId).toBe(childRef.sessionId);
    // The child's own events carry that very object, and it shows no secret.
    expect(events.some((event) => event.type === '@xstate.snapshot' && event.actorRef === sender)).toBe(true);
    expect(JSON.stringify(sender?.getSnapshot())).not.toContain(SECRET);
    expect(JSON.stringify(report?.type === '@xstate.event' && report.event)).not.toContain(SECRET);
    for (const [sessionId, refs] of refsBySession(events)) expect(refs.size, sessionId).toBe(1);
    actor.stop();
  });

  it("should hand a non-machine sender's stand-in too, its snapshot as it is", () => {
    const reporter = fromCallback(({ sendBack }) => sendBack({ type: 'report' }));
    const parent = setup({ actors: { reporter } }).createMachine({
      invoke: { src: 'reporter', id: 'reporter' },
      on: { report: {} },
    });
    const events: InspectionEvent[] = [];
    const actor = createActor(parent, { inspect: redactInspection((event) => void events.push(event)) }).start();
    const reporterRef = actor.getSnapshot().children['reporter'] as AnyActorRef;

    const report = events.find((event) => event.type === '@xstate.event' && event.event.type === 'report');
    const sender = report && senderOf(report);
    expect(sender?.sessionId).toBe(reporterRef.sessionId);
    expect(events.some((event) => event.actorRef === sender)).toBe(true);
    // A callback actor's snapshot has no context to redact: it comes through as the actor has it.
    expect(sender?.getSnapshot()).toEqual(reporterRef.getSnapshot());
    actor.stop();
  });
});
