import { backgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { BackgroundCacheMachine } from '../machine/backgroundCacheMachine.js';
import type { ActorRef, AnyActorRef, AnyActorScope, EventObject, ExecutableActionObject, SnapshotFrom } from 'xstate';
import type { Deadline, Deadlines } from './deadlines.js';
import type { EntryKey } from './keys.js';

/** One key's state: a snapshot of {@link backgroundCacheMachine}. */
export type KeySnapshot<V> = SnapshotFrom<BackgroundCacheMachine<V>>;

/** The registry's actor, as its entries see it. */
export type RegistryRef = ActorRef<never, EventObject> & { readonly system: AnyActorRef['system'] };

/** The XState call an entry makes on a fetch actor, which the public typings keep private. */
interface StoppableActor {
  _stop(): void;
}

/** The params of XState's `raise` (a delayed one is an `after` transition) and `cancel` actions. */
interface DelayParams {
  readonly event: EventObject;
  readonly id: string;
  readonly delay?: number;
  readonly sendId: string;
}

const NO_DEADLINES: readonly never[] = [];

/**
 * One key: its chart's snapshot, advanced with the chart's own transition
 * function, plus the registry's bookkeeping (recency links, pending
 * deadlines). An idle key is this object and its snapshot, nothing more.
 *
 * While a fetch is in flight the entry is also the fetch actor's parent:
 * XState relays the fetch's outcome to it (`_send`), and it hands the
 * outcome to the registry, which feeds it back to this key's chart.
 * Inspection shows the fetch actor as the registry's child.
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
  /** The registry: its actor system holds the fetch actors, and it hears their outcomes. */
  readonly #registry: RegistryRef;

  constructor(key: EntryKey, registry: RegistryRef, snapshot: KeySnapshot<V>) {
    this.key = key;
    this.#registry = registry;
    this.snapshot = snapshot;
  }

  /** The actor system a fetch actor joins: XState reads its parent's. */
  get system(): RegistryRef['system'] {
    return this.#registry.system;
  }

  get sessionId(): string {
    return this.#registry.sessionId;
  }

  /** Where XState delivers the fetch actor's done or error event: on to the registry, addressed with the key. */
  _send(event: EventObject): void {
    this.#registry.send({ ...event, key: this.key } as EventObject);
  }

  /**
   * Advances the key's chart by `event` with the chart's transition function,
   * then runs what the transition asks for as XState's own actor would: its
   * delayed events become deadlines, its fetch actor starts or stops.
   */
  step(event: EventObject, deadlines: Deadlines<KeyEntry<V>>): void {
    const deferred: (() => void)[] = [];
    // What XState's transition functions read of an actor scope. The chart
    // emits nothing (no `emit` action), so there is no `emit`.
    const scope = {
      self: this,
      logger: this.system._logger,
      defer: (effect: () => void) => deferred.push(effect),
      system: this.system,
      stopChild: (child: AnyActorRef) => (child as unknown as StoppableActor)._stop(),
      actionExecutor: (action: ExecutableActionObject) => this.#execute(action, deadlines),
    } as unknown as AnyActorScope;
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
    const params = action.params as DelayParams;
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
    this.deadlines = this.deadlines.filter((other) => other !== deadline);
  }
}
