// Pictures of a compiled script: Mermaid stateDiagram-v2 or Graphviz DOT. Drawn from the compiled
// JSON itself (not the DSL), so what you see is what the workflow runs, nested states included.
import { SCRIPT_MACHINE_ID } from '../machines/service-script-vocabulary.ts';
import type { CompiledScript, StateJson, TransitionJson } from './types.ts';

interface Node {
  id: string;
  path: string[];
  label: string;
  initial?: string;
  final: boolean;
  children: Node[];
}

interface Edge {
  from: string[] | 'any';
  to: string[];
  label: string;
}

const ANY = 'any_step';

function nodeId(path: string[]): string {
  // "__" cannot end a step id's segment ambiguously: nested keys are fixed words (placing, check…).
  return path.join('__');
}

function buildTree(states: Record<string, StateJson>, parent: string[]): Node[] {
  return Object.entries(states).map(([key, state]) => {
    const path = [...parent, key];
    const component = state.meta?.component;
    const node: Node = {
      id: nodeId(path),
      path,
      label: component && parent.length === 0 ? `${key} (${component})` : key,
      final: state.type === 'final',
      children: state.states ? buildTree(state.states, path) : [],
    };
    if (state.initial !== undefined) node.initial = state.initial;
    return node;
  });
}

function resolveTarget(target: string, source: string[]): string[] {
  if (target.startsWith(`#${SCRIPT_MACHINE_ID}.`)) return target.slice(SCRIPT_MACHINE_ID.length + 2).split('.');
  if (target.startsWith('.')) return [...source, ...target.slice(1).split('.')];
  return [...source.slice(0, -1), ...target.split('.')];
}

function guardText(t: TransitionJson): string {
  const g = t.guard;
  if (!g) return '';
  if (g.type === 'sipfragIs' && typeof g.params?.kind === 'string') return ` [${g.params.kind}]`;
  if (g.type === 'fromLeg') return '';
  if (g.type === 'truthy' && typeof g.params?.expr === 'string') return ` if ${g.params.expr.replace(/\$\{\s*|\s*\}/g, '')}`;
  return ` [${g.type}]`;
}

function collectEdges(state: StateJson, path: string[], edges: Edge[]): void {
  const from: string[] | 'any' = path.length === 0 ? 'any' : path;
  const add = (label: string, list: TransitionJson[] | undefined) => {
    // In a guarded list the unguarded fallback reads as "else".
    const guarded = (list ?? []).some((t) => t.guard);
    for (const t of list ?? []) {
      if (t.target === undefined) continue;
      const text = `${label}${guardText(t)}`.trim() || (guarded ? 'else' : '');
      edges.push({ from, to: resolveTarget(t.target, path), label: text });
    }
  };
  for (const [event, list] of Object.entries(state.on ?? {})) add(event, list);
  for (const [delay, list] of Object.entries(state.after ?? {})) add(`after ${delay}`, list);
  add('', state.always);
  if (state.invoke) {
    add(`${state.invoke.src} done`, state.invoke.onDone);
    add(`${state.invoke.src} error`, state.invoke.onError);
  }
  for (const [key, child] of Object.entries(state.states ?? {})) collectEdges(child, [...path, key], edges);
}

function model(script: CompiledScript): { nodes: Node[]; edges: Edge[] } {
  const edges: Edge[] = [];
  collectEdges(script.machine, [], edges);
  return { nodes: buildTree(script.machine.states, []), edges };
}

function commonPrefix(a: string[], b: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < Math.min(a.length, b.length) && a[i] === b[i]; i++) out.push(a[i] as string);
  return out;
}

/** Mermaid only allows a few characters in labels. */
function mermaidText(s: string): string {
  return s.replace(/[:;#{}"]/g, ' ').replace(/\s+/g, ' ').trim();
}

export function toMermaid(script: CompiledScript): string {
  const { nodes, edges } = model(script);
  // An edge is written inside the innermost composite state holding both ends.
  const byScope = new Map<string, Edge[]>();
  for (const e of edges) {
    const scope = e.from === 'any' ? [] : commonPrefix(e.from.slice(0, -1), e.to.slice(0, -1));
    const key = scope.join('.');
    byScope.set(key, [...(byScope.get(key) ?? []), e]);
  }
  const out: string[] = ['stateDiagram-v2'];
  if (script.description) out.push(`  %% ${script.name}: ${script.description.replace(/\s+/g, ' ')}`);
  const writeEdges = (scope: string[], indent: string) => {
    for (const e of byScope.get(scope.join('.')) ?? []) {
      const from = e.from === 'any' ? ANY : nodeId(e.from);
      out.push(`${indent}${from} --> ${nodeId(e.to)}${e.label ? ` : ${mermaidText(e.label)}` : ''}`);
    }
  };
  const writeNodes = (list: Node[], indent: string, initial: string | undefined, scope: string[]) => {
    if (initial !== undefined) out.push(`${indent}[*] --> ${nodeId([...scope, initial])}`);
    for (const n of list) {
      out.push(`${indent}state "${mermaidText(n.label)}" as ${n.id}`);
      if (n.children.length) {
        out.push(`${indent}state ${n.id} {`);
        writeNodes(n.children, `${indent}  `, n.initial, n.path);
        writeEdges(n.path, `${indent}  `);
        out.push(`${indent}}`);
      }
      if (n.final) out.push(`${indent}${n.id} --> [*]`);
    }
  };
  if (edges.some((e) => e.from === 'any')) out.push(`  state "any step" as ${ANY}`);
  writeNodes(nodes, '  ', script.machine.initial, []);
  writeEdges([], '  ');
  return `${out.join('\n')}\n`;
}

function dotText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function toDot(script: CompiledScript): string {
  const { nodes, edges } = model(script);
  const index = new Map<string, Node>();
  const walk = (list: Node[]): void => {
    for (const n of list) {
      index.set(n.id, n);
      walk(n.children);
    }
  };
  walk(nodes);
  // Composite states are clusters; an edge to one enters at its initial state, clipped to the box.
  const entry = (path: string[]): { node: string; cluster?: string } => {
    const n = index.get(nodeId(path));
    if (!n || !n.children.length || n.initial === undefined) return { node: nodeId(path) };
    return { node: entry([...path, n.initial]).node, cluster: `cluster_${n.id}` };
  };
  const out: string[] = [`digraph "${dotText(script.name)}" {`, '  compound=true;', '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  out.push('  __start [shape=point];');
  const write = (list: Node[], indent: string) => {
    for (const n of list) {
      if (n.children.length) {
        out.push(`${indent}subgraph cluster_${n.id} {`, `${indent}  label="${dotText(n.label)}";`);
        write(n.children, `${indent}  `);
        out.push(`${indent}}`);
      } else {
        out.push(`${indent}${n.id} [label="${dotText(n.label)}"${n.final ? ', peripheries=2' : ''}];`);
      }
    }
  };
  write(nodes, '  ');
  if (edges.some((e) => e.from === 'any')) out.push(`  ${ANY} [label="any step", shape=note];`);
  const first = entry([script.machine.initial]);
  out.push(`  __start -> ${first.node}${first.cluster ? ` [lhead=${first.cluster}]` : ''};`);
  for (const e of edges) {
    const from = e.from === 'any' ? { node: ANY } : entry(e.from);
    const to = entry(e.to);
    const attrs = [`label="${dotText(e.label)}"`];
    if (from.cluster) attrs.push(`ltail=${from.cluster}`);
    if (to.cluster) attrs.push(`lhead=${to.cluster}`);
    out.push(`  ${from.node} -> ${to.node} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
