/**
 * An in-memory browser for the share protocol: the tabs (and workers) of one
 * origin, with one Web Locks manager and BroadcastChannels between them, on
 * vi's fake timers. It plays what Chromium was measured to do:
 *
 * - a closed or crashed tab frees its locks after a delay (30 to 335 ms);
 * - a tab frozen in the back/forward cache keeps its locks and its queued
 *   requests go nowhere; a NEW request for a lock it holds evicts it, but the
 *   eviction grants nothing until the queue moves again (another request, or
 *   a waiting one aborted), as Chromium does;
 * - a message sent to a frozen tab evicts it; a hung tab never runs again;
 * - messages are structured clones (an uncloneable one throws
 *   `DataCloneError` at the sender), delivered in order after `latency` ms.
 */
import { vi } from 'vitest';
import type { CacheSharing, SharingConnection, SharingPort, StoredEntry } from '../../src/share/index.js';
import { shareAcrossTabs } from '../../src/share/index.js';

type Callback = (lock: Lock | null) => unknown;

interface LockRequest {
  readonly tab: Tab;
  readonly name: string;
  readonly callback: Callback;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  granted: boolean;
}

export interface WorldOptions {
  /** Ms a message takes to reach the other tabs; 1 by default. */
  readonly latency?: number;
}

/** The origin: its lock manager and channels, and the tabs that use them. */
export class World {
  readonly latency: number;
  readonly held = new Map<string, LockRequest>();
  readonly queues = new Map<string, LockRequest[]>();
  /** Lock names whose queue an eviction left unprocessed until it moves again. */
  readonly stalled = new Set<string>();
  readonly channels = new Set<FakeChannel>();
  readonly tabs: Tab[] = [];

  constructor({ latency = 1 }: WorldOptions = {}) {
    this.latency = latency;
  }

  /** A new tab (or dedicated worker: `worker` has no pagehide) of the origin. */
  tab(label = `tab ${this.tabs.length + 1}`, { worker = false } = {}): Tab {
    const tab = new Tab(this, label, worker);
    this.tabs.push(tab);
    return tab;
  }

  queue(name: string): LockRequest[] {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = []));
    return queue;
  }

  /** Grants the lock to the next waiting request when it is free. */
  process(name: string): void {
    if (this.held.has(name) || this.stalled.has(name)) return;
    const next = this.queue(name).shift();
    if (next) this.grant(next);
  }

  grant(request: LockRequest): void {
    request.granted = true;
    this.held.set(request.name, request);
    // A frozen or hung tab holds what it is granted and never runs the callback.
    if (request.tab.state !== 'live') return;
    const lock = { name: request.name, mode: 'exclusive' } as Lock;
    void Promise.resolve()
      .then(() => request.callback(lock))
      .then(
        (value) => {
          this.free(request);
          request.resolve(value);
        },
        (reason: unknown) => {
          this.free(request);
          request.reject(reason);
        },
      );
  }

  free(request: LockRequest): void {
    // A hung page never lets go (its script does not run).
    if (this.held.get(request.name) !== request || request.tab.state === 'hung') return;
    this.held.delete(request.name);
    this.process(request.name);
  }

  /** The queue of `name` moved: an eviction's stall ends. */
  moved(name: string): void {
    this.stalled.delete(name);
    this.process(name);
  }

  request(tab: Tab, name: string, options: LockOptions, callback: Callback): Promise<unknown> {
    // A page that does not run makes no request that could settle.
    if (tab.state !== 'live') return new Promise(() => {});
    if (tab.refused) return Promise.reject(new DOMException('The request was denied', 'SecurityError'));
    return new Promise((resolve, reject) => {
      const { signal, steal = false, ifAvailable = false } = options;
      if (steal && (ifAvailable || signal))
        throw new DOMException('steal with ifAvailable or signal', 'NotSupportedError');
      if (signal?.aborted) throw signal.reason;
      const request: LockRequest = { tab, name, callback, resolve, reject, granted: false };
      // A new request evicts a frozen holder; the lock it frees goes to no one until the queue moves again.
      const holder = this.held.get(name);
      const evicted = holder?.tab.state === 'frozen';
      if (evicted) holder.tab.evict();
      if (steal) {
        const stolen = this.held.get(name);
        if (stolen) {
          this.held.delete(name);
          stolen.reject(new DOMException('The lock was stolen', 'AbortError'));
        }
        this.stalled.delete(name);
        this.grant(request);
        return;
      }
      if (ifAvailable && (this.held.has(name) || this.queue(name).length)) {
        void Promise.resolve()
          .then(() => callback(null))
          .then(resolve, reject);
        return;
      }
      this.queue(name).push(request);
      signal?.addEventListener('abort', () => {
        if (request.granted) return;
        const queue = this.queue(name);
        queue.splice(queue.indexOf(request), 1);
        reject(signal.reason);
        this.moved(name);
      });
      if (!evicted) this.moved(name);
    });
  }

  query(): { held: LockInfo[]; pending: LockInfo[] } {
    const info = ({ tab, name }: LockRequest): LockInfo => ({ name, mode: 'exclusive', clientId: tab.label });
    return { held: [...this.held.values()].map(info), pending: [...this.queues.values()].flat().map(info) };
  }

  /** Drops every lock and request of `tab`; with `stall`, a freed lock is not granted until its queue moves. */
  forget(tab: Tab, stall: boolean): void {
    for (const queue of this.queues.values())
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.tab === tab) queue.splice(i, 1);
    for (const [name, request] of [...this.held]) {
      if (request.tab !== tab) continue;
      this.held.delete(name);
      if (stall) this.stalled.add(name);
      else this.process(name);
    }
  }
}

