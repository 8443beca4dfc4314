/**
 * The page `test/platform/browser/react.ts` drives in Chromium: React 19 in StrictMode
 * (a development build, so that StrictMode double-mounts), the shipped hooks
 * over real caches, a backend the test settles, and a cache clock the test
 * advances (`SimulatedClock`). Everything is reached through `window.harness`.
 */
import { useSelector } from '@xstate/react';
import { Component, StrictMode, Suspense, useEffect } from 'react';
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Root } from 'react-dom/client';
import { SimulatedClock } from 'xstate';
import { createBackgroundCache, createKeyedBackgroundCache } from 'xstate-background-cache';
import type { BackgroundCache } from 'xstate-background-cache';
import { useBackgroundCache, useKeyedBackgroundCache, useSuspenseBackgroundCache } from 'xstate-background-cache/react';
import type { ReactKeyedBackgroundCache } from 'xstate-background-cache/react';

const TTL = 1_000;
const WINDOW = 400;
const ROWS = 20;

interface Pending {
  readonly key: unknown;
  readonly signal: AbortSignal;
  resolve(value: string): void;
  reject(reason: unknown): void;
}

/** The backend: every call counted with its signal; calls wait for the test, or fail at once. */
class Backend {
  readonly calls: Pending[] = [];
  constructor(readonly failing: boolean) {}
  fetch(key: unknown, signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      this.calls.push({ key, signal, resolve, reject });
      if (this.failing) reject(new Error('503 Service Unavailable'));
    });
  }
  /** Settles the oldest call of `key` that is still waiting. */
  take(key: unknown): Pending {
    const index = this.calls.findIndex((call) => call.key === key && !('done' in call));
    const call = this.calls[index];
    if (!call) throw new Error(`no call of ${String(key)} waiting`);
    Object.assign(call, { done: true });
    return call;
  }
}

type Counts = Record<string, number>;

/** Counts commits of `name` (StrictMode runs a mount's effects twice: a mount counts 2). */
function useCommits(counts: Counts, name: string) {
  useEffect(() => {
    counts[name] = (counts[name] ?? 0) + 1;
  });
}

class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    return this.state.error ? <p className="boundary">error: {this.state.error.message}</p> : this.props.children;
  }
}

interface Scenario {
  readonly clock: SimulatedClock;
  readonly backend: Backend;
  readonly cache: BackgroundCache<string>;
  readonly keyed: ReactKeyedBackgroundCache<number, string> &
    ReturnType<typeof createKeyedBackgroundCache<number, string>>;
  readonly commits: Counts;
  readonly mounts: Counts;
}

/** Whether the keyed cache's actor hands out a new snapshot object when a key changes (useSelector needs it). */
const keyedSnapshots = (() => {
  const probe = createKeyedBackgroundCache<number, string>({
    ttl: 1_000,
    refreshWindow: 0,
    maxEntries: 1,
    fetch: () => '',
  });
  const before = probe.actor.getSnapshot();
  probe.seed(1, 'probe');
  const changed = probe.actor.getSnapshot() !== before;
  probe.stop();
  return changed;
})();

let root: Root | undefined;
let scenario: Scenario | undefined;
const stage = document.getElementById('stage')!;

function Single({ cache, s }: { cache: BackgroundCache<string>; s: Scenario }) {
  const { value, state, error } = useBackgroundCache(cache);
  useCommits(s.commits, 'single');
  useEffect(() => {
    s.mounts['single'] = (s.mounts['single'] ?? 0) + 1;
  }, [s]);
  return <p id="single">{`${value ?? '-'} | ${state} | ${error instanceof Error ? error.message : ''}`}</p>;
}

function Row({ id, s }: { id: number; s: Scenario }) {
  const { value } = useKeyedBackgroundCache(s.keyed, id);
  useCommits(s.commits, `row ${id}`);
  return <li data-row={id}>{value ?? '…'}</li>;
}

function SuspenseValue({ cache }: { cache: BackgroundCache<string> }) {
  return <p id="value">{useSuspenseBackgroundCache(cache)}</p>;
}

function SingleSelector({ cache, s }: { cache: BackgroundCache<string>; s: Scenario }) {
  const state = useSelector(cache.actor, (snapshot) => JSON.stringify(snapshot.value));
  useCommits(s.commits, 'selector');
  return <p id="selector">{state}</p>;
}

function KeyedSelector({ s }: { s: Scenario }) {
  // The selector runs when the actor hands out a new snapshot object.
  const size = useSelector(s.keyed.actor, () => s.keyed.size);
  useCommits(s.commits, 'selector');
  return <p id="selector">{`keys: ${size}`}</p>;
}

const harness = {
  /** Mounts scenario `name` in a new root, with new caches on a new clock. */
  setup(name: string, options: { failing?: boolean; errorTtl?: number } = {}) {
    harness.unmount();
    const clock = new SimulatedClock();
    const backend = new Backend(options.failing ?? false);
    const times = { ttl: TTL, refreshWindow: WINDOW, clock };
    // Typed as the hooks see it whether or not the keyed cache's own types have its v2 surface yet.
    const keyed: unknown = createKeyedBackgroundCache<number, string>({
      ...times,
      maxEntries: 100,
      fetch: (key, signal) => backend.fetch(key, signal),
    });
    const s: Scenario = {
      clock,
      backend,
      cache: createBackgroundCache<string>({
        ...times,
        fetch: (signal) => backend.fetch('single', signal),
        ...(options.errorTtl === undefined ? {} : { errorTtl: options.errorTtl }),
      }),
      keyed: keyed as Scenario['keyed'],
      commits: {},
      mounts: {},
    };
    scenario = s;
    const cache = s.cache;
    const views: Record<string, ReactNode> = {
      single: <Single cache={cache} s={s} />,
      keyed: (
        <ul>
          {Array.from({ length: ROWS }, (_, id) => (
            <Row key={id} id={id} s={s} />
          ))}
        </ul>
      ),
      suspense: (
        <Boundary>
          <Suspense fallback={<p className="fallback">loading</p>}>
            <SuspenseValue cache={cache} />
          </Suspense>
        </Boundary>
      ),
      'selector-single': <SingleSelector cache={cache} s={s} />,
      'selector-keyed': <KeyedSelector s={s} />,
    };
    root = createRoot(stage);
    root.render(<StrictMode>{views[name]}</StrictMode>);
  },
  unmount() {
    root?.unmount();
    root = undefined;
  },
  /** Advances the cache clock by `ms` in 50 ms steps, letting promises and React settle after each. */
  async advance(ms: number) {
    for (let done = 0; done < ms; done += 50) {
      scenario!.clock.increment(50);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  },
  resolve(key: unknown, value: string) {
    scenario!.backend.take(key).resolve(value);
  },
  invalidate() {
    scenario!.cache.invalidate();
  },
  seed(key?: number) {
    if (key === undefined) scenario!.cache.seed('seeded');
    else scenario!.keyed.seed(key, `seeded ${key}`);
  },
  /** What the test checks: backend calls, their signals, commit counts, the cache's peek. */
  read() {
    const s = scenario!;
    return {
      calls: s.backend.calls.map(({ key, signal }) => ({ key, aborted: signal.aborted })),
      commits: { ...s.commits },
      mounts: { ...s.mounts },
      peek: s.cache.peek(),
      keyedV2: typeof (s.keyed as { peek?: unknown }).peek === 'function',
      keyedSnapshots,
      text: stage.textContent,
    };
  },
};

Object.assign(window, { harness });
document.body.dataset['ready'] = 'true';
