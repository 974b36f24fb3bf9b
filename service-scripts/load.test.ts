// Loading files (line numbers on problems), binding a run's input, drawing, and the CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScriptCommand } from '../bin/script-command.ts';
import { toDot, toMermaid } from './draw.ts';
import { loadBuiltinScript, loadScriptFile, parseScript, ScriptError } from './load.ts';
import { bindInput } from './params.ts';

const dir = mkdtempSync(join(tmpdir(), 'callctl-scripts-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `name: tiny
params:
  to: string
start: dial
steps:
  dial:
    type: call
    to: "\${params.to}"
    on: { answered: bye, failed: done }
  bye:
    type: hangup
    legs: [dial]
    next: done
  done:
    type: end
`;

const BAD = GOOD.replace('answered: bye', 'answered: foo').replace('type: hangup', 'type: hangup\n    timout: 3');

function problems(text: string): string[] {
  try {
    parseScript(text);
    return [];
  } catch (err) {
    if (err instanceof ScriptError) return err.issues.map((i) => `${i.path}: ${i.message} @${i.line}`);
    throw err;
  }
}

describe('loading scripts', () => {
  it('loads a file; a call without `leg:` names its leg after the step', () => {
    const compiled = loadScriptFile(file('good.yaml', GOOD));
    expect(compiled.name).toBe('tiny');
    expect(Object.keys(compiled.legs)).toEqual(['dial']);
  });

  it('gives each problem its line', () => {
    expect(problems(BAD)).toEqual([
      'steps.bye.timout: unknown field @12',
      'steps.dial.on.answered: unknown step "foo" @9',
      'steps.bye: never reached from start "dial" @11',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys by line', () => {
    expect(problems('name: a\nname: b\n')[0]).toMatch(/^\(yaml\): Map keys must be unique.* @2$/);
    expect(problems('steps: [\n')[0]).toMatch(/^\(yaml\): .* @\d+$/);
  });

  it('an alias to no anchor, and aliases past the count a YAML bomb needs, are ScriptErrors too', () => {
    expect(problems('name: *nowhere\n')[0]).toMatch(/^\(yaml\): Unresolved alias/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
    expect(problems(bomb)[0]).toMatch(/^\(yaml\): .*alias/i);
  });

  it('accepts JSON', () => {
    const json = JSON.stringify({ name: 'j', start: 'e', steps: { e: { type: 'end', result: 'ok' } } });
    expect(parseScript(json).name).toBe('j');
  });

  it('an unreadable file is a ScriptError', () => {
    expect(() => loadScriptFile(join(dir, 'missing.yaml'))).toThrow(ScriptError);
  });

  it('built-ins are compiled once and shared frozen: no caller can change them for the next', () => {
    const a = loadBuiltinScript('post');
    expect(loadBuiltinScript('post')).toBe(a);
    expect(() => {
      a.name = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (a.machine as { id: string }).id = 'changed';
    }).toThrow(TypeError);
    expect(loadBuiltinScript('post').name).toBe('post');
  });
});

describe('binding a run\'s input', () => {
  const post = loadBuiltinScript('post');

  it('applies defaults and reads numbers and booleans given as text', () => {
    const r = bindInput(post, { params: { from: '11', to: '12', domain: 'd', calltimeout: '45', use_intercom: 'true' }, callids: { ivr: 'c' } });
    expect(r).toEqual({
      ok: true,
      value: {
        params: { from: '11', to: '12', domain: 'd', calltimeout: 45, use_intercom: true, callerid: '100', callername: 'callmanager', intercom_prefix: '' },
        callids: { ivr: 'c' },
      },
    });
  });

  it('names every missing, mistyped or unknown value', () => {
    const r = bindInput(post, { params: { to: '12', domain: 'd', calltimeout: 'soon', colour: 'red' }, callids: { ivr: 'c', other: 'x' } });
    expect(r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'params.from: required but not provided',
      'params.calltimeout: expected number, got "soon"',
      'params.colour: not declared by script "post"',
      'callids.other: script "post" places no leg "other"',
    ]);
  });
});

describe('drawing', () => {
  const post = loadBuiltinScript('post');

  it('mermaid: states, nested states, guarded edges and the final state', () => {
    const text = toMermaid(post);
    expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(text).toContain('[*] --> intercom');
    expect(text).toContain('intercom --> dialIntercom : if params.use_intercom');
    expect(text).toContain('intercom --> dial : else');
    expect(text).toContain('state dial {');
    expect(text).toContain('dial__placing --> dial__ringing : placeCall done');
    expect(text).toContain('dial --> transfer : sip.answered');
    expect(text).toContain('transfer --> predial : notify.sipfrag [success]');
    expect(text).toContain('any_step --> __cancelled : cancel');
    expect(text).toContain('done --> [*]');
  });

  it('dot: clusters for composite states, edges into them clipped', () => {
    const text = toDot(post);
    expect(text.startsWith('digraph "post" {')).toBe(true);
    expect(text).toContain('subgraph cluster_transfer {');
    expect(text).toMatch(/dial__placing -> transfer__awaiting__sending \[label="sip\.answered", ltail=cluster_dial, lhead=cluster_transfer\];/);
    expect(text.trimEnd().endsWith('}')).toBe(true);
  });
});

describe('callctl script', () => {
  function run(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    return runScriptCommand(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
  }

  it('validate: OK for a good file', async () => {
    const r = await run(['validate', file('ok.yaml', GOOD)]);
    expect(r).toEqual({ code: 0, out: 'OK: script "tiny", 3 steps, legs: dial\n', err: '' });
  });

  it('validate: every problem as path: message, exit 1', async () => {
    const path = file('bad.yaml', BAD);
    const r = await run(['validate', path]);
    expect(r.code).toBe(1);
    expect(r.out.split('\n')).toEqual([
      `${path}: 3 problems`,
      'steps.bye.timout: unknown field (line 12)',
      'steps.dial.on.answered: unknown step "foo" (line 9)',
      'steps.bye: never reached from start "dial" (line 11)',
      '',
    ]);
  });

  it('validate: the built-ins', async () => {
    for (const name of ['post', 'invite', 'refer']) expect((await run(['validate', `builtin:${name}`])).code).toBe(0);
  });

  it('draw: mermaid by default, dot on request', async () => {
    expect((await run(['draw', 'builtin:refer'])).out).toMatch(/^stateDiagram-v2\n/);
    expect((await run(['draw', 'builtin:refer', '--format', 'dot'])).out).toMatch(/^digraph "refer" \{/);
  });

  it('bad usage exits 2 with the usage text', async () => {
    for (const argv of [[], ['frobnicate', 'x'], ['draw'], ['draw', 'builtin:post', '--format', 'svg'], ['validate', 'builtin:nope'], ['validate', 'a', '--bogus']]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toContain('usage: callctl script');
    }
  });
});
