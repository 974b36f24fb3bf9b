// DSL → XState v5 machine config as plain JSON. Every action, guard, actor and delay is referenced by
// name from the allow-list in machines/service-script-vocabulary.ts; expressions stay as text and are
// resolved at run time from the machine's context. The JSON is the workflow's input, so it must be
// deterministic: same document, same bytes.
import {
  CANCELLED_END_STATE,
  CANCELLED_STATE,
  DTMF_PAUSE_DELAY,
  DTMF_PAUSE_SECONDS,
  SCRIPT_MACHINE_ID,
  stepTarget as to,
  type ActionName,
  type ActorName,
  type GuardName,
} from '../machines/service-script-vocabulary.ts';
import type {
  BranchStep,
  CallStep,
  DtmfStep,
  EndStep,
  HangupStep,
  JoinStep,
  ScriptDoc,
  Step,
  TransferReplaceStep,
  TransferStep,
  WaitStep,
} from './schema.ts';
import type { CompiledScript, DelaySpec, InvokeJson, Issue, JsonValue, LegInfo, MachineJson, NamedRef, StateJson, TransitionJson } from './types.ts';
import { collectLegs, defaultLeg, knownVars, normalizeParams, validateScript } from './validate.ts';

export type CompileResult = { ok: true; compiled: CompiledScript } | { ok: false; issues: Issue[] };

/** Validates a parsed document (YAML/JSON data) and compiles it. */
export function buildScript(input: unknown): CompileResult {
  const checked = validateScript(input);
  return checked.ok ? { ok: true, compiled: compileScript(checked.script) } : checked;
}

type Params = { [key: string]: JsonValue | undefined };

/** Drops undefined fields, so the output is JSON with nothing implicit. */
function json(params: Params): { [key: string]: JsonValue } {
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return out;
}

function act(type: ActionName, params?: Params): NamedRef {
  return params ? { type, params: json(params) } : { type };
}

function guard(type: GuardName, params?: Params): NamedRef {
  return params ? { type, params: json(params) } : { type };
}

function invoke(id: string, src: ActorName, input: Params, onDone: TransitionJson[], onError: TransitionJson[]): InvokeJson {
  return { id: `${id}.${src}`, src, input: json(input), onDone, onError };
}

/** Compiles a document validateScript accepted; anything else is a programming error. */
export function compileScript(doc: ScriptDoc): CompiledScript {
  const legUses = collectLegs(doc);
  const delays: Record<string, DelaySpec> = {};
  const states: Record<string, StateJson> = {};
  const byeRoutes: TransitionJson[] = [];

  const legOf = (given: string | undefined): string => {
    const leg = defaultLeg(legUses, given);
    if (leg === undefined) throw new Error(`script "${doc.name}" was not validated: a step has no leg`);
    return leg;
  };

  for (const [id, step] of Object.entries(doc.steps)) {
    states[id] = compileStep(id, step, { delays, legOf });
    if (step.type === 'call') {
      const leg = step.leg ?? id;
      byeRoutes.push({
        guard: guard('byeBeforeTransfer', { leg, step: id }),
        target: to(step.on.bye ?? step.on.failed),
        actions: [act('legBye', { leg })],
      });
    }
  }
  if (Object.values(doc.steps).some((s) => s.type === 'dtmf')) delays[DTMF_PAUSE_DELAY] = { seconds: DTMF_PAUSE_SECONDS };

  states[CANCELLED_STATE] = {
    description: 'cancelled: release every live leg, then stop',
    entry: [act('enterStep', { step: CANCELLED_STATE }), act('releaseAll')],
    // A second cancel while releasing changes nothing.
    on: { cancel: [{ actions: [] }] },
    ...releaseThen(CANCELLED_STATE, to(CANCELLED_END_STATE)),
  };
  states[CANCELLED_END_STATE] = { type: 'final', entry: [act('enterStep', { step: CANCELLED_END_STATE }), act('finish', {})] };

  const late: TransitionJson[] = [{ actions: [act('legLate')] }];
  const machine: MachineJson = {
    id: SCRIPT_MACHINE_ID,
    description: doc.description ?? doc.name,
    initial: doc.start,
    // Events no step is waiting for land here: a BYE may still route (the call's `on.bye`), the
    // rest only update the legs and the answer.
    on: {
      'sip.bye': [...byeRoutes, ...late],
      'sip.provisional': late,
      'sip.answered': late,
      'sip.failed': late,
      'notify.sipfrag': [{ actions: [act('sipfragLate')] }],
      cancel: [{ target: to(CANCELLED_STATE), actions: [act('cancelled')] }],
    },
    states,
  };

  const legs: Record<string, LegInfo> = {};
  for (const [name, use] of legUses) legs[name] = { reports: use.reports, placedBy: [...use.placedBy] };
  const serviceLeg = [...legUses].find(([, use]) => use.reports === 'service')?.[0] ?? null;

  const compiled: CompiledScript = {
    format: 1,
    name: doc.name,
    params: normalizeParams(doc.params),
    legs,
    serviceLeg,
    vars: knownVars(doc, legUses.keys()),
    delays,
    machine,
  };
  if (doc.description !== undefined) compiled.description = doc.description;
  return compiled;
}

