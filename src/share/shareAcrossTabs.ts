/**
 * `shareAcrossTabs(name)`: one fetch for all the tabs and workers of an origin
 * (SPEC guarantee 17), over the browser's own engines. An exclusive Web Lock
 * per name is held around every fetch; a BroadcastChannel of the same name
 * carries what the caches store, drop and fail with. Where either is missing
 * (Node, old browsers) each cache works alone.
 */
import type {
  AnyValueSharing,
  CacheSharing,
  SharingConnection,
  SharingPort,
  StoredEntry,
} from '../adapter/extensions.js';

/**
 * Ms a cache waits for the lock in one request before it asks again. A page
 * frozen in the back/forward cache keeps the locks it holds, and queued
 * requests stay blocked behind it; a new request evicts it, and the next one
 * gets the lock (measured in Chromium). So a wait is a series of requests,
 * each bounded by this, and another cache takes over within this after the
 * holder froze.
 */
export const LOCK_SLICE = 250;

/**
 * Ms the cache that fetched keeps the lock after it settled, so that the
 * value it stores (or the failure it shares) reaches the caches waiting for
 * the lock before the lock does: the channel and the lock manager are
 * separate pipes, and a cache that got the lock first would fetch again.
 */
export const LOCK_LINGER = 50;

/** Ms a new cache waits at most for the others' answers before its first fetch (a hung tab never answers). */
export const ASK_TIMEOUT = 200;

/** Ms past `fetchTimeout` after which a holder that has not let go is taken for hung, and its lock is stolen. */
export const STEAL_GRACE = 1_000;

/**
 * A message on the channel, version 1. Every field is checked on arrival:
 * what does not match is ignored.
 *
 * - `v`: a stored value `d` with its wall-clock `s` (storedAt), sent when a
 *   cache stores one and in answer to `a`;
 * - `n`: an answer to `a` from a cache that holds nothing servable;
 * - `f`: the failure `e` of the fetch the sender held the lock for;
 * - `i`: the sender's cache was invalidated;
 * - `a`: a new cache asks the others for their value;
 * - `l`: the sender took the lock to fetch.
 */
interface Message {
  readonly v: 1;
  /** The sending connection. */
  readonly i: string;
  readonly k: 'v' | 'n' | 'f' | 'i' | 'a' | 'l';
  readonly s?: number;
  readonly d?: unknown;
  readonly e?: unknown;
}

/**
 * An attempt waiting for its turn, as the messages that may settle it see it.
 * With `failed`, it fails with `outcome`, the failure of the flight it waited
 * on. Otherwise it settles with the value the cache holds if that value is
 * newer than the attempt's `since`, or is `outcome`, a value just shared that
 * the cache took (an answer to a new cache's question is older than its
 * attempt, and is its outcome all the same).
 */
type Waiter = (failed?: boolean, outcome?: unknown) => void;

const noop = (): void => {};

/** A connection without other caches: every attempt is just the fetch. */
const alone: SharingConnection<never> = {
  fetch: async (fetch, signal) => ({ value: await fetch(signal), storedAt: Date.now() }),
  publish: noop,
  invalidate: noop,
  close: noop,
};

/** An `Error` with the message of a reason that cannot be cloned; never throws. */
const uncloneable = (reason: unknown): Error => {
  try {
    return Error(String((reason as { message?: unknown } | null)?.message ?? reason));
  } catch {
    return Error();
  }
};

