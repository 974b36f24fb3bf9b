// What a script author's mistakes get: the built-in scripts, changed at random (fields deleted or
// given other values and types, exits pointed elsewhere, steps copied), either compile into a
// machine that builds, or are refused with issues that each name a path and say what is wrong.
// Nothing else: no exception from the validator, the compiler or the machine's setup, and script
// text cut or garbled at random fails only as ScriptError (what the CLI prints).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createServiceScriptMachine } from '../machines/index.ts';
import { buildScript } from './compile.ts';
import { BUILTIN_SCRIPTS, builtinScriptPath, parseScript, ScriptError } from './load.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** Every path into the document, parents before children. */
function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  if (v !== null && typeof v === 'object') {
    for (const [k, child] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
      out.push([...at, k]);
      paths(child, [...at, k], out);
    }
  }
  return out;
}

function parentOf(doc: Json, path: Path): { parent: Record<string | number, Json>; key: string | number } | undefined {
  let node: Json = doc;
  for (const k of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, Json>)[k] ?? null;
  }
  if (node === null || typeof node !== 'object') return undefined;
  return { parent: node as Record<string | number, Json>, key: path[path.length - 1]! };
}

type Mutation = { at: number; op: 'delete' | 'set' | 'retarget' | 'copyStep'; value: Json; pick: number };

/** Values of other types, expressions, numbers at the edges, and names that are or are not steps. */
const valueArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e9, '', 'done', 'nowhere', '${params.to}', '${vars.x}', '${', 'a', 'call', 'hangup', [], {}, ['ivr'], { answered: 'done' }),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'set', 'set', 'retarget', 'copyStep'),
  value: valueArb,
  pick: fc.nat(),
});

function mutate(original: Json, muts: Mutation[]): Json {
  const doc = structuredClone(original) as { [key: string]: Json };
  for (const m of muts) {
    const all = paths(doc);
    if (all.length === 0) break;
    const path = all[m.at % all.length]!;
    const loc = parentOf(doc, path);
    if (!loc) continue;
    const steps = doc.steps !== null && typeof doc.steps === 'object' && !Array.isArray(doc.steps) ? (doc.steps as { [id: string]: Json }) : undefined;
    const stepIds = steps ? Object.keys(steps) : [];
    if (m.op === 'delete') {
      if (Array.isArray(loc.parent)) (loc.parent as Json[]).splice(Number(loc.key), 1);
      else delete loc.parent[loc.key];
    } else if (m.op === 'set') {
      loc.parent[loc.key] = m.value;
    } else if (m.op === 'retarget' && stepIds.length > 0) {
      // An exit or `next` pointed at another step: loops, dead ends, unreached steps.
      loc.parent[loc.key] = stepIds[m.pick % stepIds.length]!;
    } else if (m.op === 'copyStep' && steps && stepIds.length > 0) {
      const id = stepIds[m.pick % stepIds.length]!;
      steps[`${id}_copy${m.pick % 7}`] = structuredClone(steps[id]!);
    }
  }
  return doc;
}

const builtins = BUILTIN_SCRIPTS.map((name) => ({ name, text: readFileSync(builtinScriptPath(name), 'utf8') }));

describe('service scripts changed at random', () => {
  for (const { name, text } of builtins) {
    const doc = parse(text) as Json;

    it(`${name}: compiles into a machine that builds, or is refused with a path and a message per issue`, () => {
      let compiled = 0;
      let refused = 0;
      fc.assert(
        fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (muts) => {
          const result = buildScript(mutate(doc, muts));
          if (result.ok) {
            compiled++;
            expect(() => createServiceScriptMachine(result.compiled)).not.toThrow();
            return;
          }
          refused++;
          expect(result.issues.length).toBeGreaterThan(0);
          for (const issue of result.issues) {
            expect(typeof issue.path).toBe('string');
            expect(issue.message.length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 20261129) },
      );
      // Both outcomes happen: the mutations are neither all harmless nor all fatal.
      expect(compiled).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    }, 30_000);

    it(`${name}: text cut or garbled fails only as ScriptError`, () => {
      fc.assert(
        fc.property(fc.nat(), fc.nat(), fc.constantFrom('cut', 'drop', 'insert'), fc.constantFrom(':', '-', ' ', '\n', '\t', '"', "'", '{', '[', '&', '*', '!', '#', '${', 'x'), (a, b, op, s) => {
          const i = a % text.length;
          const j = Math.min(text.length, i + (b % 40));
          const garbled = op === 'cut' ? text.slice(0, i) : op === 'drop' ? text.slice(0, i) + text.slice(j) : text.slice(0, i) + s + text.slice(i);
          try {
            parseScript(garbled, `${name}.yaml`);
          } catch (err) {
            expect(err).toBeInstanceOf(ScriptError);
          }
        }),
        { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20261129) },
      );
    }, 30_000);
  }
});
