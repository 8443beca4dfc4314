import { backgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { BackgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { AnyActorRef, AnyActorScope, EventObject, ExecutableActionObject, SnapshotFrom } from 'xstate';
import type { Deadline, Deadlines } from './deadlines.js';
import type { EntryKey } from './keys.js';

/** An XState actor system, as every actor ref carries one. */
export type ActorSystemOf = AnyActorRef['system'];

/** One key's state: a snapshot of {@link backgroundCacheMachine}. */
export type KeySnapshot<V> = SnapshotFrom<BackgroundCacheMachine<V>>;

/** What an entry needs from the registry it lives in. */
export interface EntryHost {
  /** The registry's actor system: the fetch actors live in it and read its clock. */
  readonly system: ActorSystemOf;
  /** The registry's session id, under which inspection shows each key's fetch. */
  readonly sessionId: string;
  /** Hands an event from the key's fetch actor (its outcome) to the registry. */
  relay(entry: KeyEntry<unknown>, event: EventObject): void;
}

/** The XState calls an entry makes on a fetch actor, which the public typings keep private. */
interface StoppableActor {
  _stop(): void;
}

/** XState's id for a delayed event and its cancellation (the `after` transitions). */
interface RaiseParams {
  readonly event: EventObject;
  readonly id: string;
  readonly delay?: number;
}

// The chart emits nothing; were it to, no one would listen to a key.
/* v8 ignore next -- @preserve */
const noop = (): void => {};
const NO_DEADLINES: readonly never[] = [];

/**
 * One key: its chart's snapshot, advanced with the chart's own transition
 * function, plus the registry's bookkeeping (recency links, pending
 * deadlines). An idle key is this object and its snapshot, nothing more.
 *
 * While a fetch is in flight the entry is also the fetch actor's parent:
 * XState relays the fetch's outcome to it (`_send`), and it hands the
 * outcome to the registry, which feeds it back to this key's chart.
 */
export class KeyEntry<V> {
  readonly key: EntryKey;
  snapshot: KeySnapshot<V>;
  /** The entry used just before this one (toward the eviction end). */
  older: KeyEntry<V> | undefined;
  /** The entry used just after this one. */
  newer: KeyEntry<V> | undefined;
  /** The chart's delayed events that have not fired yet (replaced, never grown: a few each, kept tight). */
  deadlines: readonly Deadline<KeyEntry<V>>[] = NO_DEADLINES;
  readonly #host: EntryHost;

  constructor(key: EntryKey, snapshot: KeySnapshot<V>, host: EntryHost) {
    this.key = key;
    this.snapshot = snapshot;
    this.#host = host;
  }

  /** True while the key's fetch is in flight: such an entry is never evicted. */
  get isFetching(): boolean {
    return this.snapshot.children.fetch !== undefined;
  }

  /** The actor system the key's fetch actor joins (XState reads its parent's). */
  get system(): ActorSystemOf {
    return this.#host.system;
  }

  /** Inspection shows a key's fetch actor as the registry's child. */
  get sessionId(): string {
    return this.#host.sessionId;
  }

  /** Where XState delivers the fetch actor's done or error event. */
  _send(event: EventObject): void {
    this.#host.relay(this as KeyEntry<unknown>, event);
  }

  /** What inspection shows of an entry that rides on an event: its key, never its value. */
  toJSON(): { key: string } {
    return { key: typeof this.key === 'string' ? this.key : String(this.key) };
  }

  /**
   * Advances the key's chart by `event` with the chart's transition function,
   * then runs what the transition asks for as XState's own actor would: its
   * delayed events become deadlines, its fetch actor starts or stops.
   */
  step(event: EventObject, deadlines: Deadlines<KeyEntry<V>>): void {
    const deferred: (() => void)[] = [];
    const scope: AnyActorScope = {
      self: this as unknown as AnyActorScope['self'],
      id: '',
      sessionId: this.sessionId,
      logger: this.#host.system._logger,
      defer: (effect) => deferred.push(effect),
      system: this.#host.system,
      emit: noop,
      stopChild: (child) => (child as unknown as StoppableActor)._stop(),
      actionExecutor: (action) => this.#execute(action, deadlines),
    };
    this.snapshot = (backgroundCacheMachine as unknown as BackgroundCacheMachine<V>).transition(
      this.snapshot,
      event as never,
      scope as never,
    );
    // As in XState's actor: the snapshot is current before any effect runs,
    // so a fetch that re-enters the cache sees it.
    for (const effect of deferred) effect();
  }

  #execute(action: ExecutableActionObject, deadlines: Deadlines<KeyEntry<V>>): void {
    const params = action.params as RaiseParams & { sendId: string };
    if (action.type === 'xstate.raise' && params.delay !== undefined) {
      this.deadlines = [...this.deadlines, deadlines.add(this, params.id, params.event, params.delay)];
    } else if (action.type === 'xstate.cancel') {
      // A deadline that already fired is gone from the list: nothing to cancel.
      for (const deadline of this.deadlines) {
        if (deadline.id === params.sendId) {
          deadlines.remove(deadline);
          this.fired(deadline);
        }
      }
    } else {
      // Starting and stopping the fetch actor, bound to `scope` by XState.
      action.exec!(action.info, action.params);
    }
  }

  /** Forgets a deadline that fired or was cancelled. */
  fired(deadline: Deadline<KeyEntry<V>>): void {
    this.deadlines = this.deadlines.length === 1 ? NO_DEADLINES : this.deadlines.filter((other) => other !== deadline);
  }
}