/**
 * Makes the caches created with the same `name` in the tabs and dedicated
 * workers of one origin and browser profile behave as one (SPEC guarantee
 * 17). Pass it as a cache's `share` option, with a `fetch` option.
 *
 * - **One fetch in flight** among them: every fetch runs under an exclusive
 *   Web Lock named after `name`. A cache that waits for the lock is settled
 *   by the outcome of the fetch it waited on: the value the fetching cache
 *   stored (stored here too, with its age), or a structured-clone copy of
 *   its failure (an uncloneable reason becomes an `Error` with its message).
 *   A cache that gets the lock after a newer value was shared uses it and
 *   does not fetch.
 * - **Values, ages and invalidations travel** over a `BroadcastChannel`: a
 *   value stored in one cache (fetched, seeded, restored) is stored in the
 *   others with its wall-clock `storedAt`, never younger; `invalidate()` in
 *   one drops the value in all. A new cache asks the others for their value
 *   and adopts it instead of fetching.
 * - **Nothing blocks the others for long.** A tab that closes, crashes or
 *   navigates away loses its lock (the browser frees it within about 335
 *   ms); one going into the back/forward cache lets go on `pagehide`, and a
 *   frozen one is evicted because waiters ask again every
 *   {@link LOCK_SLICE} ms. With the cache's `fetchTimeout`, a hung tab's lock
 *   is stolen `fetchTimeout` + {@link STEAL_GRACE} ms after it took it;
 *   without it, a live tab's slow fetch is never doubled.
 * - **Untrusted input.** Messages are versioned and checked field by field;
 *   anything else on the channel is ignored, never stored, never thrown.
 *   (Another script of the same origin can still post well-formed values:
 *   the channel is as trusted as the origin.)
 * - **Works alone** where `navigator.locks` or `BroadcastChannel` is missing
 *   (Node, old browsers): each cache fetches for itself, without error or
 *   warning.
 *
 * Caches sharing a name should share their options (`ttl`, `fetchTimeout`),
 * and their values must survive `structuredClone` (plain data: a token, a
 * JSON document); a value that cannot be cloned is simply not shared.
 *
 * @example
 *   import { createBackgroundCache } from 'xstate-background-cache';
 *   import { shareAcrossTabs } from 'xstate-background-cache/share';
 *
 *   const token = createBackgroundCache({
 *     ttl: 60_000,
 *     refreshWindow: 10_000,
 *     fetchTimeout: 5_000,
 *     fetch: refreshAccessToken,
 *     share: shareAcrossTabs('access-token'),
 *   });
 *
 * @param name The name the caches share: the lock's and the channel's (prefixed with `xstate-background-cache:`).
 * @returns The {@link CacheSharing} to pass as `share`, for a cache of any value type.
 */
export function shareAcrossTabs(name: string): AnyValueSharing;
/** {@inheritDoc shareAcrossTabs} */
export function shareAcrossTabs<V>(name: string): CacheSharing<V>;
export function shareAcrossTabs(name: string): AnyValueSharing {
  return { connect: (port) => connect(`xstate-background-cache:${name}`, port) };
}

