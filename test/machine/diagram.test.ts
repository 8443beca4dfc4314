/**
 * The README's Mermaid diagram is generated from the chart (`npm run
 * diagram`); these tests fail when the two drift apart, and pin down how the
 * generator draws what the chart holds.
 */
import { readFileSync } from 'node:fs';
import { and, fromPromise, not, or, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  DIAGRAM_END,
  DIAGRAM_START,
  README_PATH,
  diagramBlock,
  toMermaid,
  withDiagram,
} from '../../scripts/diagram.js';
import { backgroundCacheMachine } from '../../src/index.js';

describe('the README diagram', () => {
  it('should be what the chart generates (run `npm run diagram` after changing the chart)', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(withDiagram(readme, diagramBlock(backgroundCacheMachine))).toBe(readme);
  });

  it('should sit in the chart section', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    const chart = readme.slice(readme.indexOf('<!-- section:chart -->'), readme.indexOf('<!-- /section:chart -->'));
    expect(chart).toContain(DIAGRAM_START);
    expect(chart).toContain(DIAGRAM_END);
  });
});

describe('toMermaid', () => {
  const diagram = toMermaid(backgroundCacheMachine);

  it('should draw every state of the chart, nested', () => {
    expect(diagram.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(diagram).toContain(
      '  state current {\n    state "fresh" as current_fresh\n    state "stale" as current_stale\n' +
        '    state "backingOff" as current_backingOff\n',
    );
    expect(diagram).toContain('    [*] --> refreshing_withoutPrevious\n');
    expect(diagram).toContain('  state retrying {\n    state "withPrevious" as retrying_withPrevious\n');
    expect(diagram).toContain('  [*] --> empty\n');
    expect(diagram).toMatch(/^ {2}failed --> /m);
  });

  it('should draw every delayed transition by its delay name', () => {
    for (const edge of [
      'current_fresh --> current_stale : after refreshAfter [else]',
      'current_fresh --> current_backingOff : after refreshAfter [isBackingOffAtWindow]',
      'current --> empty : after expireAfter [else]',
      'current --> failed : after expireAfter [isBackingOffAtExpiry]',
      'refreshing_withPrevious --> refreshing_withoutPrevious : after expireAfter',
      'retrying_withPrevious --> retrying_withoutPrevious : after expireAfter',
      'refreshing --> refreshing : after fetchTimeout [hasFetchTimeout]',
      'retrying --> refreshing_withPrevious : after retryDelay [hasPreviousValue]',
      'retrying --> refreshing_withoutPrevious : after retryDelay [else]',
      'failed --> empty : after errorTtl',
      'current_backingOff --> current_stale : after errorTtl',
    ]) {
      expect(diagram).toContain(edge);
    }
  });

  it('should label fetch outcomes by their events, and combined guards in words', () => {
    expect(diagram).toContain('refreshing --> current_fresh : fetch.done [isCurrentFlight]');
    expect(diagram).toContain('refreshing --> current_stale : fetch.done [isCurrentFlight and isStoredInWindow]');
    expect(diagram).toContain(
      'refreshing_withPrevious --> retrying_withPrevious : fetch.error [isCurrentFlight and mayRetry]',
    );
    expect(diagram).toContain('refreshing_withoutPrevious --> empty : fetch.error [isCurrentFlight]');
    expect(diagram).toContain('empty --> refreshing_withoutPrevious : refresh');
    expect(diagram).not.toContain('invokes');
  });

  it("should draw the root's own transitions from any state", () => {
    expect(diagram).toContain('anyState --> current_fresh : seed [else]');
    expect(diagram).toContain('anyState --> current_stale : seed [isStoredInWindow]');
    expect(diagram).toContain('anyState --> anyState : seed [isSeedExpired]');
    expect(diagram).toContain('anyState --> empty : invalidate');
  });

  it('should draw one edge per transition the chart has', () => {
    const edges = diagram.split('\n').filter((line) => line.includes(' : '));
    const transitions = [...backgroundCacheMachine.root.transitions.values()].flat().length;
    const nested = (node: typeof backgroundCacheMachine.root): number =>
      Object.values(node.states).reduce(
        (sum, child) => sum + [...child.transitions.values()].flat().length + nested(child),
        0,
      );
    expect(edges).toHaveLength(transitions + nested(backgroundCacheMachine.root));
  });

  it('should name literal delays, inline guards, and, or, not, invoked actors and stay-put transitions', () => {
    const machine = setup({
      guards: { a: () => true, b: () => true },
      actors: { load: fromPromise(() => Promise.resolve(1)) },
    }).createMachine({
      initial: 'idle',
      states: {
        idle: {
          after: { 500: 'busy' },
          on: {
            poke: [
              {
                guard: function isReady() {
                  return true;
                },
                target: 'busy',
              },
              { guard: () => false },
              { guard: and(['a', or(['b', not('a')])]), target: 'busy' },
              { actions: () => {} },
            ],
          },
        },
        busy: { invoke: { id: 'job', src: 'load', onDone: 'idle', onError: { target: 'idle', guard: 'a' } } },
      },
    });
    expect(toMermaid(machine).split('\n')).toEqual([
      'stateDiagram-v2',
      '  direction LR',
      '  state "busy, invokes load as job" as busy',
      '  [*] --> idle',
      '  idle --> busy : poke [isReady]',
      '  idle --> idle : poke [guard]',
      '  idle --> busy : poke [a and (b or not a)]',
      '  idle --> idle : poke [else]',
      '  idle --> busy : after 500 ms',
      '  busy --> idle : job done',
      '  busy --> idle : job error [a]',
    ]);
  });
});

describe('withDiagram', () => {
  it('should replace only what lies between the markers', () => {
    const readme = `# Title\n${DIAGRAM_START}\nold\n${DIAGRAM_END}\nrest\n`;
    expect(withDiagram(readme, 'new')).toBe(`# Title\n${DIAGRAM_START}\n\nnew\n\n${DIAGRAM_END}\nrest\n`);
  });

  it('should refuse a README without the markers', () => {
    expect(() => withDiagram('# Title\n', 'new')).toThrow(/needs the markers/);
  });
});
