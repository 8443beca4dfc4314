import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot, AnyStateNode, AnyTransitionDefinition, InspectionEvent } from 'xstate';
import { backgroundCacheMachine } from '../../src/index.js';
import { createCacheTestHarness, getCachePaths } from '../../src/testing/index.js';

declare module 'vitest' {
  interface TaskMeta {
    /** The one line `npm run test:paths` prints (scripts/paths-reporter.ts). */
    pathsSummary?: string;
  }
}

type Config = Record<string, unknown> | undefined;

const asArray = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every state node below the root, read from the chart's own `states`. */
function stateNodesOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states).flatMap((child) => [child, ...stateNodesOf(child)]);
}

/**
 * Every transition of the chart, read from the config as written: event
 * transitions (`on`), delayed ones (`after`) and invoke outcomes (`onDone`,
 * `onError`), one per guarded alternative, as `node|event|index`.
 */
function transitionsOf(node: AnyStateNode): string[] {
  const config = node.config as { on?: Config; after?: Config; invoke?: unknown };
  const ids: string[] = [];
  const add = (eventType: string, transitions: unknown): void => {
    asArray(transitions).forEach((_, index) => ids.push(`${node.id}|${eventType}|${index}`));
  };
  for (const [eventType, transitions] of Object.entries(config.on ?? {})) add(eventType, transitions);
  for (const [delay, transitions] of Object.entries(config.after ?? {})) {
    add(`xstate.after.${delay}.${node.id}`, transitions);
  }
  for (const invoke of asArray(config.invoke) as { id: string; onDone?: unknown; onError?: unknown }[]) {
    add(`xstate.done.actor.${invoke.id}`, invoke.onDone);
    add(`xstate.error.actor.${invoke.id}`, invoke.onError);
  }
  return ids;
}

/** The id `transitionsOf` gives a transition the running actor took. */
const idOf = (transition: AnyTransitionDefinition): string =>
  `${transition.source.id}|${transition.eventType}|${transition.source.transitions.get(transition.eventType)!.indexOf(transition)}`;

describe('coverage of backgroundCacheMachine by the generated paths', () => {
  // Replays every generated path in one test: over a second on a loaded machine, so a timeout well above that.
  it('should take every state node and every transition of the chart when replayed on the real cache', async ({
    task,
  }) => {
    const nodes = stateNodesOf(backgroundCacheMachine.root);
    const transitions = [backgroundCacheMachine.root, ...nodes].flatMap(transitionsOf);
    const { options, paths, coverage } = getCachePaths();

    const visited = new Set<string>();
    const taken = new Set<string>();
    const inspect = (event: InspectionEvent): void => {
      if (event.type !== '@xstate.microstep') return;
      for (const node of (event.snapshot as AnyMachineSnapshot)._nodes) visited.add(node.id);
      for (const transition of event._transitions) taken.add(idOf(transition));
    };
    for (const path of paths) await createCacheTestHarness({ ...options, inspect }).replay(path);

    const statesCovered = nodes.filter((node) => visited.has(node.id)).length;
    const transitionsCovered = transitions.filter((id) => taken.has(id)).length;
    task.meta.pathsSummary =
      `paths: ${paths.length} generated, states ${statesCovered}/${nodes.length} covered, ` +
      `transitions ${transitionsCovered}/${transitions.length} covered`;

    expect(
      nodes.map((node) => node.id).filter((id) => !visited.has(id)),
      'state nodes no path enters',
    ).toEqual([]);
    expect(
      transitions.filter((id) => !taken.has(id)),
      'transitions no path takes',
    ).toEqual([]);
    // The generator's own count agrees with the definition and with the run.
    expect(coverage.states).toEqual({ covered: nodes.length, total: nodes.length, uncovered: [] });
    expect(coverage.transitions).toEqual({ covered: transitions.length, total: transitions.length, uncovered: [] });
  }, 30_000);

  it('should count the transitions of the definition: events, delays and invoke outcomes', () => {
    const ids = [backgroundCacheMachine.root, ...stateNodesOf(backgroundCacheMachine.root)].flatMap(transitionsOf);
    expect(ids.some((id) => id.includes('|xstate.after.'))).toBe(true);
    expect(ids.some((id) => id.includes('|xstate.done.actor.'))).toBe(true);
    expect(ids.some((id) => id.includes('|xstate.error.actor.'))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