interface StepEnv {
  delays: Record<string, DelaySpec>;
  legOf: (given: string | undefined) => string;
}

function compileStep(id: string, step: Step, env: StepEnv): StateJson {
  const base = (component: string): Pick<StateJson, 'meta' | 'description'> => ({
    meta: { step: id, component },
    ...(step.description !== undefined ? { description: step.description } : {}),
  });
  switch (step.type) {
    case 'call':
      return { ...base('call'), ...compileCall(id, step, env) };
    case 'transfer':
    case 'transferReplace':
      return { ...base(step.type), ...compileTransfer(id, step, env) };
    case 'dtmf':
      return { ...base('dtmf'), ...compileDtmf(id, step, env) };
    case 'wait':
      return { ...base('wait'), ...compileWait(id, step, env) };
    case 'hangup':
      return { ...base('hangup'), ...compileHangup(id, step) };
    case 'join':
      return { ...base('join'), ...compileJoin(id, step) };
    case 'branch':
      return { ...base('branch'), ...compileBranch(id, step) };
    case 'end':
      return { ...base('end'), ...compileEnd(id, step) };
  }
}

function compileCall(id: string, step: CallStep, env: StepEnv): StateJson {
  const leg = step.leg ?? id;
  const fromLeg = guard('fromLeg', { leg });
  const failedActions = [act('legFailed', { leg })];
  const onFailed: TransitionJson[] = [];
  if (step.on.busy !== undefined) onFailed.push({ guard: guard('busy', { leg }), target: to(step.on.busy), actions: failedActions });
  onFailed.push({ guard: fromLeg, target: to(step.on.failed), actions: failedActions });

  const timeoutDelay = `${id}.timeout`;
  env.delays[timeoutDelay] = { seconds: step.timeout };
  const afterTimeout = to(step.on.timeout ?? step.on.failed);
  // While the call is being cancelled its events only update the leg: the step is already decided.
  const late: TransitionJson[] = [{ guard: fromLeg, actions: [act('legLate')] }];

  const input: Params = {
    step: id,
    leg,
    to: step.to,
    callerid: step.callerid,
    callername: step.callername,
    timeout: step.timeout,
    replaces: step.replaces,
    referredBy: step.referredBy,
    headers: step.headers,
    sdpFrom: step.sdpFrom,
  };
  return {
    entry: [act('enterStep', { step: id }), act('dialString', { step: id, expr: step.to }), act('legCalling', { leg, step: id })],
    initial: 'placing',
    on: {
      'sip.provisional': [{ guard: fromLeg, actions: [act('legProvisional', { leg })] }],
      'sip.answered': [{ guard: fromLeg, target: to(step.on.answered), actions: [act('legAnswered', { leg })] }],
      'sip.failed': onFailed,
    },
    after: { [timeoutDelay]: [{ target: '.cancelling', actions: [act('legTimedOut', { leg })] }] },
    states: {
      placing: {
        invoke: invoke(id, 'placeCall', input, [{ target: 'ringing' }], [{ target: to(step.on.failed), actions: [act('placeFailed', { leg })] }]),
      },
      ringing: {},
      cancelling: {
        entry: [act('releaseLegs', { legs: [leg] })],
        on: { 'sip.provisional': late, 'sip.answered': late, 'sip.failed': late },
        ...releaseThen(id, afterTimeout, false),
      },
    },
  };
}

