// Validation of a script document: the zod shape first, then the checks that need the whole
// document (steps that exist, are reached and lead to an end; legs; placeholders; parameters).
// Every problem is reported, each as `path: message`, so an author fixes a file in one pass.
import type { z } from 'zod';
import { expressionRefs, parseExpression, singleRef } from './expression.ts';
import { scriptSchema, type ScriptDoc, type Step } from './schema.ts';
import type { Issue, ParamDecl, Reports } from './types.ts';

export type ValidationResult = { ok: true; script: ScriptDoc } | { ok: false; issues: Issue[] };

/** Variables every script can read, filled in as the operation learns them. */
export const ANSWER_VARS = ['ivrcallid', 'acallid', 'dialogid', 'last_response', 'result'] as const;

export function validateScript(input: unknown): ValidationResult {
  const parsed = scriptSchema.safeParse(input);
  if (parsed.success) {
    const issues = crossCheck(parsed.data);
    return issues.length ? { ok: false, issues } : { ok: true, script: parsed.data };
  }
  const shape = formatZodIssues(parsed.error.issues);
  // Misspelt fields are the usual slip: check the rest of the document without them, so the author
  // sees every problem in one pass. Other shape errors leave too little to cross-check.
  if (parsed.error.issues.every((i) => i.code === 'unrecognized_keys')) {
    const retry = scriptSchema.safeParse(withoutKeys(input, parsed.error.issues));
    if (retry.success) return { ok: false, issues: [...shape, ...crossCheck(retry.data)] };
  }
  return { ok: false, issues: shape };
}

function withoutKeys(input: unknown, issues: z.core.$ZodIssue[]): unknown {
  const copy = JSON.parse(JSON.stringify(input)) as unknown;
  for (const i of issues) {
    if (i.code !== 'unrecognized_keys') continue;
    let node: unknown = copy;
    for (const k of i.path) node = (node as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey];
    if (node && typeof node === 'object') for (const k of i.keys) delete (node as Record<string, unknown>)[k];
  }
  return copy;
}

export function formatZodIssues(issues: z.core.$ZodIssue[]): Issue[] {
  return issues.flatMap((i): Issue[] => {
    const path = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ path: path ? `${path}.${k}` : k, message: 'unknown field' }));
    }
    if (i.code === 'invalid_key') {
      return [{ path: path || '(root)', message: i.issues[0]?.message ?? i.message }];
    }
    return [{ path: path || '(root)', message: i.message }];
  });
}

// --- Helpers the compiler shares ----------------------------------------------------------------

export function normalizeParams(params: ScriptDoc['params']): Record<string, ParamDecl> {
  const out: Record<string, ParamDecl> = {};
  for (const [name, decl] of Object.entries(params)) {
    out[name] = typeof decl === 'string' ? { type: decl } : { ...decl };
  }
  return out;
}

export interface Exit {
  /** Field path inside the step, e.g. `on.answered`. */
  path: string;
  target: string;
}

export function stepExits(step: Step): Exit[] {
  const fromOn = (on: Record<string, string | undefined>) =>
    Object.entries(on).flatMap(([k, t]) => (t === undefined ? [] : [{ path: `on.${k}`, target: t }]));
  switch (step.type) {
    case 'call':
    case 'transfer':
    case 'transferReplace':
    case 'join':
      return fromOn(step.on);
    case 'dtmf':
    case 'wait':
    case 'hangup':
      return [{ path: 'next', target: step.next }];
    case 'branch':
      return [
        { path: 'then', target: step.then },
        { path: 'else', target: step.else },
      ];
    case 'end':
      return [];
  }
}

export interface LegUse {
  reports: Reports;
  placedBy: string[];
}

/** Legs are named by their call steps (`leg:`, else the step id). */
export function collectLegs(doc: ScriptDoc): Map<string, LegUse> {
  const legs = new Map<string, LegUse>();
  for (const [id, step] of Object.entries(doc.steps)) {
    if (step.type !== 'call') continue;
    const name = step.leg ?? id;
    const use = legs.get(name);
    if (use) use.placedBy.push(id);
    else legs.set(name, { reports: step.reports, placedBy: [id] });
  }
  return legs;
}

/** The leg a transfer or dtmf step acts on: its `leg:`, or the script's only leg. */
export function defaultLeg(legs: Map<string, LegUse>, given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  return legs.size === 1 ? [...legs.keys()][0] : undefined;
}

