// The `response_mode` checkpoints of an operation and the answer it gives at each. The HTTP answer is
// sent at the first checkpoint at or past the one asked for, or when the operation ends, carrying
// what is known by then; so the record only ever moves forward, and facts only accumulate.
// Pure code plus one small machine: it runs inside workflows.
import { assign, setup } from 'xstate';

/** 0 accepted, 1 service call provisional, 2 service call answered or failed, 3 target provisional,
 * 4 target answered or failed, 5 over. */
export type Checkpoint = 0 | 1 | 2 | 3 | 4 | 5;

export const CHECKPOINTS = {
  accepted: 0,
  serviceProvisional: 1,
  serviceSettled: 2,
  targetProvisional: 3,
  targetSettled: 4,
  over: 5,
} as const satisfies Record<string, Checkpoint>;

export type CheckpointName = keyof typeof CHECKPOINTS;
export const CHECKPOINT_NAMES = Object.keys(CHECKPOINTS) as CheckpointName[];

/** The spec's `result` values; `ok` until a problem is seen. */
export type Result = 'ok' | 'rejected' | 'bye' | 'timeout' | 'error' | 'unknown';

/** Everything one service script has learnt; the operation's answer is built from it. */
export interface Progress {
  checkpoint: Checkpoint;
  /** Checkpoints in the order recorded: strictly increasing, starting at 0. */
  history: Checkpoint[];
  over: boolean;
  result: Result;
  ivrcallid: string;
  /** Call-ID of the target call's `a` leg (X→Y after a REFER, or the joined dialog's). */
  acallid?: string;
  /** Status line last heard about: the target's, or the service call's when it was rejected. */
  last_response?: string;
  /** The target dialog. */
  dialogid?: string;
}

export function initialProgress(ivrcallid: string): Progress {
  return { checkpoint: 0, history: [0], over: false, result: 'ok', ivrcallid };
}

/** Moves the record to `cp`; a checkpoint already passed changes nothing. */
export function record(p: Progress, cp: Checkpoint): Progress {
  if (cp <= p.checkpoint) return p;
  return { ...p, checkpoint: cp, history: [...p.history, cp] };
}

/** Whether an answer for `mode` (0–5) is due: the checkpoint got there, or the operation is over. */
export function reached(p: Progress, mode: number): boolean {
  return p.over || p.checkpoint >= mode;
}

/** Records a problem. The first one wins: later ones are consequences of it. */
export function noteProblem(p: Progress, result: Exclude<Result, 'ok'>): Progress {
  return p.result === 'ok' ? { ...p, result } : p;
}

export type Facts = Partial<Pick<Progress, 'acallid' | 'last_response' | 'dialogid'>>;

/** Adds facts; an empty or missing value never erases one already known. */
export function learn(p: Progress, facts: Facts): Progress {
  const next = { ...p };
  if (facts.acallid) next.acallid = facts.acallid;
  if (facts.dialogid) next.dialogid = facts.dialogid;
  if (facts.last_response) next.last_response = facts.last_response;
  return next;
}

/** The operation is over: checkpoint 5; an `end` step may state the result outright. */
export function finish(p: Progress, result?: Result): Progress {
  const done = record(p, 5);
  return { ...done, over: true, result: result ?? done.result };
}

// --- Status lines -------------------------------------------------------------------------------

export function statusLine(status: number, reason: string): string {
  return `SIP/2.0 ${status} ${reason}`.trimEnd();
}

const STATUS_LINE = /^SIP\/2\.0 ([1-6][0-9]{2})(?: (.*))?$/;

/** Reads a NOTIFY's message/sipfrag body: its first line must be a status line. */
export function parseStatusLine(text: string): { status: number; line: string } | undefined {
  const first = text.split(/\r?\n/, 1)[0]?.trim() ?? '';
  const m = STATUS_LINE.exec(first);
  return m ? { status: Number(m[1]), line: first } : undefined;
}

// --- Answers, one shape per operation (calls-api.md "Answer:" lines) ----------------------------

export interface PostAnswer {
  result: Result;
  ivrcallid: string;
  acallid?: string;
  last_response?: string;
  dialogid?: string;
}

/** INVITE answers as POST does. */
export type InviteAnswer = PostAnswer;

interface NewFields {
  result: Result;
  ivrcallid: string;
  new_acallid?: string;
  new_last_response?: string;
  new_dialogid?: string;
}

export interface ReferAnswer extends NewFields {
  dialogid: string;
}

export interface ReferReplacesAnswer extends NewFields {
  masterdialogid: string;
  slavedialogid: string;
}

export type ReferConfAnswer = ReferAnswer;

export interface SwitchConfAnswer {
  dialogid: string;
  referto: string;
  result: Result;
  confid: string;
  x_ivrcallid: string;
  x_new_acallid?: string;
  x_new_dialogid?: string;
  x_new_last_response?: string;
  y_ivrcallid: string;
  y_new_acallid?: string;
  y_new_dialogid?: string;
  y_new_last_response?: string;
}

/** Copies only the facts that are known, so absent fields stay absent in the JSON. */
function known<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== '')) as T;
}

