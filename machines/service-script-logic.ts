// What the named actions, guards and actor inputs of a service-script machine do, as pure functions
// of (context, event, params). service-script-setup.ts only wraps them for XState; keeping them here
// makes the rules (which checkpoint, which result) readable in one place and testable alone.
import {
  finish,
  initialProgress,
  learn,
  noteProblem,
  parseStatusLine,
  record,
  statusLine,
  type Progress,
  type Result,
} from './checkpoints.ts';
import { cleanDtmf, interpolate, isTruthy, leadingDigits, splitDialString, startsWithPause, valueText, type Ref } from '../service-scripts/expression.ts';
import { bindInput, ScriptInputError } from '../service-scripts/params.ts';
import type { CompiledScript, DelaySpec, JsonValue } from '../service-scripts/types.ts';
import type {
  DtmfTarget,
  HangupInput,
  JoinLegsInput,
  JoinLegsOutput,
  LegState,
  PlaceCallInput,
  ScriptContext,
  ScriptEvent,
  ScriptInput,
  SendDtmfInput,
  SendReferInput,
} from './service-script-types.ts';

/** Events actions see: ours, plus XState's done events for invoked actors. */
export type AnyScriptEvent = ScriptEvent | { type: string; output?: unknown; error?: unknown };

type Update = Partial<ScriptContext>;

// --- Context ------------------------------------------------------------------------------------

export function initialContext(script: CompiledScript, input: ScriptInput): ScriptContext {
  const bound = bindInput(script, input);
  if (!bound.ok) throw new ScriptInputError(script.name, bound.issues);
  const { params, callids } = bound.value;
  const legs: Record<string, LegState> = {};
  const vars: Record<string, string> = {};
  // Answer fields (dialogid, …) are read from the progress record, never stored twice.
  for (const name of script.vars) if (!ANSWER_NAMES.has(name)) vars[name] = '';
  for (const [leg, info] of Object.entries(script.legs)) {
    const callid = callids[leg] as string;
    legs[leg] = { callid, reports: info.reports, status: 'idle', transferred: false, referReports: 'target' };
    vars[`${leg}_callid`] = callid;
  }
  const ivrcallid = script.serviceLeg ? (callids[script.serviceLeg] ?? '') : '';
  return { script: script.name, step: '', params, vars, legs, progress: initialProgress(ivrcallid), dtmf: { queue: '' }, releasing: [] };
}

const ANSWER_NAMES = new Set(['ivrcallid', 'acallid', 'dialogid', 'last_response', 'result']);

function varText(ctx: ScriptContext, name: string): string {
  const p = ctx.progress;
  switch (name) {
    case 'ivrcallid':
      return p.ivrcallid;
    case 'acallid':
      return p.acallid ?? '';
    case 'dialogid':
      return p.dialogid ?? '';
    case 'last_response':
      return p.last_response ?? '';
    case 'result':
      return p.result;
    default:
      return ctx.vars[name] ?? '';
  }
}

export function resolve(ctx: ScriptContext, source: string): string {
  return interpolate(source, (ref: Ref) => (ref.ns === 'params' ? valueText(ctx.params[ref.name]) : varText(ctx, ref.name)));
}

/** Delays in milliseconds. Parameters were bound as numbers; anything else counts as no delay. */
export function delayMs(spec: DelaySpec, ctx: ScriptContext): number {
  const seconds = typeof spec.seconds === 'number' ? spec.seconds : Number(resolve(ctx, spec.seconds));
  if (!Number.isFinite(seconds) || seconds < 0) return 0;
  return Math.round(Math.min(seconds, 86_400) * 1000);
}

function callidOf(event: AnyScriptEvent): string | undefined {
  return 'callid' in event && typeof event.callid === 'string' ? event.callid : undefined;
}

function legByCallid(ctx: ScriptContext, callid: string | undefined): string | undefined {
  if (callid === undefined) return undefined;
  return Object.keys(ctx.legs).find((leg) => ctx.legs[leg]?.callid === callid);
}

function patchLeg(ctx: ScriptContext, leg: string, patch: Partial<LegState>): Record<string, LegState> {
  const current = ctx.legs[leg];
  if (!current) return ctx.legs;
  return { ...ctx.legs, [leg]: { ...current, ...patch } };
}

