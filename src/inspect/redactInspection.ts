import { toObserver } from 'xstate';
import type { AnyActorRef, InspectionEvent, Observer } from 'xstate';
import type { BackgroundCacheOptions } from '../adapter/options.js';

/**
 * What inspection shows in place of a secret: a cached value (`'value'`) or
 * the reason a fetch failed (`'reason'`), which may quote a token or a
 * user's data as well. Return the secret itself to show it.
 */
export type InspectionMask = (secret: unknown, kind: 'value' | 'reason') => unknown;

/** The default {@link InspectionMask}: every secret becomes `'[redacted]'`. */
export const redactAll: InspectionMask = () => '[redacted]';

type Fields = Record<string, unknown>;

/**
 * Wraps an XState inspection observer so that it never sees the cache's
 * value or a fetch's failure reason: they are replaced by what `mask`
 * returns wherever they travel (`seed`, `fetch.done` and `fetch.error`
 * events, the chart's `flight.fail` and `flight.timeout` commands in
 * `@xstate.action` events, the chart's `context`). `undefined` stays
 * `undefined`, so an empty cache still looks empty. Redacting whole
 * inspection events (not only `context`, as `sanitizeContext` of
 * `@statelyai/inspect` does) matters: a value also rides on events. Each
 * actor reaches the observer as one stand-in (the same object on all its
 * events, as `actorRef` or `sourceRef`) whose `getSnapshot()` is redacted
 * as well.
 *
 * {@link createBackgroundCache} applies it to its `inspect` option unless
 * `redact: false` is passed.
 *
 * @example
 *   const inspector = createBrowserInspector();
 *   const actor = createActor(backgroundCacheMachine, {
 *     input: { ttl: 30_000, refreshWindow: 5_000 },
 *     inspect: redactInspection(inspector.inspect),
 *   });
 *
 * @param inspect - The observer that receives the redacted events.
 * @param mask - What replaces each secret. @defaultValue {@link redactAll}
 * @returns An observer to pass as XState's `inspect` option.
 */
export function redactInspection(
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void),
  mask: InspectionMask = redactAll,
): Observer<InspectionEvent> {
  const observer = toObserver(inspect);
  const hide = (secret: unknown, kind: 'value' | 'reason'): unknown =>
    secret === undefined ? undefined : mask(secret, kind);

  // Events carry secrets as `value` (`seed`, `fetch.done`) and `reason`
  // (`fetch.error`); the chart's flight commands carry a reason too
  // (`flight.fail`, `flight.timeout`), inside an action's `params.event`.
  const scrub = (fields: Fields): Fields => {
    const copy = { ...fields };
    for (const key of ['value', 'reason'] as const) if (key in copy) copy[key] = hide(copy[key], key);
    for (const key of ['params', 'event']) if (copy[key]) copy[key] = scrub(copy[key] as Fields);
    return copy;
  };

  // The chart's snapshot keeps its shape (its own toJSON included).
  const redactSnapshot = (snapshot: Fields): Fields => {
    const { context } = snapshot as Fields & { context?: Fields };
    return context
      ? {
          ...snapshot,
          context: { ...context, value: hide(context['value'], 'value'), error: hide(context['error'], 'reason') },
        }
      : snapshot;
  };

  // An inspector may read an actor's snapshot later (Stately's does, for
  // `@xstate.actor`), when it holds a value. One stand-in per actor, made on
  // its first event: every event of that actor, as receiver (`actorRef`) or
  // sender (`sourceRef`), carries the same object, so an inspector can
  // compare actors or keep them in a Map.
  const standIns = new WeakMap<AnyActorRef, AnyActorRef>();
  const redactActor = (actorRef: AnyActorRef): AnyActorRef =>
    standIns.get(actorRef) ??
    standIns
      .set(
        actorRef,
        new Proxy(actorRef, {
          get: (target, key) =>
            key === 'getSnapshot'
              ? () => redactSnapshot(target.getSnapshot() as Fields)
              : (Reflect.get(target, key) as unknown),
        }),
      )
      .get(actorRef)!;

  return {
    next(inspectionEvent) {
      const event = inspectionEvent as unknown as Fields & {
        actorRef: AnyActorRef;
        sourceRef?: AnyActorRef;
        event?: Fields;
        snapshot?: Fields;
        action?: Fields;
      };
      observer.next?.({
        ...event,
        actorRef: redactActor(event.actorRef),
        ...(event.sourceRef && { sourceRef: redactActor(event.sourceRef) }),
        ...(event.event && { event: scrub(event.event) }),
        ...(event.action && { action: scrub(event.action) }),
        ...(event.snapshot && { snapshot: redactSnapshot(event.snapshot) }),
      } as unknown as InspectionEvent);
    },
  };
}

/**
 * XState's `inspect` option for a cache's actor, shared by both caches: the
 * user's observer, redacted unless `redact: false`; nothing without one.
 *
 * @example
 *   createActor(backgroundCacheMachine, { input, ...inspectOption({ inspect, redact }) });
 */
export const inspectOption = ({ inspect, redact }: Pick<BackgroundCacheOptions, 'inspect' | 'redact'>) =>
  inspect && {
    inspect: redact === false ? inspect : redactInspection(inspect, typeof redact === 'function' ? redact : undefined),
  };
