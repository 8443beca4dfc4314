/**
 * Inspection must not ship the cached value (often a token or a user's data)
 * nor a failure's reason unless asked: every path that moves a value (fetch,
 * refresh, failure, seed, invalidate, supersede, expiry, stop) is driven with
 * an inspector attached, and neither the raw inspection events nor what
 * `@statelyai/inspect` would send may carry a secret.
 */
import { createInspector } from '@statelyai/inspect';
import { createActor, SimulatedClock } from 'xstate';
import type { InspectionEvent, Observer } from 'xstate';
import { describe, expect, it } from 'vitest';
import { backgroundCacheMachine, createBackgroundCache, redactAll, redactInspection } from '../../src/index.js';
import type { BackgroundCacheOptions, InspectionMask } from '../../src/index.js';
import { controlledFetch, flush } from '../helpers.js';

const TTL = 1_000;
const WINDOW = 200;

const SECRETS = ['tok-fetched', 'tok-refreshed', 'tok-seeded', 'tok-orphan', 'tok-superseded', 'tok-reseeded'];
const REASONS = ['why-refresh-failed', 'why-first-fetch-failed'];

/** JSON as an inspector would send it: functions by name, each object once. */
function serialize(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner === 'function') return `[function ${inner.name}]`;
    if (typeof inner === 'object' && inner !== null) {
      if (seen.has(inner)) return '[seen]';
      seen.add(inner);
    }
    return inner;
  });
}

/** Lets `@statelyai/inspect` run its deferred conversions (a `setTimeout(0)` each in Node). */
const drainInspector = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Drives one cache through every path that moves a value, with `inspect`
 * attached; returns the states it went through.
 */
async function driveEveryPath(options: Pick<BackgroundCacheOptions, 'inspect' | 'redact'>): Promise<string[]> {
  const clock = new SimulatedClock();
  const cache = createBackgroundCache<{ token: string }>({ ttl: TTL, refreshWindow: WINDOW, clock, ...options });
  const states: string[] = [];
  cache.actor.subscribe((snapshot) => states.push(JSON.stringify(snapshot.value)));

  // A first fetch, then a background refresh.
  expect(await cache.get(async () => ({ token: 'tok-fetched' }))).toEqual({ token: 'tok-fetched' });
  clock.increment(TTL - WINDOW + 10);
  const refresh = controlledFetch<{ token: string }>();
  await cache.get(refresh);
  refresh.resolve({ token: 'tok-refreshed' });
  await flush();

  // A refresh that fails (the previous value is kept), then an expiry.
  clock.increment(TTL - WINDOW + 10);
  await cache.get(async () => Promise.reject({ code: 401, detail: 'why-refresh-failed' }));
  await flush();
  clock.increment(WINDOW);

  // A first fetch that fails: its waiter hears the reason.
  await expect(cache.get(async () => Promise.reject(new Error('why-first-fetch-failed')))).rejects.toThrow();

  // A seed, an invalidate, and an invalidate while a fetch is in flight.
  cache.seed({ token: 'tok-seeded' });
  cache.invalidate();
  const orphan = controlledFetch<{ token: string }>();
  const orphanWaiter = cache.get(orphan);
  cache.invalidate();
  orphan.resolve({ token: 'tok-orphan' });
  expect(await orphanWaiter).toEqual({ token: 'tok-orphan' });

  // A seed that supersedes a fetch in flight, then stop.
  const superseded = controlledFetch<{ token: string }>();
  const supersededWaiter = cache.get(superseded);
  cache.seed({ token: 'tok-reseeded' });
  superseded.resolve({ token: 'tok-superseded' });
  await supersededWaiter;
  cache.stop();
  await drainInspector();
  return states;
}

/** Records what `@statelyai/inspect` would send over the wire, serialized. */
function statelyRecorder() {
  const sent: string[] = [];
  const inspector = createInspector({ send: (event) => sent.push(serialize(event)) });
  return { sent, inspect: inspector.inspect };
}

function rawRecorder() {
  const events: InspectionEvent[] = [];
  return { events, inspect: (event: InspectionEvent) => void events.push(event) };
}

const leaksIn = (messages: string[]) =>
  [...SECRETS, ...REASONS].filter((secret) => messages.some((message) => message.includes(secret)));