/** Expression fields of a step, by field path; numeric fields are listed by numericFields. */
export function expressionFields(step: Step): Array<[string, string]> {
  const fields: Array<[string, string | undefined]> = [];
  switch (step.type) {
    case 'call':
      fields.push(['to', step.to], ['callerid', step.callerid], ['callername', step.callername]);
      fields.push(['replaces', step.replaces], ['referredBy', step.referredBy]);
      for (const [h, v] of Object.entries(step.headers ?? {})) fields.push([`headers.${h}`, v]);
      break;
    case 'transfer':
      fields.push(['target', step.target]);
      break;
    case 'transferReplace':
      fields.push(['target', step.target], ['replaces', step.replaces]);
      break;
    case 'dtmf':
      fields.push(['digits', step.digits], ['dialog', step.dialog]);
      break;
    case 'branch':
      fields.push(['if', step.if]);
      break;
    default:
      break;
  }
  return fields.filter((f): f is [string, string] => f[1] !== undefined);
}

export function numericFields(step: Step): Array<[string, number | string]> {
  switch (step.type) {
    case 'call':
      return [['timeout', step.timeout]];
    case 'transfer':
    case 'transferReplace':
      return [
        ['notifyTimeout', step.notifyTimeout],
        ['finalTimeout', step.finalTimeout],
      ];
    case 'wait':
      return [['seconds', step.seconds]];
    default:
      return [];
  }
}

/** Variables a script may read: answer fields, each leg's Call-ID, each dial string's two parts. */
export function knownVars(doc: ScriptDoc, legs: Iterable<string>): string[] {
  const vars: string[] = [...ANSWER_VARS];
  for (const leg of legs) vars.push(`${leg}_callid`);
  for (const [id, step] of Object.entries(doc.steps)) {
    if (step.type === 'call' || step.type === 'transfer' || step.type === 'transferReplace') {
      vars.push(`${id}_number`, `${id}_dtmf`);
    }
  }
  return vars;
}

/** Steps that can pass straight through without waiting for anything. */
function mayBeInstant(step: Step): boolean {
  return step.type === 'branch' || step.type === 'dtmf' || step.type === 'hangup';
}

// --- The cross-checks ---------------------------------------------------------------------------

function crossCheck(doc: ScriptDoc): Issue[] {
  const issues: Issue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const steps = doc.steps;
  const ids = new Set(Object.keys(steps));
  const params = normalizeParams(doc.params);
  const legs = collectLegs(doc);
  const vars = new Set(knownVars(doc, legs.keys()));

  for (const [name, decl] of Object.entries(params)) {
    if (decl.default !== undefined && typeof decl.default !== decl.type) {
      add(`params.${name}.default`, `expected ${decl.type}, got ${JSON.stringify(decl.default)}`);
    }
  }

  if (!ids.has(doc.start)) add('start', `unknown step "${doc.start}"`);
  for (const [id, step] of Object.entries(steps)) {
    for (const exit of stepExits(step)) {
      if (!ids.has(exit.target)) add(`steps.${id}.${exit.path}`, `unknown step "${exit.target}"`);
    }
  }

  // Placeholders and numbers.
  const usedParams = new Set<string>();
  for (const [id, step] of Object.entries(steps)) {
    for (const [field, source] of expressionFields(step)) {
      const path = `steps.${id}.${field}`;
      const parsed = parseExpression(source);
      if (!parsed.ok) {
        add(path, parsed.message);
        continue;
      }
      for (const ref of expressionRefs(source)) {
        if (ref.ns === 'params') {
          usedParams.add(ref.name);
          if (!params[ref.name]) add(path, `unknown param "${ref.name}"`);
        } else if (!vars.has(ref.name)) {
          add(path, `unknown var "${ref.name}"`);
        }
      }
    }
    for (const [field, value] of numericFields(step)) {
      if (typeof value === 'number') continue;
      const ref = singleRef(value);
      const path = `steps.${id}.${field}`;
      if (!ref || ref.ns !== 'params') {
        add(path, 'expected seconds: a number or "${params.NAME}" naming a number parameter');
        continue;
      }
      usedParams.add(ref.name);
      const decl = params[ref.name];
      if (!decl) add(path, `unknown param "${ref.name}"`);
      else if (decl.type !== 'number') add(path, `param "${ref.name}" is ${decl.type}, expected number`);
    }
  }
  for (const name of Object.keys(params)) {
    if (!usedParams.has(name)) add(`params.${name}`, 'declared but never used');
  }

  checkLegs(doc, legs, add);
  checkGraph(doc, ids, add);
  return issues;
}