const LIVE = new Set(['calling', 'early', 'answered']);

function eventLine(event: AnyScriptEvent, fallback: string): string {
  if ('status' in event && typeof event.status === 'number' && event.status > 0) {
    return statusLine(event.status, 'reason' in event && typeof event.reason === 'string' ? event.reason : '');
  }
  return fallback;
}

/** Applies a change to the record of the checkpoints the leg reports. */
function reportOn(ctx: ScriptContext, leg: string, service: (p: Progress) => Progress, target: (p: Progress) => Progress): Progress {
  const reports = ctx.legs[leg]?.reports;
  if (reports === 'service') return service(ctx.progress);
  if (reports === 'target') return target(ctx.progress);
  return ctx.progress;
}

// --- Actions ------------------------------------------------------------------------------------

export const actions = {
  enterStep: (_ctx: ScriptContext, _e: AnyScriptEvent, p: { step: string }): Update => ({ step: p.step }),

  /** Splits a dial string into `vars.<step>_number` and `vars.<step>_dtmf`. */
  dialString: (ctx: ScriptContext, _e: AnyScriptEvent, p: { step: string; expr: string }): Update => {
    const d = splitDialString(resolve(ctx, p.expr));
    return { vars: { ...ctx.vars, [`${p.step}_number`]: d.number, [`${p.step}_dtmf`]: d.dtmf } };
  },

  legCalling: (ctx: ScriptContext, _e: AnyScriptEvent, p: { leg: string; step: string }): Update => ({
    legs: patchLeg(ctx, p.leg, { status: 'calling', placedBy: p.step }),
  }),

  legProvisional: (ctx: ScriptContext, e: AnyScriptEvent, p: { leg: string }): Update => {
    const line = eventLine(e, 'SIP/2.0 180 Ringing');
    const leg = ctx.legs[p.leg];
    const status = leg?.status === 'calling' ? 'early' : leg?.status;
    return {
      legs: patchLeg(ctx, p.leg, { status, lastResponse: line }),
      progress: reportOn(ctx, p.leg, (pr) => record(pr, 1), (pr) => learn(record(pr, 3), { last_response: line })),
    };
  },

  legAnswered: (ctx: ScriptContext, e: AnyScriptEvent, p: { leg: string }): Update => {
    const line = eventLine(e, 'SIP/2.0 200 OK');
    return {
      legs: patchLeg(ctx, p.leg, { status: 'answered', lastResponse: line }),
      progress: reportOn(ctx, p.leg, (pr) => record(pr, 2), (pr) => learn(record(pr, 4), { last_response: line })),
    };
  },

  /** A final non-2xx: the service call's makes the result `rejected` (`error` if nothing was heard). */
  legFailed: (ctx: ScriptContext, e: AnyScriptEvent, p: { leg: string }): Update => {
    const line = eventLine(e, '');
    const heard = line !== '';
    return {
      legs: patchLeg(ctx, p.leg, { status: 'failed', ...(heard ? { lastResponse: line } : {}) }),
      progress: reportOn(
        ctx,
        p.leg,
        (pr) => noteProblem(learn(record(pr, 2), { last_response: line }), heard ? 'rejected' : 'error'),
        (pr) => learn(record(pr, 4), { last_response: line }),
      ),
    };
  },

  /** The call timer ran out: `timeout` after a provisional, `error` if the device never answered at all. */
  legTimedOut: (ctx: ScriptContext, _e: AnyScriptEvent, p: { leg: string }): Update => {
    const heard = ctx.legs[p.leg]?.status === 'early';
    return { progress: reportOn(ctx, p.leg, (pr) => noteProblem(record(pr, 2), heard ? 'timeout' : 'error'), (pr) => record(pr, 4)) };
  },

  /** The device hung up before the script was done with it (before a transfer was accepted). */
  legBye: (ctx: ScriptContext, _e: AnyScriptEvent, p: { leg: string }): Update => ({
    legs: patchLeg(ctx, p.leg, { status: 'ended' }),
    progress: reportOn(ctx, p.leg, (pr) => noteProblem(pr, 'bye'), (pr) => pr),
  }),

  /** A SIP event no step is waiting for: only the leg's state changes. */
  legLate: (ctx: ScriptContext, e: AnyScriptEvent): Update => {
    const leg = legByCallid(ctx, callidOf(e));
    const current = leg ? ctx.legs[leg] : undefined;
    if (!leg || !current) return {};
    const s = current.status;
    let status = s;
    if (e.type === 'sip.provisional' && s === 'calling') status = 'early';
    else if (e.type === 'sip.answered' && (s === 'calling' || s === 'early')) status = 'answered';
    else if (e.type === 'sip.failed' && (s === 'calling' || s === 'early')) status = 'failed';
    else if (e.type === 'sip.bye' && (LIVE.has(s) || s === 'releasing')) status = 'ended';
    return status === s ? {} : { legs: patchLeg(ctx, leg, { status }) };
  },

  /** placeCall itself failed: nothing was sent, so nothing was heard. Unlike a target that answers
   * busy (its status line tells the story, the result stays `ok`), this is "something unexpected"
   * whichever leg it was: `error`. */
  placeFailed: (ctx: ScriptContext, _e: AnyScriptEvent, p: { leg: string }): Update => ({
    legs: patchLeg(ctx, p.leg, { status: 'failed' }),
    progress: reportOn(ctx, p.leg, (pr) => noteProblem(record(pr, 2), 'error'), (pr) => noteProblem(record(pr, 4), 'error')),
  }),

  referStart: (ctx: ScriptContext, _e: AnyScriptEvent, p: { leg: string; reports: 'target' | 'none' }): Update => ({
    legs: patchLeg(ctx, p.leg, { referReports: p.reports }),
  }),

  referAccepted: (ctx: ScriptContext, _e: AnyScriptEvent, p: { leg: string }): Update => ({
    legs: patchLeg(ctx, p.leg, { transferred: true }),
  }),

  /** The device refused the REFER (or it could not be sent): unexpected, so `error`. */
  referRejected: (ctx: ScriptContext, _e: AnyScriptEvent, p: { leg: string }): Update =>
    ctx.legs[p.leg]?.referReports === 'target' ? { progress: noteProblem(ctx.progress, 'error') } : {},

  sipfrag: (ctx: ScriptContext, e: AnyScriptEvent, p: { leg: string }): Update => sipfragUpdate(ctx, e, p.leg, true),

  /** NOTIFYs after the transfer step was left (through `accepted` or `progress`) still inform the answer. */
  sipfragLate: (ctx: ScriptContext, e: AnyScriptEvent): Update => {
    const leg = legByCallid(ctx, callidOf(e));
    return leg ? sipfragUpdate(ctx, e, leg, false) : {};
  },

  notifyMissing: (ctx: ScriptContext, _e: AnyScriptEvent, p: { leg: string }): Update =>
    ctx.legs[p.leg]?.referReports === 'target' ? { progress: noteProblem(ctx.progress, 'unknown') } : {},

  dtmfLoad: (ctx: ScriptContext, _e: AnyScriptEvent, p: { digits: string; leg?: string; dialog?: string; side?: 'a' | 'b' }): Update => {
    let target: DtmfTarget | undefined;
    if (p.dialog !== undefined) {
      const dialogid = resolve(ctx, p.dialog);
      if (dialogid) target = { dialogid, side: p.side ?? 'b' };
    } else if (p.leg !== undefined) {
      const leg = ctx.legs[p.leg];
      // DTMF needs media: a leg that is not (or no longer) answered gets none.
      if (leg && (leg.status === 'answered' || leg.status === 'joined')) target = { callid: leg.callid };
    }
    return { dtmf: target ? { target, queue: cleanDtmf(resolve(ctx, p.digits)) } : { queue: '' } };
  },

  dtmfShift: (ctx: ScriptContext): Update => {
    const q = ctx.dtmf.queue;
    const rest = startsWithPause(q) ? q.slice(1) : q.slice(leadingDigits(q).length);
    return { dtmf: { ...ctx.dtmf, queue: rest } };
  },

  /** DTMF is best effort (the spec reports no outcome): a failed send drops the rest. */
  dtmfAbandon: (ctx: ScriptContext): Update => ({ dtmf: { ...ctx.dtmf, queue: '' } }),

  releaseLegs: (ctx: ScriptContext, _e: AnyScriptEvent, p: { legs: string[] }): Update => release(ctx, p.legs),

  /** Cancellation also re-releases legs a stopped hangup step was releasing (hangup is idempotent). */
  releaseAll: (ctx: ScriptContext): Update => release(ctx, Object.keys(ctx.legs), true),

  released: (ctx: ScriptContext): Update => {
    const legs = { ...ctx.legs };
    for (const [name, leg] of Object.entries(legs)) {
      if (leg.status === 'releasing' && ctx.releasing.includes(leg.callid)) legs[name] = { ...leg, status: 'ended' };
    }
    return { legs, releasing: [] };
  },

  joined: (ctx: ScriptContext, e: AnyScriptEvent, p: { legs: string[] }): Update => {
    const out = ('output' in e ? e.output : undefined) as Partial<JoinLegsOutput> | undefined;
    let legs = ctx.legs;
    for (const leg of p.legs) legs = patchLeg({ ...ctx, legs }, leg, { status: 'joined' });
    return { legs, progress: learn(ctx.progress, { dialogid: out?.dialogid, acallid: out?.acallid }) };
  },

  joinFailed: (ctx: ScriptContext): Update => ({ progress: noteProblem(ctx.progress, 'error') }),

  cancelled: (ctx: ScriptContext): Update => ({ progress: noteProblem(ctx.progress, 'error') }),

  finish: (ctx: ScriptContext, _e: AnyScriptEvent, p: { result?: Result } | undefined): Update => ({ progress: finish(ctx.progress, p?.result) }),
} satisfies Record<string, (ctx: ScriptContext, e: AnyScriptEvent, p: never) => Update>;

