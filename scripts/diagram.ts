/**
 * `npm run diagram`: draws the chart as a Mermaid `stateDiagram-v2`, generated
 * from `backgroundCacheMachine` itself, and writes it into README.md between
 * the diagram markers. `test/machine/diagram.test.ts` fails when the two differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { backgroundCacheMachine } from '../src/index.js';

export const DIAGRAM_START = '<!-- diagram:start -->';
export const DIAGRAM_END = '<!-- diagram:end -->';

/** The id of the pseudo state that stands for "any state" (the root's own transitions). */
const ANY_STATE = 'anyState';

/** A Mermaid id for a state node: its path joined by `_` (Mermaid ids cannot hold dots). */
const mermaidId = (node: AnyStateNode): string => (node.path.length ? node.path.join('_') : ANY_STATE);

/**
 * A named guard, delay or actor by its name; a literal delay in ms; `and`,
 * `or` and `not` of guards spelt out; an inline one by its function name.
 */
function nameOf(implementation: unknown): string {
  if (typeof implementation === 'string') return implementation;
  if (typeof implementation === 'number') return `${implementation} ms`;
  const { guards } = implementation as { guards?: unknown[] };
  if (typeof implementation === 'function' && Array.isArray(guards)) {
    // A nested `and`/`or` in parentheses, so that the words read as the guard does.
    const parts = guards.map((guard) =>
      Array.isArray((guard as { guards?: unknown }).guards) && (guard as () => void).name !== 'not'
        ? `(${nameOf(guard)})`
        : nameOf(guard),
    );
    return implementation.name === 'not' ? `not ${parts[0]!}` : parts.join(` ${implementation.name} `);
  }
  if (typeof implementation === 'function') return implementation.name || 'inline';
  const { type } = implementation as { type?: unknown };
  return typeof type === 'string' ? type : 'inline';
}

/** What triggers a transition, in words: the event, `after <delay>`, `<actor id> done|error`. */
function triggerOf(node: AnyStateNode, eventType: string): string {
  const delayed = node.after.find((transition) => transition.eventType === eventType);
  if (delayed) return `after ${nameOf(delayed.delay)}`;
  const outcome = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  return outcome ? `${outcome[2]} ${outcome[1]}` : eventType;
}

/** `trigger [guard]`; an unguarded fallback after guarded candidates reads `[else]`. */
function labelOf(trigger: string, transition: AnyTransitionDefinition, isFallback: boolean): string {
  if (transition.guard) return `${trigger} [${nameOf(transition.guard)}]`;
  return isFallback ? `${trigger} [else]` : trigger;
}

/** Every transition leaving `node`, as Mermaid edges, in the chart's order. */
function edgesOf(node: AnyStateNode): string[] {
  const edges: string[] = [];
  for (const [eventType, transitions] of node.transitions) {
    const trigger = triggerOf(node, eventType);
    transitions.forEach((transition, index) => {
      const label = labelOf(trigger, transition, index > 0 && !transition.guard);
      // A targetless transition stays where it is.
      for (const target of transition.target ?? [node]) {
        edges.push(`${mermaidId(node)} --> ${mermaidId(target)} : ${label}`);
      }
    });
  }
  return edges;
}

/** The state declarations of `node`'s children, nested blocks included. */
function declarationsOf(node: AnyStateNode, indent: string): string[] {
  const lines: string[] = [];
  for (const child of Object.values(node.states) as AnyStateNode[]) {
    const id = mermaidId(child);
    const invoked = child.invoke.map((invoke) => `invokes ${nameOf(invoke.src)} as ${invoke.id}`);
    const label = [child.key, ...invoked].join(', ');
    if (label !== id) lines.push(`${indent}state "${label}" as ${id}`);
    if (Object.keys(child.states).length) {
      lines.push(`${indent}state ${id} {`, ...declarationsOf(child, `${indent}  `), `${indent}}`);
    }
  }
  // After the declarations, so that the initial state already has its label.
  const initial = node.initial?.target[0];
  if (initial) lines.push(`${indent}[*] --> ${mermaidId(initial)}`);
  return lines;
}

/** All state nodes under `node`, depth first, `node` included. */
const allNodes = (node: AnyStateNode): AnyStateNode[] => [
  node,
  ...(Object.values(node.states) as AnyStateNode[]).flatMap(allNodes),
];

/**
 * Draws `machine` as a Mermaid `stateDiagram-v2`: nested states, each
 * transition labelled `trigger [guard]` (delays and invoked actors by name;
 * actions are left to the transitions table, to keep the drawing legible),
 * and the root's own transitions drawn from an "any state" node.
 * Edges come after every declaration, so that Mermaid does not pull a target
 * into the block where it is first mentioned.
 */
export function toMermaid(machine: AnyStateMachine): string {
  const root = machine.root;
  const lines = ['stateDiagram-v2', '  direction LR', ...declarationsOf(root, '  ')];
  if (root.transitions.size) lines.push(`  state "any state" as ${ANY_STATE}`);
  lines.push(...allNodes(root).flatMap((node) => edgesOf(node).map((edge) => `  ${edge}`)));
  return lines.join('\n');
}

/** The diagram as it stands in the README: a caption and a fenced Mermaid block. */
export const diagramBlock = (machine: AnyStateMachine): string =>
  [
    'The same chart, drawn from `backgroundCacheMachine` itself by `npm run diagram` (a test fails when the drawing and',
    'the chart disagree). `any state` stands for the transitions every state has; `[else]` marks the fallback after',
    'guarded candidates.',
    '',
    '```mermaid',
    toMermaid(machine),
    '```',
  ].join('\n');

/** `readme` with the text between the diagram markers replaced by `block`. */
export function withDiagram(readme: string, block: string): string {
  const start = readme.indexOf(DIAGRAM_START);
  const end = readme.indexOf(DIAGRAM_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md needs the markers ${DIAGRAM_START} and ${DIAGRAM_END}, in that order`);
  }
  return `${readme.slice(0, start + DIAGRAM_START.length)}\n\n${block}\n\n${readme.slice(end)}`;
}

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(README_PATH, 'utf8');
  const updated = withDiagram(readme, diagramBlock(backgroundCacheMachine));
  writeFileSync(README_PATH, updated);
  console.log(updated === readme ? 'README.md: the diagram is up to date' : 'README.md: diagram updated');
}