function checkLegs(doc: ScriptDoc, legs: Map<string, LegUse>, add: (path: string, message: string) => void): void {
  const known = (path: string, leg: string) => {
    if (!legs.has(leg)) add(path, `unknown leg "${leg}": no call step places it`);
  };
  const needLeg = (path: string, given: string | undefined) => {
    const leg = defaultLeg(legs, given);
    if (leg === undefined) {
      add(path, legs.size ? `leg is required: the script places several calls (${[...legs.keys()].join(', ')})` : 'no call step places a leg to act on');
    } else known(path, leg);
  };

  let serviceLeg: string | undefined;
  for (const [id, step] of Object.entries(doc.steps)) {
    const at = (field: string) => `steps.${id}.${field}`;
    switch (step.type) {
      case 'call': {
        const leg = step.leg ?? id;
        const use = legs.get(leg);
        if (use && use.reports !== step.reports) {
          add(at('reports'), `leg "${leg}" reports "${use.reports}" in step "${use.placedBy[0]}"; every call of one leg must agree`);
        }
        if (step.reports === 'service') {
          if (serviceLeg !== undefined && serviceLeg !== leg) {
            add(at('reports'), `only one leg can be the service call; "${serviceLeg}" already is`);
          } else serviceLeg = leg;
        }
        if (step.sdpFrom !== undefined) {
          known(at('sdpFrom'), step.sdpFrom);
          if (step.sdpFrom === leg) add(at('sdpFrom'), 'a call cannot take its session from itself');
        }
        break;
      }
      case 'transfer':
      case 'transferReplace':
        needLeg(at('leg'), step.leg);
        break;
      case 'dtmf':
        if (step.leg !== undefined && step.dialog !== undefined) add(at('dialog'), 'give leg or dialog, not both');
        else if (step.dialog === undefined) needLeg(at('leg'), step.leg);
        if (step.side !== undefined && step.dialog === undefined) add(at('side'), 'side only goes with dialog');
        break;
      case 'hangup':
        step.legs.forEach((leg, i) => known(at(`legs.${i}`), leg));
        break;
      case 'join':
        step.legs.forEach((leg, i) => known(at(`legs.${i}`), leg));
        if (step.legs[0] === step.legs[1]) add(at('legs'), 'join needs two different legs');
        break;
      default:
        break;
    }
  }

  // A leg has one Call-ID for the whole run: no path may place it twice.
  for (const [leg, use] of legs) {
    for (const from of use.placedBy) {
      const after = reachableFrom(doc, from, false);
      for (const again of use.placedBy) {
        if (after.has(again)) {
          add(`steps.${again}.leg`, again === from
            ? `leg "${leg}" would be placed again on a loop through this step`
            : `leg "${leg}" is already placed by step "${from}" on a path to this step`);
        }
      }
    }
  }
}

function checkGraph(doc: ScriptDoc, ids: Set<string>, add: (path: string, message: string) => void): void {
  const steps = doc.steps;
  if (!Object.values(steps).some((s) => s.type === 'end')) add('steps', 'no end step: a script must finish');
  if (!ids.has(doc.start)) return;

  const reached = reachableFrom(doc, doc.start, true);
  for (const id of ids) if (!reached.has(id)) add(`steps.${id}`, `never reached from start "${doc.start}"`);

  // Walk backwards from the end steps: a reached step outside that set can never finish.
  const preds = new Map<string, string[]>();
  for (const [id, step] of Object.entries(steps)) {
    for (const e of stepExits(step)) preds.set(e.target, [...(preds.get(e.target) ?? []), id]);
  }
  const finishing = new Set(Object.entries(steps).filter(([, s]) => s.type === 'end').map(([id]) => id));
  const queue = [...finishing];
  while (queue.length) {
    const id = queue.pop() as string;
    for (const p of preds.get(id) ?? []) {
      if (finishing.has(p)) continue;
      finishing.add(p);
      queue.push(p);
    }
  }
  for (const id of reached) if (!finishing.has(id)) add(`steps.${id}`, 'no path from this step reaches an end step');

  // A loop of steps that wait for nothing would spin forever inside one workflow task.
  const seen = new Set<string>();
  for (const start of ids) {
    const cycle = instantCycle(doc, start, [], new Set());
    if (!cycle) continue;
    const key = [...cycle].sort().join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    add(`steps.${cycle[0]}`, `steps ${[...cycle, cycle[0]].join(' → ')} loop without waiting for anything`);
  }
}

function instantCycle(doc: ScriptDoc, id: string, path: string[], onPath: Set<string>): string[] | undefined {
  const step = doc.steps[id];
  if (!step || !mayBeInstant(step)) return undefined;
  if (onPath.has(id)) return path.slice(path.indexOf(id));
  onPath.add(id);
  path.push(id);
  for (const e of stepExits(step)) {
    const found = instantCycle(doc, e.target, path, onPath);
    if (found) return found;
  }
  path.pop();
  onPath.delete(id);
  return undefined;
}

/** Steps reachable from `from`; with includeSelf false, `from` is in the set only if on a loop. */
export function reachableFrom(doc: ScriptDoc, from: string, includeSelf: boolean): Set<string> {
  const out = new Set<string>(includeSelf ? [from] : []);
  const first = doc.steps[from];
  if (!first) return out;
  const queue = stepExits(first).map((e) => e.target);
  while (queue.length) {
    const id = queue.pop() as string;
    if (out.has(id) || !doc.steps[id]) continue;
    out.add(id);
    for (const e of stepExits(doc.steps[id] as Step)) queue.push(e.target);
  }
  return out;
}