export function postAnswer(p: Progress): PostAnswer {
  return known({ result: p.result, ivrcallid: p.ivrcallid, acallid: p.acallid, last_response: p.last_response, dialogid: p.dialogid });
}

export const inviteAnswer: (p: Progress) => InviteAnswer = postAnswer;

function newFields(p: Progress): NewFields {
  return { result: p.result, ivrcallid: p.ivrcallid, new_acallid: p.acallid, new_last_response: p.last_response, new_dialogid: p.dialogid };
}

export function referAnswer(p: Progress, op: { dialogid: string }): ReferAnswer {
  return known({ dialogid: op.dialogid, ...newFields(p) });
}

export const referConfAnswer: (p: Progress, op: { dialogid: string }) => ReferConfAnswer = referAnswer;

export function referReplacesAnswer(p: Progress, op: { masterdialogid: string; slavedialogid: string }): ReferReplacesAnswer {
  return known({ masterdialogid: op.masterdialogid, slavedialogid: op.slavedialogid, ...newFields(p) });
}

export function switchConfAnswer(x: Progress, y: Progress, op: { dialogid: string; referto: string; confid: string }): SwitchConfAnswer {
  return known({
    dialogid: op.dialogid,
    referto: op.referto,
    result: combineProgress([x, y]).result,
    confid: op.confid,
    x_ivrcallid: x.ivrcallid,
    x_new_acallid: x.acallid,
    x_new_dialogid: x.dialogid,
    x_new_last_response: x.last_response,
    y_ivrcallid: y.ivrcallid,
    y_new_acallid: y.acallid,
    y_new_dialogid: y.dialogid,
    y_new_last_response: y.last_response,
  });
}

/**
 * One record for an operation that runs several scripts (SWITCHCONF: one per party): a checkpoint
 * counts once every party reached it, it is over when all are, and the first party's problem wins.
 */
export function combineProgress(parts: Progress[]): Progress {
  const first = parts[0];
  if (!first) throw new Error('combineProgress needs at least one record');
  const checkpoint = Math.min(...parts.map((p) => p.checkpoint)) as Checkpoint;
  const over = parts.every((p) => p.over);
  return {
    ...first,
    checkpoint: over ? 5 : checkpoint,
    history: (CHECKPOINT_NAMES.map((n) => CHECKPOINTS[n]) as Checkpoint[]).filter((c) => c <= (over ? 5 : checkpoint)),
    over,
    result: parts.find((p) => p.result !== 'ok')?.result ?? 'ok',
  };
}

// --- The checkpoint machine ---------------------------------------------------------------------

export interface CheckpointMachineInput {
  /** Each party's initial record, e.g. `{ main: … }` or `{ x: …, y: … }` for SWITCHCONF. */
  parties: Record<string, Progress>;
}

export type CheckpointEvent = { type: 'progress'; party: string; progress: Progress };

export interface CheckpointContext {
  parties: Record<string, Progress>;
  combined: Progress;
}

/** Forward jumps from checkpoint `from`: the highest reached wins, so states are never revisited. */
function forwardFrom(from: Checkpoint) {
  return CHECKPOINT_NAMES.filter((n) => CHECKPOINTS[n] > from)
    .reverse()
    .map((n) => ({ guard: { type: 'atLeast' as const, params: { checkpoint: CHECKPOINTS[n] } }, target: n }));
}

/**
 * The operation-level view the workflow's update handler waits on: one state per checkpoint, fed
 * with each script's Progress. Its state value names where the operation is (`targetProvisional`),
 * which is what the inspector and `script draw` show.
 */
export const checkpointMachine = setup({
  types: {
    context: {} as CheckpointContext,
    events: {} as CheckpointEvent,
    input: {} as CheckpointMachineInput,
    output: {} as Progress,
  },
  actions: {
    absorb: assign(({ context, event }) => {
      const before = context.parties[event.party];
      if (!before) return {};
      // A party's record is monotonic by construction; merging keeps it so even if an older
      // snapshot arrives late.
      const merged: Progress =
        event.progress.checkpoint >= before.checkpoint ? event.progress : { ...before, over: before.over || event.progress.over };
      const parties = { ...context.parties, [event.party]: merged };
      return { parties, combined: combineProgress(Object.values(parties)) };
    }),
  },
  guards: {
    atLeast: ({ context }, params: { checkpoint: Checkpoint }) => context.combined.checkpoint >= params.checkpoint,
  },
}).createMachine({
  id: 'checkpoints',
  context: ({ input }) => ({ parties: input.parties, combined: combineProgress(Object.values(input.parties)) }),
  initial: 'accepted',
  on: { progress: { actions: 'absorb' } },
  output: ({ context }) => context.combined,
  states: {
    accepted: { always: forwardFrom(0) },
    serviceProvisional: { always: forwardFrom(1) },
    serviceSettled: { always: forwardFrom(2) },
    targetProvisional: { always: forwardFrom(3) },
    targetSettled: { always: forwardFrom(4) },
    over: { type: 'final' },
  },
});