function release(ctx: ScriptContext, names: string[], again = false): Update {
  const legs = { ...ctx.legs };
  const releasing: string[] = [];
  for (const name of names) {
    const leg = legs[name];
    if (!leg || !(LIVE.has(leg.status) || (again && leg.status === 'releasing'))) continue;
    legs[name] = { ...leg, status: 'releasing' };
    releasing.push(leg.callid);
  }
  return { legs, releasing };
}

export type SipfragKind = 'provisional' | 'success' | 'failure' | 'unreadable';

export function sipfragKind(e: AnyScriptEvent): SipfragKind {
  const parsed = e.type === 'notify.sipfrag' && 'sipfrag' in e ? parseStatusLine(e.sipfrag) : undefined;
  if (!parsed) return 'unreadable';
  if (parsed.status < 200) return 'provisional';
  return parsed.status < 300 ? 'success' : 'failure';
}

function sipfragUpdate(ctx: ScriptContext, e: AnyScriptEvent, leg: string, inStep: boolean): Update {
  if (e.type !== 'notify.sipfrag' || !('sipfrag' in e)) return {};
  // A NOTIFY may overtake the 202: either way the device took the REFER.
  const legs = patchLeg(ctx, leg, { transferred: true });
  if (ctx.legs[leg]?.referReports !== 'target') return { legs };
  const parsed = parseStatusLine(e.sipfrag);
  let progress = learn(ctx.progress, { acallid: e.acallid, dialogid: e.dialogid });
  if (!parsed) {
    if (inStep) progress = noteProblem(progress, 'unknown');
  } else {
    progress = learn(record(progress, parsed.status < 200 ? 3 : 4), { last_response: parsed.line });
  }
  return { legs, progress };
}

