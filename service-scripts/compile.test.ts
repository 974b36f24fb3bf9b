// The compiler's output for every built-in script: plain JSON, deterministic, naming only what the
// machine's setup() implements, with the states, actors and delays each script needs.
import { describe, expect, it } from 'vitest';
import { createServiceScriptMachine } from '../machines/service-script-setup.ts';
import { ACTIONS, ACTORS, GUARDS, EVENTS, stepTarget } from '../machines/service-script-vocabulary.ts';
import { BUILTIN_SCRIPTS, builtinScriptPath, loadBuiltinScript } from './load.ts';
import type { CompiledScript, StateJson, TransitionJson } from './types.ts';
import { parseScript } from './load.ts';
import { readFileSync } from 'node:fs';

interface Refs {
  actions: Set<string>;
  guards: Set<string>;
  actors: Set<string>;
  delays: Set<string>;
  events: Set<string>;
  targets: string[];
}

function refs(state: StateJson, out: Refs = { actions: new Set(), guards: new Set(), actors: new Set(), delays: new Set(), events: new Set(), targets: [] }): Refs {
  const seeTransitions = (list: TransitionJson[] | undefined) => {
    for (const t of list ?? []) {
      if (t.guard) out.guards.add(t.guard.type);
      for (const a of t.actions ?? []) out.actions.add(a.type);
      if (t.target) out.targets.push(t.target);
    }
  };
  for (const a of state.entry ?? []) out.actions.add(a.type);
  for (const [e, list] of Object.entries(state.on ?? {})) {
    out.events.add(e);
    seeTransitions(list);
  }
  for (const [d, list] of Object.entries(state.after ?? {})) {
    out.delays.add(d);
    seeTransitions(list);
  }
  seeTransitions(state.always);
  if (state.invoke) {
    out.actors.add(state.invoke.src);
    seeTransitions(state.invoke.onDone);
    seeTransitions(state.invoke.onError);
  }
  for (const child of Object.values(state.states ?? {})) refs(child, out);
  return out;
}

const topSteps = (c: CompiledScript) => Object.keys(c.machine.states).filter((k) => !k.startsWith('__'));
const component = (c: CompiledScript, step: string) => c.machine.states[step]?.meta?.component;

describe.each(BUILTIN_SCRIPTS)('compiled %s', (name) => {
  const compiled = loadBuiltinScript(name);

  it('is plain JSON and the same every time', () => {
    expect(JSON.parse(JSON.stringify(compiled))).toEqual(compiled);
    expect(parseScript(readFileSync(builtinScriptPath(name), 'utf8'))).toEqual(compiled);
  });

  it('names only allow-listed actions, guards, actors and events, and only its own delays', () => {
    const r = refs(compiled.machine);
    for (const a of r.actions) expect(ACTIONS).toContain(a);
    for (const g of r.guards) expect(GUARDS).toContain(g);
    for (const a of r.actors) expect(ACTORS).toContain(a);
    for (const e of r.events) expect(EVENTS).toContain(e);
    expect([...r.delays].sort()).toEqual(Object.keys(compiled.delays).sort());
  });

  it('targets only states that exist', () => {
    const steps = new Set(Object.keys(compiled.machine.states));
    for (const t of refs(compiled.machine).targets) {
      if (t.startsWith('#script.')) expect(steps).toContain(t.slice('#script.'.length));
    }
  });

  it('builds a machine whose setup implements exactly the vocabulary', () => {
    const m = createServiceScriptMachine(compiled);
    expect(Object.keys(m.implementations.actions).sort()).toEqual([...ACTIONS].sort());
    expect(Object.keys(m.implementations.guards).sort()).toEqual([...GUARDS].sort());
    expect(Object.keys(m.implementations.actors).sort()).toEqual([...ACTORS].sort());
    expect(Object.keys(m.implementations.delays).sort()).toEqual(Object.keys(compiled.delays).sort());
  });
});