function connect<V>(key: string, port: SharingPort<V>): SharingConnection<V> {
  const locks = globalThis.navigator?.locks;
  const Channel = globalThis.BroadcastChannel;
  if (!locks || !Channel) return alone;

  const id = String(Math.random());
  const channel = new Channel(key);
  // In Node (whose navigator.locks is recent), an open channel would keep the process alive.
  (channel as { unref?: () => void }).unref?.();
  const waiters = new Set<Waiter>();
  /** Bumped by every invalidation: a flight that saw one shares no failure. */
  let epoch = 0;
  /** When the lock was last taken to fetch, as far as this cache knows: the start of a steal's count. */
  let takenAt: number | undefined;
  /** Lets go of this cache's presence lock. */
  let leave = noop;
  /** Lets go of the fetch lock this cache holds. */
  let release = noop;
  let closed = false;
  /** The presence locks of the caches that have not answered this one's question yet, and what ends the wait. */
  const asking = new Set<string>();
  let answered = noop;

  const post = (message: Omit<Message, 'v' | 'i'>): boolean => {
    try {
      channel.postMessage({ v: 1, i: id, ...message });
      return true;
    } catch {
      return false;
    }
  };
  const share = (entry: StoredEntry<V>): boolean => post({ k: 'v', s: entry.storedAt, d: entry.value });
  const adoptAll = (value: unknown): void => waiters.forEach((waiter) => waiter(false, value));

  // Presence: one lock per connection, so that a new cache knows whom to ask.
  const presence = `${key}\n`;
  const present = (): void =>
    void locks
      .request(presence + id, () => (closed ? undefined : new Promise<void>((resolve) => (leave = resolve))))
      .catch(noop);
  present();
  const ready = (async () => {
    for (const { name } of (await locks.query()).held!)
      if (name?.startsWith(presence) && name !== presence + id) asking.add(name);
    if (asking.size)
      await new Promise<void>((resolve) => {
        answered = resolve;
        setTimeout(resolve, ASK_TIMEOUT);
        post({ k: 'a' });
      });
  })().catch(noop);

  channel.onmessage = ({ data }: MessageEvent<unknown>) => {
    try {
      const message = data as Partial<Message> | null;
      if (message?.v !== 1 || typeof message.i !== 'string') return;
      const { k, s } = message;
      if (k === 'v' && typeof s === 'number' && s >= 0 && s <= Date.now() && 'd' in message) {
        port.store({ value: message.d as V, storedAt: s });
        adoptAll(message.d);
      }
      // Any message from a cache it waits for counts as its answer: it is alive, and holds the lock if it fetches.
      if (asking.delete(presence + message.i) && !asking.size) answered();
      if (k === 'f' && 'e' in message) waiters.forEach((waiter) => waiter(true, message.e));
      if (k === 'i') {
        epoch++;
        port.invalidate();
      }
      if (k === 'a') {
        const entry = port.current();
        if (!entry || !share(entry)) post({ k: 'n' });
      }
      if (k === 'l') takenAt = Date.now();
    } catch {
      // What the cache throws for a value it cannot take stays here.
    }
  };

  // Into the back/forward cache (or away): let go of both locks; back from it: be present again.
  const onPage = (event: Event): void => {
    if (event.type === 'pageshow') {
      if ((event as PageTransitionEvent).persisted) present();
    } else {
      leave();
      release();
    }
  };
  const listen = (method: 'addEventListener' | 'removeEventListener'): void => {
    for (const type of ['pagehide', 'pageshow']) globalThis[method]?.(type, onPage);
  };
  listen('addEventListener');

  return {
    fetch: (fetch, signal, since) =>
      new Promise<StoredEntry<V>>((resolve, reject) => {
        let done = false;
        /** This attempt called the fetch: it never asks for the lock again (one stolen from or let go on pagehide goes on without it). */
        let fetching = false;
        let slice: AbortController | undefined;
        /** Resolves with `entry` when given, else rejects with `reason`; once. */
        const settle = (reason: unknown, entry?: StoredEntry<V>): void => {
          if (done) return;
          done = true;
          waiters.delete(waiter);
          slice?.abort();
          if (entry) resolve(entry);
          else reject(reason);
        };
        const abort = (): void => settle(signal.reason);
        const waiter: Waiter = (failed, outcome) => {
          const entry = port.current();
          if (failed) settle(outcome);
          else if (entry && (entry.storedAt > since || (outcome !== undefined && entry.value === outcome)))
            settle(0, entry);
        };

        const hold = async (): Promise<void> => {
          waiters.delete(waiter);
          waiter();
          if (done) return;
          fetching = true;
          takenAt = Date.now();
          post({ k: 'l' });
          const flight = epoch;
          await new Promise<void>((free) => {
            release = free;
            const linger = () => setTimeout(free, LOCK_LINGER);
            // The flight's failure reaches the caches waiting on it, unless an invalidation superseded the flight.
            const fail = (reason: unknown) => {
              if (flight === epoch && !post({ k: 'f', e: reason })) post({ k: 'f', e: uncloneable(reason) });
            };
            // A timeout is the flight's failure too; an attempt this cache no longer needs lets go at once.
            signal.addEventListener('abort', () => {
              if ((signal.reason as { name?: unknown } | undefined)?.name !== 'TimeoutError') return free();
              fail(signal.reason);
              linger();
            });
            new Promise<V>((resolve) => resolve(fetch(signal))).then(
              (value) => {
                settle(0, { value, storedAt: Date.now() });
                linger();
              },
              (reason: unknown) => {
                if (!done) fail(reason);
                settle(reason);
                linger();
              },
            );
          });
        };

        const request = (): void => {
          if (done || fetching) return;
          const stealAfter = port.fetchTimeout;
          // Ms until the holder is taken for hung (Infinity without fetchTimeout).
          const due =
            stealAfter === undefined ? Infinity : stealAfter + STEAL_GRACE - (Date.now() - (takenAt ??= Date.now()));
          const controller = (slice = new AbortController());
          setTimeout(() => controller.abort(), due > 0 && due < LOCK_SLICE ? due : LOCK_SLICE);
          // When a steal is due, the one waiter that gets the steal lock steals (and keeps it while it holds); the others keep asking.
          (due > 0
            ? Promise.resolve(false)
            : (locks.request(`${key}\n!`, { ifAvailable: true }, (lock) =>
                lock ? locks.request(key, { steal: true }, hold).then(() => true) : false,
              ) as Promise<boolean>)
          )
            .then((stolen): unknown => stolen || locks.request(key, { signal: controller.signal }, hold))
            // Asked again after a slice; a lock manager that refuses (an opaque origin, a detached document): alone.
            .then(request, () => (controller.signal.aborted || fetching ? request() : hold()))
            .catch(noop);
        };

        if (signal.aborted) return abort();
        signal.addEventListener('abort', abort);
        waiters.add(waiter);
        // A new cache first hears what the others hold.
        void ready.then(() => {
          waiter();
          request();
        });
      }),
    publish: (entry) => {
      share(entry);
      adoptAll(entry.value);
    },
    invalidate: () => {
      epoch++;
      post({ k: 'i' });
    },
    close: () => {
      closed = true;
      channel.close();
      leave();
      release();
      listen('removeEventListener');
    },
  };
}