/** A BroadcastChannel between the tabs of a {@link World}. */
class FakeChannel {
  onmessage: ((event: MessageEvent) => void) | null = null;
  closed = false;

  constructor(
    readonly tab: Tab,
    readonly name: string,
  ) {
    tab.world.channels.add(this);
  }

  postMessage(data: unknown): void {
    if (this.closed) throw new DOMException('closed', 'InvalidStateError');
    const copy = structuredClone(data);
    const { world } = this.tab;
    if (this.tab.state !== 'live') return;
    this.tab.sent.push(copy);
    for (const to of world.channels) {
      if (to === this || to.name !== this.name) continue;
      setTimeout(() => to.deliver(structuredClone(copy)), world.latency);
    }
  }

  deliver(data: unknown): void {
    if (this.closed || this.tab.state === 'gone' || this.tab.state === 'hung') return;
    if (this.tab.state === 'frozen') return this.tab.evict();
    try {
      this.onmessage?.({ data } as MessageEvent);
    } catch (error) {
      this.tab.thrown.push(error);
    }
  }

  close(): void {
    this.closed = true;
    this.tab.world.channels.delete(this);
  }
}

/** The BroadcastChannel constructor of `tab`. */
const channelOf = (tab: Tab) =>
  class extends FakeChannel {
    constructor(name: string) {
      super(tab, name);
    }
  };

/** One tab (or worker) of the origin. */
export class Tab {
  state: 'live' | 'frozen' | 'hung' | 'gone' = 'live';
  /** Its lock manager refuses every request (an opaque origin, a detached document). */
  refused = false;
  /** What this tab's message handlers threw (a hostile message must not make them throw). */
  readonly thrown: unknown[] = [];
  /** Every message this tab posted, as the others receive it. */
  readonly sent: unknown[] = [];
  readonly events = new EventTarget();
  readonly locks: LockManager;
  Channel: new (name: string) => FakeChannel;

  constructor(
    readonly world: World,
    readonly label: string,
    readonly worker: boolean,
  ) {
    this.locks = {
      request: (name: string, ...args: [LockOptions, Callback] | [Callback]) =>
        args.length === 1 ? world.request(this, name, {}, args[0]) : world.request(this, name, args[0], args[1]),
      query: async () => world.query(),
    } as LockManager;
    this.Channel = channelOf(this);
  }

  /** Runs `fn` as this tab's script: with this tab's locks, channel and events as the globals. */
  run<T>(fn: () => T): T {
    vi.stubGlobal('navigator', { locks: this.locks });
    vi.stubGlobal('BroadcastChannel', this.Channel);
    vi.stubGlobal('addEventListener', this.events.addEventListener.bind(this.events));
    vi.stubGlobal('removeEventListener', this.events.removeEventListener.bind(this.events));
    try {
      return fn();
    } finally {
      vi.unstubAllGlobals();
    }
  }

  /** `sharing.connect(port)` as it runs in this tab. */
  connect<V>(port: SharingPort<V>, sharing: CacheSharing<V> | string = 'token'): SharingConnection<V> {
    return this.run(() => (typeof sharing === 'string' ? shareAcrossTabs<V>(sharing) : sharing).connect(port));
  }

  /** The page is closed: the browser frees its locks `after` ms later (measured: 30 to 335). */
  close(after = 30): void {
    this.state = 'gone';
    for (const channel of this.world.channels) if (channel.tab === this) channel.close();
    setTimeout(() => this.world.forget(this, false), after);
  }

  /** The page's process crashed: like a close, at the slow end of the measured range. */
  crash(after = 335): void {
    this.close(after);
  }

  /** The page goes into the back/forward cache: `pagehide` (persisted), then frozen with its locks. */
  freeze({ pagehide = true } = {}): void {
    if (pagehide) this.events.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
    this.state = 'frozen';
  }

  /** The page comes back from the back/forward cache. */
  thaw(): void {
    this.state = 'live';
    this.events.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
  }

  /** The page's script loops forever: it holds its locks and never runs again. */
  hang(): void {
    this.state = 'hung';
  }

  /** Evicted from the back/forward cache: gone, its locks freed without granting the queue (Chromium's stall). */
  evict(): void {
    this.state = 'gone';
    for (const channel of this.world.channels) if (channel.tab === this) channel.close();
    this.world.forget(this, true);
  }

  /** Posts raw data on `name`'s channel as a hostile script of the origin would. */
  post(data: unknown, name = 'xstate-background-cache:token'): void {
    const channel = new this.Channel(name);
    channel.postMessage(data);
    channel.close();
  }
}

/**
 * A cache's side of the port, as simple as it can be: it holds one entry,
 * takes a shared one when it is newer and not older than `ttl`, and records
 * every call.
 */
export class FakePort<V> implements SharingPort<V> {
  entry: StoredEntry<V> | undefined;
  readonly stored: StoredEntry<V>[] = [];
  invalidations = 0;
  fetchTimeout: number | undefined;

  constructor(
    readonly ttl = Infinity,
    entry?: StoredEntry<V>,
  ) {
    this.entry = entry;
  }

  current(): StoredEntry<V> | undefined {
    return this.entry && Date.now() - this.entry.storedAt < this.ttl ? this.entry : undefined;
  }

  store(entry: StoredEntry<V>): void {
    this.stored.push(entry);
    if (Date.now() - entry.storedAt >= this.ttl) return;
    if (!this.entry || entry.storedAt > this.entry.storedAt) this.entry = entry;
  }

  invalidate(): void {
    this.invalidations++;
    this.entry = undefined;
  }

  /** What `since` the cache would pass for its next attempt. */
  get since(): number {
    return this.current()?.storedAt ?? -Infinity;
  }
}