// --- Guards -------------------------------------------------------------------------------------

export const guards = {
  fromLeg: (ctx: ScriptContext, e: AnyScriptEvent, p: { leg: string }): boolean => {
    const callid = callidOf(e);
    return callid !== undefined && callid === ctx.legs[p.leg]?.callid;
  },
  /** 486 Busy Here and 600 Busy Everywhere. */
  busy: (ctx: ScriptContext, e: AnyScriptEvent, p: { leg: string }): boolean =>
    guards.fromLeg(ctx, e, p) && e.type === 'sip.failed' && 'status' in e && (e.status === 486 || e.status === 600),
  byeBeforeTransfer: (ctx: ScriptContext, e: AnyScriptEvent, p: { leg: string; step: string }): boolean => {
    const leg = ctx.legs[p.leg];
    return guards.fromLeg(ctx, e, p) && leg?.status === 'answered' && !leg.transferred && leg.placedBy === p.step;
  },
  sipfragIs: (ctx: ScriptContext, e: AnyScriptEvent, p: { leg: string; kind: SipfragKind }): boolean =>
    guards.fromLeg(ctx, e, p) && sipfragKind(e) === p.kind,
  dtmfDone: (ctx: ScriptContext): boolean => ctx.dtmf.queue === '',
  dtmfPause: (ctx: ScriptContext): boolean => startsWithPause(ctx.dtmf.queue),
  nothingToRelease: (ctx: ScriptContext): boolean => ctx.releasing.length === 0,
  truthy: (ctx: ScriptContext, _e: AnyScriptEvent, p: { expr: string }): boolean => isTruthy(resolve(ctx, p.expr)),
} satisfies Record<string, (ctx: ScriptContext, e: AnyScriptEvent, p: never) => boolean>;

