/**
 * The README's Mermaid diagram is generated from the chart (`npm run
 * diagram`); these tests fail when the two drift apart, and pin down how the
 * generator draws what the chart holds.
 */
import { readFileSync } from 'node:fs';
import { setup } from 'xstate';
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
    expect(diagram).toContain('  state current {\n    state "fresh" as current_fresh\n');
    expect(diagram).toContain('    [*] --> refreshing_withoutPrevious\n');
    expect(diagram).toContain('  [*] --> empty\n');
  });

  it('should label delayed transitions with their delay names and fetch outcomes with the actor id', () => {
    expect(diagram).toContain('current_fresh --> current_stale : after refreshAfter');
    expect(diagram).toContain('refreshing --> current : fetch done');
    expect(diagram).toContain('refreshing --> current_stale : fetch error [hasPreviousValue]');
    expect(diagram).toContain('refreshing --> empty : fetch error [else]');
    expect(diagram).toContain('state "refreshing, invokes fetchValue as fetch" as refreshing');
  });

  it("should draw the root's own transitions from any state", () => {
    expect(diagram).toContain('anyState --> current : seed');
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

  it('should name literal delays, inline guards and stay-put transitions', () => {
    const machine = setup({}).createMachine({
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
              { actions: () => {} },
            ],
          },
        },
        busy: {},
      },
    });
    expect(toMermaid(machine).split('\n')).toEqual([
      'stateDiagram-v2',
      '  direction LR',
      '  [*] --> idle',
      '  idle --> busy : poke [isReady]',
      '  idle --> idle : poke [guard]',
      '  idle --> idle : poke [else]',
      '  idle --> busy : after 500 ms',
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