describe('redaction by default', () => {
  it('should send no value and no failure reason to the Stately inspector', async () => {
    const recorder = statelyRecorder();
    await driveEveryPath({ inspect: recorder.inspect });
    expect(recorder.sent.length).toBeGreaterThan(30);
    expect(leaksIn(recorder.sent)).toEqual([]);
    expect(recorder.sent.some((message) => message.includes('[redacted]'))).toBe(true);
  });

  it('should hand a raw inspection observer no value and no failure reason', async () => {
    const recorder = rawRecorder();
    await driveEveryPath({ inspect: recorder.inspect });
    const messages = recorder.events.map(serialize);
    expect(leaksIn(messages)).toEqual([]);
    // A late read of an actor's snapshot, as Stately's inspector does for `@xstate.actor`.
    const lateReads = recorder.events.map((event) => serialize(event.actorRef.getSnapshot()));
    expect(leaksIn(lateReads)).toEqual([]);
  });

  it('should redact with an observer object as well as a function', async () => {
    const events: InspectionEvent[] = [];
    const observer: Observer<InspectionEvent> = { next: (event) => events.push(event) };
    await driveEveryPath({ inspect: observer, redact: true });
    expect(events.length).toBeGreaterThan(30);
    expect(leaksIn(events.map(serialize))).toEqual([]);
  });

  it('should keep the states, the event types and what is not secret', async () => {
    const recorder = rawRecorder();
    const states = await driveEveryPath({ inspect: recorder.inspect });
    const rootSnapshots = recorder.events.flatMap((event) => (event.type === '@xstate.snapshot' ? [event] : []));
    // The initial snapshot, each one observers saw, and the one at stop.
    expect(
      rootSnapshots.map((event) => JSON.stringify((event.snapshot as unknown as { value: unknown }).value)),
    ).toEqual(['"empty"', ...states, states.at(-1)]);
    const contexts = rootSnapshots.map(
      (event) => (event.snapshot as unknown as { context: Record<string, unknown> }).context,
    );
    // An empty cache still looks empty; a held value and a reason show as redacted.
    expect(contexts[0]).toMatchObject({ ttl: TTL, refreshWindow: WINDOW, value: undefined, storedAt: undefined });
    expect(contexts.some((context) => context['value'] === '[redacted]' && context['storedAt'] === 0)).toBe(true);
    expect(contexts.some((context) => context['error'] === '[redacted]')).toBe(true);

    const eventTypes = recorder.events.flatMap((event) => (event.type === '@xstate.event' ? [event.event.type] : []));
    expect(eventTypes).toEqual(expect.arrayContaining(['get', 'seed', 'invalidate', 'fetch.done', 'fetch.error']));
    const done = recorder.events.find((event) => event.type === '@xstate.event' && event.event.type === 'fetch.done');
    expect(done?.type === '@xstate.event' && done.event).toMatchObject({
      value: '[redacted]',
      flight: expect.any(Number) as number,
    });
  });

  it("should show the chart's flight commands, with a failure's reason redacted", async () => {
    const recorder = rawRecorder();
    await driveEveryPath({ inspect: recorder.inspect });
    const commands = recorder.events.flatMap((event) =>
      event.type === '@xstate.action' && event.action.type === 'xstate.emit'
        ? [(event.action.params as { event: { type: string; reason?: unknown } }).event]
        : [],
    );
    expect(commands.map((command) => command.type)).toEqual(
      expect.arrayContaining(['flight.start', 'flight.fail', 'flight.release']),
    );
    expect(commands).toContainEqual(expect.objectContaining({ type: 'flight.fail', reason: '[redacted]' }));
  });
});

describe('choosing what inspection shows', () => {
  it('should ship values and reasons with redact: false', async () => {
    const recorder = statelyRecorder();
    await driveEveryPath({ inspect: recorder.inspect, redact: false });
    // The same drive leaks when asked to: the checks above can fail.
    expect(leaksIn(recorder.sent)).toEqual(expect.arrayContaining(['tok-fetched', 'tok-seeded', 'why-refresh-failed']));
  });

  it('should replace each secret with what a mask function returns', async () => {
    const recorder = statelyRecorder();
    const mask: InspectionMask = (secret, kind) =>
      kind === 'value' ? `token of ${(secret as { token: string }).token.length} chars` : 'a failure';
    await driveEveryPath({ inspect: recorder.inspect, redact: mask });
    expect(leaksIn(recorder.sent)).toEqual([]);
    expect(recorder.sent.some((message) => message.includes('token of 11 chars'))).toBe(true);
    expect(recorder.sent.some((message) => message.includes('a failure'))).toBe(true);
  });

  it('should wrap an inspector for an actor of the bare machine', () => {
    const events: InspectionEvent[] = [];
    const clock = new SimulatedClock();
    const actor = createActor(backgroundCacheMachine, {
      input: { ttl: TTL, refreshWindow: WINDOW },
      clock,
      inspect: redactInspection((event) => events.push(event)),
    }).start();
    actor.send({ type: 'seed', now: clock.now(), value: 'tok-seeded' });
    actor.stop();
    expect(events.some((event) => event.type === '@xstate.event' && event.event.type === 'seed')).toBe(true);
    expect(leaksIn(events.map(serialize))).toEqual([]);
    expect(redactAll('tok-seeded', 'value')).toBe('[redacted]');
  });

  it('should reject a redact option that is neither a boolean nor a function', () => {
    expect(() =>
      createBackgroundCache({ ttl: TTL, refreshWindow: WINDOW, redact: 'yes' as unknown as boolean }),
    ).toThrow(new TypeError('Expected `redact` to be a boolean or a function, got "yes"'));
  });
});