function compileTransfer(id: string, step: TransferStep | TransferReplaceStep, env: StepEnv): StateJson {
  const leg = env.legOf(step.leg);
  const fromLeg = guard('fromLeg', { leg });
  const is = (kind: string) => guard('sipfragIs', { leg, kind });
  const frag = [act('sipfrag', { leg })];
  const missing = [act('notifyMissing', { leg })];
  const rejected = to(step.on.rejected ?? step.on.failed);
  const unknown = to(step.on.unknown);
  const notifyDelay = `${id}.notify`;
  const finalDelay = `${id}.final`;
  env.delays[notifyDelay] = { seconds: step.notifyTimeout };
  env.delays[finalDelay] = { seconds: step.finalTimeout };

  const accepted: TransitionJson = { guard: fromLeg, actions: [act('referAccepted', { leg })] };
  if (step.on.accepted !== undefined) accepted.target = to(step.on.accepted);
  const input: Params = { step: id, leg, target: step.target, replaces: step.type === 'transferReplace' ? step.replaces : undefined };

  return {
    entry: [act('enterStep', { step: id }), act('dialString', { step: id, expr: step.target }), act('referStart', { leg, reports: step.reports })],
    initial: 'awaiting',
    on: {
      'refer.accepted': [accepted],
      'refer.rejected': [{ guard: fromLeg, target: rejected, actions: [act('referRejected', { leg })] }],
      'notify.sipfrag': [
        { guard: is('unreadable'), target: unknown, actions: frag },
        { guard: is('success'), target: to(step.on.succeeded), actions: frag },
        { guard: is('failure'), target: to(step.on.failed), actions: frag },
        { guard: is('provisional'), target: step.on.progress !== undefined ? to(step.on.progress) : '.progressing', actions: frag },
      ],
      'notify.none': [{ guard: fromLeg, target: unknown, actions: missing }],
    },
    states: {
      // Until the first NOTIFY: the REFER is sent, then answered; `notifyTimeout` bounds both.
      awaiting: {
        initial: 'sending',
        after: { [notifyDelay]: [{ target: unknown, actions: missing }] },
        states: {
          sending: {
            invoke: invoke(id, 'sendRefer', input, [{ target: 'sent' }], [{ target: rejected, actions: [act('referRejected', { leg })] }]),
          },
          sent: {},
        },
      },
      // The target rings: more 1xx NOTIFYs keep us here; `finalTimeout` bounds the wait for a final one.
      progressing: {
        on: { 'notify.sipfrag': [{ guard: is('provisional'), actions: frag }] },
        after: { [finalDelay]: [{ target: unknown, actions: missing }] },
      },
    },
  };
}

function compileDtmf(id: string, step: DtmfStep, env: StepEnv): StateJson {
  const load: Params =
    step.dialog !== undefined
      ? { digits: step.digits, dialog: step.dialog, side: step.side ?? 'b' }
      : { digits: step.digits, leg: env.legOf(step.leg) };
  return {
    entry: [act('enterStep', { step: id }), act('dtmfLoad', load)],
    initial: 'next',
    states: {
      next: {
        always: [{ guard: guard('dtmfDone'), target: to(step.next) }, { guard: guard('dtmfPause'), target: 'pause' }, { target: 'sending' }],
      },
      pause: { after: { [DTMF_PAUSE_DELAY]: [{ target: 'next', actions: [act('dtmfShift')] }] } },
      sending: {
        invoke: invoke(
          id,
          'sendDtmf',
          { step: id, proto: step.proto },
          [{ target: 'next', actions: [act('dtmfShift')] }],
          [{ target: to(step.next), actions: [act('dtmfAbandon')] }],
        ),
      },
    },
  };
}

function compileWait(id: string, step: WaitStep, env: StepEnv): StateJson {
  const delay = `${id}.wait`;
  env.delays[delay] = { seconds: step.seconds };
  return { entry: [act('enterStep', { step: id })], after: { [delay]: [{ target: to(step.next) }] } };
}

/** `check` skips the actor when nothing is live; `hanging` releases and moves on either way. */
function releaseThen(id: string, next: string, checkFirst = true): Pick<StateJson, 'initial' | 'states' | 'invoke'> {
  const done: TransitionJson[] = [{ target: next, actions: [act('released')] }];
  const hangup = invoke(id, 'hangup', { step: id }, done, done);
  if (!checkFirst) return { invoke: hangup };
  return {
    initial: 'check',
    states: {
      check: { always: [{ guard: guard('nothingToRelease'), target: next }, { target: 'hanging' }] },
      hanging: { invoke: hangup },
    },
  };
}

function compileHangup(id: string, step: HangupStep): StateJson {
  return {
    entry: [act('enterStep', { step: id }), act('releaseLegs', { legs: step.legs })],
    ...releaseThen(id, to(step.next)),
  };
}

function compileJoin(id: string, step: JoinStep): StateJson {
  const legs = [step.legs[0], step.legs[1]];
  return {
    entry: [act('enterStep', { step: id })],
    invoke: invoke(
      id,
      'joinLegs',
      { step: id, legs },
      [{ target: to(step.on.joined), actions: [act('joined', { legs })] }],
      [{ target: to(step.on.failed), actions: [act('joinFailed')] }],
    ),
  };
}

function compileBranch(id: string, step: BranchStep): StateJson {
  return {
    entry: [act('enterStep', { step: id })],
    always: [{ guard: guard('truthy', { expr: step.if }), target: to(step.then) }, { target: to(step.else) }],
  };
}

function compileEnd(id: string, step: EndStep): StateJson {
  return { type: 'final', entry: [act('enterStep', { step: id }), act('finish', { result: step.result })] };
}