describe('compiled built-ins in detail', () => {
  it('post: branch → two exclusive calls of the one service leg → REFER → DTMF → hangup → end', () => {
    const c = loadBuiltinScript('post');
    expect(c.machine.initial).toBe('intercom');
    expect(topSteps(c).map((s) => [s, component(c, s)])).toEqual([
      ['intercom', 'branch'],
      ['dial', 'call'],
      ['dialIntercom', 'call'],
      ['transfer', 'transfer'],
      ['predial', 'dtmf'],
      ['release', 'hangup'],
      ['done', 'end'],
    ]);
    expect(c.legs).toEqual({ ivr: { reports: 'service', placedBy: ['dial', 'dialIntercom'] } });
    expect(c.serviceLeg).toBe('ivr');
    expect(c.delays).toEqual({
      'dial.timeout': { seconds: '${params.calltimeout}' },
      'dialIntercom.timeout': { seconds: '${params.calltimeout}' },
      'transfer.notify': { seconds: 10 },
      'transfer.final': { seconds: 120 },
      'dtmf.pause': { seconds: 1 },
    });
    const dial = c.machine.states.dial as StateJson;
    expect(dial.invoke).toBeUndefined();
    expect(dial.states?.placing?.invoke).toEqual({
      id: 'dial.placeCall',
      src: 'placeCall',
      input: {
        step: 'dial',
        leg: 'ivr',
        to: '${params.from}',
        callerid: '${params.callerid}',
        callername: '${params.callername}',
        timeout: '${params.calltimeout}',
      },
      onDone: [{ target: 'ringing' }],
      onError: [{ target: stepTarget('done'), actions: [{ type: 'placeFailed', params: { leg: 'ivr' } }] }],
    });
    expect(dial.on?.['sip.answered']).toEqual([
      { guard: { type: 'fromLeg', params: { leg: 'ivr' } }, target: '#script.transfer', actions: [{ type: 'legAnswered', params: { leg: 'ivr' } }] },
    ]);
    // The service call's hang-up before the transfer routes per placing step, to its on.bye or on.failed.
    expect(c.machine.on?.['sip.bye']?.slice(0, 2)).toEqual([
      { guard: { type: 'byeBeforeTransfer', params: { leg: 'ivr', step: 'dial' } }, target: '#script.done', actions: [{ type: 'legBye', params: { leg: 'ivr' } }] },
      { guard: { type: 'byeBeforeTransfer', params: { leg: 'ivr', step: 'dialIntercom' } }, target: '#script.done', actions: [{ type: 'legBye', params: { leg: 'ivr' } }] },
    ]);
    expect(c.machine.states.transfer?.on?.['notify.sipfrag']?.map((t) => [t.guard?.params?.kind, t.target])).toEqual([
      ['unreadable', '#script.release'],
      ['success', '#script.predial'],
      ['failure', '#script.release'],
      ['provisional', '.progressing'],
    ]);
  });

  it('invite: two legs, Y reports as the target and offers X\'s session; join hands both legs over', () => {
    const c = loadBuiltinScript('invite');
    expect(c.legs).toEqual({ x: { reports: 'service', placedBy: ['dialX', 'dialIntercom'] }, y: { reports: 'target', placedBy: ['dialY'] } });
    expect(c.machine.states.dialY?.states?.placing?.invoke?.input).toMatchObject({ sdpFrom: 'x', callerid: '${params.from_number}' });
    expect(c.machine.states.join?.invoke).toMatchObject({ src: 'joinLegs', input: { step: 'join', legs: ['x', 'y'] } });
  });

  it('refer: Replaces and Referred-By on the call; the transfer back reports nothing', () => {
    const c = loadBuiltinScript('refer');
    expect(c.machine.states.replace?.states?.placing?.invoke?.input).toMatchObject({ replaces: '${params.y_callid}', referredBy: '${params.x}' });
    expect(c.machine.states.transfer?.on?.['notify.sipfrag']?.find((t) => t.guard?.params?.kind === 'failure')?.target).toBe('#script.transferBack');
    expect(c.machine.states.transferBack?.entry).toContainEqual({ type: 'referStart', params: { leg: 'ivr', reports: 'none' } });
  });

  it('referreplaces: the REFER carries Replaces', () => {
    const c = loadBuiltinScript('referreplaces');
    expect(c.machine.states.transfer?.states?.awaiting?.states?.sending?.invoke?.input).toEqual({
      step: 'transfer',
      leg: 'ivr',
      target: '${params.z}',
      replaces: '${params.z_callid}',
    });
  });
});
