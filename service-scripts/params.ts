// Binding a run's input to a compiled script: every declared parameter provided (or defaulted) with
// the declared type, nothing undeclared, and a Call-ID for every leg. Pure: the workflow calls it on
// its input before starting the machine, and the machine's context factory calls it again.
import type { CompiledScript, Issue, ParamDecl, ParamValue } from './types.ts';

export type BindResult<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

export class ScriptInputError extends Error {
  constructor(
    readonly script: string,
    readonly issues: Issue[],
  ) {
    super(`invalid input for script "${script}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'ScriptInputError';
  }
}

/** Numbers and booleans may arrive as strings (query strings, YAML): they are read, not guessed. */
function coerce(decl: ParamDecl, value: unknown): ParamValue | undefined {
  switch (decl.type) {
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      return undefined;
  }
}

export function bindParams(script: string, decls: Record<string, ParamDecl>, given: Record<string, unknown>): BindResult<Record<string, ParamValue>> {
  const issues: Issue[] = [];
  const out: Record<string, ParamValue> = {};
  for (const [name, decl] of Object.entries(decls)) {
    const raw = given[name];
    if (raw === undefined || raw === null) {
      if (decl.default === undefined) issues.push({ path: `params.${name}`, message: 'required but not provided' });
      else out[name] = decl.default;
      continue;
    }
    const value = coerce(decl, raw);
    if (value === undefined) issues.push({ path: `params.${name}`, message: `expected ${decl.type}, got ${JSON.stringify(raw)}` });
    else out[name] = value;
  }
  for (const name of Object.keys(given)) {
    if (!decls[name]) issues.push({ path: `params.${name}`, message: `not declared by script "${script}"` });
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: out };
}

export function bindCallids(script: CompiledScript, given: Record<string, string>): BindResult<Record<string, string>> {
  const issues: Issue[] = [];
  for (const leg of Object.keys(script.legs)) {
    const callid = given[leg];
    if (typeof callid !== 'string' || callid === '') issues.push({ path: `callids.${leg}`, message: `missing Call-ID for leg "${leg}"` });
  }
  for (const leg of Object.keys(given)) {
    if (!script.legs[leg]) issues.push({ path: `callids.${leg}`, message: `script "${script.name}" places no leg "${leg}"` });
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: { ...given } };
}

/** Both at once; the result is what the machine's input must be. */
export function bindInput(
  script: CompiledScript,
  given: { params: Record<string, unknown>; callids: Record<string, string> },
): BindResult<{ params: Record<string, ParamValue>; callids: Record<string, string> }> {
  const params = bindParams(script.name, script.params, given.params);
  const callids = bindCallids(script, given.callids);
  if (!params.ok || !callids.ok) {
    return { ok: false, issues: [...(params.ok ? [] : params.issues), ...(callids.ok ? [] : callids.issues)] };
  }
  return { ok: true, value: { params: params.value, callids: callids.value } };
}