// --- Actor inputs: the compiled JSON spec plus the context make what the activity receives -------

type Spec = { [key: string]: JsonValue };

const str = (spec: Spec, key: string): string | undefined => (typeof spec[key] === 'string' ? (spec[key] as string) : undefined);

function optional(ctx: ScriptContext, source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  const v = resolve(ctx, source);
  return v === '' ? undefined : v;
}

function legCallid(ctx: ScriptContext, leg: string | undefined): string {
  return (leg !== undefined ? ctx.legs[leg]?.callid : undefined) ?? '';
}

export const inputs = {
  placeCall(spec: Spec, ctx: ScriptContext): PlaceCallInput {
    const leg = str(spec, 'leg') ?? '';
    const headers: Record<string, string> = {};
    const given = spec.headers;
    if (given && typeof given === 'object' && !Array.isArray(given)) {
      for (const [name, value] of Object.entries(given)) {
        // A header that comes out empty is left out: how one script serves intercom and plain calls.
        const v = typeof value === 'string' ? resolve(ctx, value) : '';
        if (v !== '') headers[name] = v;
      }
    }
    const timeout = spec.timeout;
    const input: PlaceCallInput = {
      step: str(spec, 'step') ?? '',
      leg,
      callid: legCallid(ctx, leg),
      to: splitDialString(resolve(ctx, str(spec, 'to') ?? '')).number,
      timeoutMs: delayMs({ seconds: typeof timeout === 'number' || typeof timeout === 'string' ? timeout : 30 }, ctx),
      headers,
    };
    const callerid = optional(ctx, str(spec, 'callerid'));
    const callername = optional(ctx, str(spec, 'callername'));
    const replaces = optional(ctx, str(spec, 'replaces'));
    const referredBy = optional(ctx, str(spec, 'referredBy'));
    const sdpFrom = str(spec, 'sdpFrom');
    if (callerid !== undefined) input.callerid = callerid;
    if (callername !== undefined) input.callername = callername;
    if (replaces !== undefined) input.replaces = replaces;
    if (referredBy !== undefined) input.referredBy = referredBy;
    if (sdpFrom !== undefined) input.sdpFrom = legCallid(ctx, sdpFrom);
    return input;
  },

  sendRefer(spec: Spec, ctx: ScriptContext): SendReferInput {
    const leg = str(spec, 'leg') ?? '';
    const input: SendReferInput = {
      step: str(spec, 'step') ?? '',
      leg,
      callid: legCallid(ctx, leg),
      target: splitDialString(resolve(ctx, str(spec, 'target') ?? '')).number,
    };
    const replaces = optional(ctx, str(spec, 'replaces'));
    if (replaces !== undefined) input.replaces = replaces;
    return input;
  },

  sendDtmf(spec: Spec, ctx: ScriptContext): SendDtmfInput {
    return {
      step: str(spec, 'step') ?? '',
      target: ctx.dtmf.target ?? { callid: '' },
      digits: leadingDigits(ctx.dtmf.queue),
      proto: spec.proto === 'sipinfo' ? 'sipinfo' : 'rfc2833',
    };
  },

  hangup(spec: Spec, ctx: ScriptContext): HangupInput {
    return { step: str(spec, 'step') ?? '', callids: [...ctx.releasing] };
  },

  joinLegs(spec: Spec, ctx: ScriptContext): JoinLegsInput {
    const legs = Array.isArray(spec.legs) ? spec.legs : [];
    return { step: str(spec, 'step') ?? '', callids: [legCallid(ctx, legs[0] as string), legCallid(ctx, legs[1] as string)] };
  },
};
