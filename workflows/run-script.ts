// What every operation workflow shares: checking its input, running the compiled service script as
// an XState actor inside the workflow, turning SIP signals into machine events, recording the
// checkpoints, answering the `waitForCheckpoint` update and the `progress` query, and ending only
// once every update handler has finished.
//
// The machine is built from the input on every run and never restored from a snapshot
// (docs/scripts.md): on replay the same input, the same signals in the same order and the recorded
// activity results rebuild the same machine. Its `after` delays are durable timers, because the
// workflow sandbox replaces setTimeout/clearTimeout with Temporal timers.
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { createActor } from 'xstate';
import { z } from 'zod';
import type * as activities from '../activities/sip-activities.ts';
import {
  bindInput,
  createServiceScriptMachine,
  finish,
  noteProblem,
  reached,
  type Checkpoint,
  type CompiledScript,
  type ParamValue,
  type Progress,
  type ServiceScriptImpl,
  type ServiceScriptMachine,
  type ServiceScriptSnapshot,
} from '../machines/index.ts';
import { sipTaskQueue } from '../temporal/task-queues.ts';
import { COLLECT_MS, collectFor, type CollectArgs } from './collect-window.ts';
import { SipEventStream } from './event-stream.ts';
import { CALL_DIALOG_ID, CALL_OPERATION, CALL_USER } from './search-attributes.ts';
import {
  parseSipEvent,
  progressQuery,
  SIP_EVENT_TYPES,
  sipSignals,
  UPDATE_REJECTIONS,
  waitForCheckpoint,
  type LegProgress,
  type OperationAnswer,
  type OperationProgress,
  type OrderedSipEvent,
  type SipEvent,
  type SipEventsResult,
  type SipEventType,
} from './signals.ts';

export type OperationKind = 'POST' | 'INVITE' | 'REFER';

/** What the Node side (operations/temporal-operations.ts) starts every operation workflow with. */
export interface OperationInput {
  /** The SIP node whose queue runs the SIP activities (3 digits). */
  node: string;
  /** `<login>@<domain>` of the authorized user: the CallUser search attribute. */
  user: string;
  /** The domain the service calls run in. */
  domain: string;
  /** The built-in script, loaded and compiled Node-side (service-scripts/load.ts). */
  script: CompiledScript;
  /** The script's parameters; bound against its declarations before anything starts. */
  params: Record<string, ParamValue>;
  /** Labels for the new dialog(s): the request's `binding`, and the old dialog's labels. */
  bindings?: string[];
  /** Hash of the request, compared when a retry joins under the same Idempotency-Key. */
  fingerprint?: string;
  /** The response_mode of the request that starts the run. With local SIP activities an answer
   * waits for the workflow task, so the first ones must not collect past it (`collectFor`). */
  answerAt?: number;
  /** Run the SIP activities as local activities: set by whoever starts the run on the node's own
   * queue (TemporalOperations does), whose worker owns the SIP socket. Part of the input, not read
   * from the worker's queue, so a replay takes the same path wherever it runs. */
  sipLocal?: boolean;
  /** placeCall and sendRefer return the SIP events they waited for: set by TemporalOperations on
   * every run it starts. Runs without it (older ones, or started by hand) decide by the patch
   * COLLECT_PATCH, which costs every run a marker and a search-attribute upsert in its history. */
  collectEvents?: boolean;
  /** A hangup that a SIP event caused runs as a local activity (local runs only): set by
   * TemporalOperations. Its effects come back numbered after their cause, so the event stream keeps
   * them in order even in a retried workflow task; a hangup a timer caused stays queued (signals
   * are delivered before timers in a task). Runs without it queue every hangup. */
  localHangup?: boolean;
  /** Local runs hold a signal numbered past a gap even with no activity out, for the result a
   * retried workflow task will return after it (workflows/event-stream.ts): set by
   * TemporalOperations. Runs without it pass such a signal at once, as they always did. */
  holdGaps?: boolean;
}

// The schemas stay module-private: the workflow modules are preloaded once per isolate and the SDK
// freezes their exports, while zod binds methods onto a schema lazily (server/workers.ts).
const dialogIdSchema = z.string().regex(/^rDlg-[0-9]{3}-[A-Za-z0-9]{6}$/, 'must be a dialog id, rDlg-<node>-<6 letters or digits>');

const operationInputSchema = z.object({
  node: z.string().regex(/^[0-9]{3}$/, 'must be 3 digits'),
  user: z.string().min(1).max(320),
  domain: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name'),
  // Its structure is the compiler's; createServiceScriptMachine checks format and machine id.
  script: z.looseObject({ format: z.literal(1), name: z.string(), legs: z.record(z.string(), z.unknown()), machine: z.looseObject({ id: z.string() }) }),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  bindings: z.array(z.string().min(1).max(128)).max(32).optional(),
  fingerprint: z.string().min(1).max(128).optional(),
  answerAt: z.number().int().min(0).max(5).optional(),
  sipLocal: z.boolean().optional(),
  collectEvents: z.boolean().optional(),
  localHangup: z.boolean().optional(),
  holdGaps: z.boolean().optional(),
});

const referInputSchema = operationInputSchema.extend({ dialogid: dialogIdSchema });

/** Parses the raw input; a bad one fails the run at once, never retried (a bug in the caller). */
function parseWith<S extends z.ZodType>(schema: S, raw: unknown, script: string): z.output<S> & { script: CompiledScript } {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
    throw ApplicationFailure.nonRetryable(`invalid operation input: ${issues}`, 'InvalidInput');
  }
  const input = r.data as z.output<S> & { script: CompiledScript };
  if (input.script.name !== script) {
    throw ApplicationFailure.nonRetryable(`invalid operation input: script must be "${script}", got "${input.script.name}"`, 'InvalidInput');
  }
  return input;
}

/** POST's and INVITE's input, run by the built-in script `script`. */
export function parseOperationInput(raw: unknown, script: string): OperationInput {
  return parseWith(operationInputSchema, raw, script);
}

/** REFER's input: an operation input plus the dialog it transfers. */
export function parseReferInput(raw: unknown): OperationInput & { dialogid: string } {
  return parseWith(referInputSchema, raw, 'refer');
}

// --- Activities -----------------------------------------------------------------------------------

type SipActivities = ReturnType<typeof activities.createSipActivities>;

/** Per activity: how long it may wait for the node and run, and whether it is ever retried. */
export const ACTIVITY_OPTIONS = {
  /** placeCall, sendRefer, sendDtmf, joinLegs: sent once, never retried (a second INVITE or REFER
   * would be a second call or transfer). A node that does not pick the task up within 5 s fails it
   * unsent: the script takes its failure route rather than ringing someone late. */
  once: {
    scheduleToStartTimeout: '5 seconds',
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 1 },
  },
  /** hangup: idempotent by Call-ID (the node skips calls already ending), so retried with backoff
   * for up to two minutes: a call left up is worse than a second BYE. */
  release: {
    startToCloseTimeout: '10 seconds',
    scheduleToCloseTimeout: '2 minutes',
    retry: { maximumAttempts: 6, initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds' },
  },
} as const;

/** The same as local activities: run by the node's worker inside the workflow task, when the
 * workflow runs on the node's own queue. No schedule-to-start wait: the worker is the node. */
export const LOCAL_ACTIVITY_OPTIONS = {
  once: { startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 1 } },
  /** hangup caused by a SIP event: retried as the queued one is (it only sends, so it is quick). */
  release: {
    startToCloseTimeout: '10 seconds',
    scheduleToCloseTimeout: '2 minutes',
    retry: ACTIVITY_OPTIONS.release.retry,
  },
} as const;

export { COLLECT_MS } from './collect-window.ts';
/** The patch that turned collection on: runs started before it replay without it. */
export const COLLECT_PATCH = 'sip-events-in-activity-results';

/** Where the activities' collected events go: the workflow's ordered event stream. */
interface Collected {
  begin(): void;
  end(result: SipEventsResult | undefined): void;
}

/** How the SIP activities run: local when the workflow runs on the node's own queue. */
interface SipMode {
  local: boolean;
  /** Hangups caused by a SIP event run locally (input.localHangup on a local run). */
  localHangup: boolean;
  /** True while a SIP event is being delivered to the machine (what it starts, that event caused). */
  inSipEvent(): boolean;
  /** The lowest checkpoint an answer still waits for (local mode), and the one reached. */
  due(): number | undefined;
  known(): number;
}

function sipImpl(input: OperationInput, collected: Collected | undefined, mode: SipMode): ServiceScriptImpl {
  const taskQueue = sipTaskQueue(input.node);
  const queued = proxyActivities<SipActivities>({ taskQueue, ...ACTIVITY_OPTIONS.once });
  const once = mode.local ? proxyLocalActivities<SipActivities>(LOCAL_ACTIVITY_OPTIONS.once) : queued;
  // A hangup caused by a timer, a cancel or an activity's completion stays a queued activity (on the
  // node's own queue when local: eager dispatch). Its effect (the 487, the BYE's answer) comes back
  // as a signal: run inside the workflow task, that signal could land beside the timer in a retried
  // task, where signals are delivered first, and the machine would see the effect before its cause.
  const release = proxyActivities<SipActivities>({ taskQueue, ...ACTIVITY_OPTIONS.release });
  // One that a SIP event caused may run in the task (localHangup): its effects are numbered after
  // that event, and the event stream delivers them after it whatever the task's job order.
  const localRelease = mode.localHangup ? proxyLocalActivities<SipActivities>(LOCAL_ACTIVITY_OPTIONS.release) : release;
  // Local runs say when the operation began: a node restarted since then refuses to send (it lost
  // the operation's calls, and a re-run local activity must not send twice).
  const started = mode.local ? { opStartedAt: workflowInfo().runStartTime.getTime() } : {};
  // A local run that answers at checkpoint 0 places its first call as a queued activity on the same
  // (its own) queue: the first workflow task then completes, and the answer goes out, at once,
  // instead of after a local activity; the SDK hands the task straight back to this worker (eager
  // dispatch). Decided from the input, so a replay takes the same path.
  let queuedFirstCall = mode.local && input.answerAt === 0;
  const { domain } = input;
  const bindings = input.bindings ?? [];
  /** Runs a sending activity that may return events; they reach the machine before its done event
   * (the machine takes SIP events at the step, in any of its sub-states). */
  const collecting = async (kind: 'call' | 'refer', run: (extra: CollectArgs) => Promise<SipEventsResult | undefined>): Promise<void> => {
    if (!collected) {
      await run({});
      return;
    }
    const args = mode.local ? collectFor(kind, mode.due(), mode.known()) : { collectMs: COLLECT_MS };
    collected.begin();
    let result: SipEventsResult | undefined;
    try {
      result = await run(args);
    } finally {
      collected.end(result);
    }
  };
  // The actors' abort signals are not passed on: an aborted actor's result is simply no longer
  // needed, and a request already sent stays sent (the script hangs calls up with `hangup`).
  return {
    placeCall: (i) => {
      const callerid = i.callerid ?? '';
      const viaQueue = queuedFirstCall;
      queuedFirstCall = false;
      return collecting('call', (extra) => (viaQueue ? queued : once).placeCall({
        ...(viaQueue ? { collectMs: COLLECT_MS } : extra),
        ...(viaQueue ? {} : started),
        callid: i.callid,
        to: i.to,
        domain,
        from: `sip:${callerid || 'anonymous'}@${domain}`,
        callerid,
        callername: i.callername ?? '',
        timeoutSec: Math.max(1, Math.ceil(i.timeoutMs / 1000)),
        headers: i.headers,
        bindings,
        ...(i.replaces ? { replaces: i.replaces } : {}),
        ...(i.referredBy ? { referredBy: i.referredBy } : {}),
        ...(i.sdpFrom ? { sdpFrom: i.sdpFrom } : {}),
      }));
    },
    sendRefer: (i) => collecting('refer', (extra) => once.sendRefer({ ...extra, ...started, callid: i.callid, referTo: i.target, ...(i.replaces ? { replaces: i.replaces } : {}) })),
    sendDtmf: (i) => once.sendDtmf({ ...started, target: i.target, digits: i.digits, proto: i.proto }),
    hangup: (i) => (mode.inSipEvent() ? localRelease : release).hangup({ callids: i.callids }),
    joinLegs: (i) => once.joinLegs({ ...started, callids: i.callids, bindings }),
  };
}

/** A service call's Call-ID: `rIV-<node>-<27 chars>`, from workflow randomness (replay-safe). */
export function makeServiceCallid(node: string): string {
  return `rIV-${node}-${uuid4().replace(/-/g, '').slice(0, 27)}`;
}

// --- The run --------------------------------------------------------------------------------------

/** A guard far beyond any script's own timers (calltimeout ≤ 600 s, finalTimeout 120 s, …). */
export const MAX_RUN = '1 hour';
/** How long a local activity's result may wait for the signals that fill its `seq` gap. */
const RESULT_GAP_WAIT = '2 seconds';
/** After a cancel, how long the script gets to hang up what is live. */
const STOP_GRACE = '3 minutes';

export interface RunSpec<A extends OperationAnswer> {
  kind: OperationKind;
  input: OperationInput;
  /** The dialog the operation is about, known up front (REFER): CallDialogId from the start. */
  dialogid?: string;
  /** Builds the operation's answer (spec fields) from the script's record. */
  answer(progress: Progress): A;
}

function stateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => {
        const rest = stateText(v);
        return rest ? `${k}.${rest}` : k;
      })
      .join(',');
  }
  return '';
}

/** Runs one service script to its end and returns the final answer. */
export async function runOperation<A extends OperationAnswer>(spec: RunSpec<A>): Promise<A> {
  const { kind, input } = spec;
  const { script } = input;

  // 1. Call-IDs first, so checkpoint 0 already carries ivrcallid; then bind the input to the script.
  const callids: Record<string, string> = {};
  for (const leg of Object.keys(script.legs)) callids[leg] = makeServiceCallid(input.node);
  const bound = bindInput(script, { params: input.params, callids });
  if (!bound.ok) {
    const issues = bound.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw ApplicationFailure.nonRetryable(`invalid input for script "${script.name}": ${issues}`, 'InvalidInput');
  }
  // Started on the node's own queue, the SIP activities are local (docs/operations.md, "Where an
  // operation runs"); runs on the shared queue, and every run recorded before, call the node's queue.
  const local = input.sipLocal === true;
  // Local SIP activities anywhere but on the node's worker would send from a process without the
  // calls. Checked when the run first executes (a replay may run on any queue; it passed then).
  if (local && !workflowInfo().unsafe.isReplaying && workflowInfo().taskQueue !== sipTaskQueue(input.node)) {
    throw ApplicationFailure.nonRetryable(`invalid operation input: sipLocal needs the run on ${sipTaskQueue(input.node)}, not ${workflowInfo().taskQueue}`, 'InvalidInput');
  }
  // The SIP events' way into the machine: signals, and what placeCall/sendRefer return (event-stream.ts).
  // Local runs hold a signal past a gap even with nothing out: in a retried task the result that
  // fills it comes after the signals (event-stream.ts).
  const stream = new SipEventStream((event) => take(event), { holdGaps: local && input.holdGaps === true });
  /** A local activity's result held for signals sent before it (they come with the next workflow
   * task), or a signal held for a result (a retried task), must not wait for ever if what fills the
   * gap was lost. */
  let flushing = false;
  const flushLater = (): void => {
    if (flushing) return;
    flushing = true;
    machineScope
      .run(async () => {
        await sleep(RESULT_GAP_WAIT);
        flushing = false;
        if (stream.holdingResult || stream.holdingForGap) stream.flush();
      })
      .catch((err: unknown) => log.error('releasing held SIP events failed', { error: String(err) }));
  };
  // New runs let placeCall/sendRefer return the SIP events they waited for: said by the input
  // (collectEvents), else by the patch (COLLECT_PATCH); runs recorded before replay as they ran,
  // every event a signal. The input decides first, so those runs record no patch marker.
  const collected: Collected | undefined = input.collectEvents === true || patched(COLLECT_PATCH)
    ? {
        begin: () => stream.begin(),
        end: (result) => {
          const events: OrderedSipEvent[] = [];
          for (const raw of result?.events ?? []) {
            const event = parseSipEvent(raw);
            if (event) events.push(event);
            else dropMalformed('activity result', raw);
          }
          stream.end(events);
          // A result held for earlier signals, or (holdGaps) signals still held after an activity
          // that returned nothing: neither may wait for ever.
          if (local && (stream.holdingResult || stream.holdingForGap)) flushLater();
        },
      }
    : undefined;
  /** The checkpoints the waiting updates want; the starting request's until an update arrives. */
  const waiting: number[] = [];
  let updatesSeen = 0;
  /** Depth of SIP event deliveries in progress (an event's actions may take the next one). */
  let delivering = 0;
  const sipMode: SipMode = {
    local,
    localHangup: local && input.localHangup === true,
    inSipEvent: () => delivering > 0,
    due: () => {
      const modes = updatesSeen === 0 && input.answerAt !== undefined ? [...waiting, input.answerAt] : waiting;
      return modes.length ? Math.min(...modes) : undefined;
    },
    known: () => state.progress?.checkpoint ?? 0,
  };
  let machine: ServiceScriptMachine;
  try {
    machine = createServiceScriptMachine(script, sipImpl(input, collected, sipMode));
  } catch (err) {
    throw ApplicationFailure.nonRetryable(`unusable compiled script "${script.name}": ${(err as Error).message}`, 'InvalidInput');
  }

  // 2. Search attributes the client did not already set at start (it does; a plain start may not).
  const known = workflowInfo().typedSearchAttributes;
  const wanted: SearchAttributeUpdatePair[] = [];
  if (known.get(CALL_OPERATION) !== kind) wanted.push({ key: CALL_OPERATION, value: kind });
  if (known.get(CALL_USER) !== input.user) wanted.push({ key: CALL_USER, value: input.user });
  let dialogAttribute = known.get(CALL_DIALOG_ID);
  if (spec.dialogid && dialogAttribute !== spec.dialogid) {
    wanted.push({ key: CALL_DIALOG_ID, value: spec.dialogid });
    dialogAttribute = spec.dialogid;
  }
  if (wanted.length) upsertSearchAttributes(wanted);

  // 3. The machine, in a scope that workflow cancellation does not reach: its activities and timers
  // must survive a cancel request, which becomes the machine's own `cancel` event instead.
  const machineScope = new CancellationScope({ cancellable: false });
  const inMachineScope = (fn: () => void): void => {
    // An activity's result is handled in the scope that scheduled it, this one: no new scope there
    // (each costs the SDK a few promises, and each promise a stack trace).
    if (CancellationScope.current() === machineScope) {
      try {
        fn();
      } catch (err) {
        log.error('service script step failed', { error: String(err) });
      }
      return;
    }
    machineScope
      .run(async () => {
        fn();
      })
      .catch((err: unknown) => log.error('service script step failed', { error: String(err) }));
  };

  const actor = createActor(machine, { input: bound.value });
  const state = {
    progress: undefined as Progress | undefined,
    checkpoints: [] as Array<{ checkpoint: Checkpoint; at: number }>,
    step: '',
    value: '',
    legs: {} as Record<string, LegProgress>,
    finished: false,
    stopped: undefined as string | undefined,
    received: 0,
    dropped: 0,
  };
  const current = (): Progress => {
    if (!state.progress) throw new Error('the service script has not started');
    return state.progress;
  };

  /** One SIP event into the machine, from a signal or an activity's result, in stream order. */
  const take = (event: SipEvent): void => {
    state.received++;
    // After the end a late NOTIFY changes nothing: the answer is given.
    if (state.finished) return;
    delivering++;
    try {
      inMachineScope(() => actor.send(event));
    } finally {
      delivering--;
    }
  };
  const dropMalformed = (from: string, payload: unknown): void => {
    state.dropped++;
    log.warn('malformed SIP signal dropped', { signal: from, payload: String(JSON.stringify(payload)).slice(0, 300) });
  };

  /** Checkpoints only move forward: a record behind the one held is ignored. */
  const absorb = (next: Progress): void => {
    const before = state.progress;
    if (before && next.checkpoint < before.checkpoint) return;
    state.progress = next;
    for (const cp of next.history.slice(state.checkpoints.length)) state.checkpoints.push({ checkpoint: cp, at: Date.now() });
    if (next.dialogid && !spec.dialogid && dialogAttribute !== next.dialogid) {
      // POST/INVITE: the new dialog is known once the node reports it; ops search by it.
      dialogAttribute = next.dialogid;
      upsertSearchAttributes([{ key: CALL_DIALOG_ID, value: next.dialogid }]);
    }
  };

  const onSnapshot = (s: ServiceScriptSnapshot): void => {
    const { context } = s;
    const status: string = s.status;
    state.step = context.step;
    state.value = stateText(s.value);
    state.legs = Object.fromEntries(
      Object.entries(context.legs).map(([leg, l]) => [
        leg,
        { callid: l.callid, status: l.status, ...(l.lastResponse ? { lastResponse: l.lastResponse } : {}) },
      ]),
    );
    if (status === 'done') {
      absorb(s.output ?? finish(context.progress));
      state.finished = true;
    } else if (status === 'error') {
      state.stopped ??= `the service script failed: ${String((s as { error?: unknown }).error)}`;
      absorb(finish(noteProblem(context.progress, 'error')));
      state.finished = true;
    } else {
      absorb(context.progress);
    }
    const p = current();
    setCurrentDetails(`**${kind}** step \`${state.step}\` · checkpoint ${p.checkpoint} · result \`${p.result}\`${state.finished ? ' · over' : ''}`);
  };
  actor.subscribe({ next: onSnapshot, error: () => onSnapshot(actor.getSnapshot()) });
  inMachineScope(() => actor.start());
  onSnapshot(actor.getSnapshot());

  // 4. Handlers, after the machine started: buffered updates and signals are delivered at once.
  const answer = (): A => spec.answer(current());

  setHandler(
    waitForCheckpoint,
    async (mode: number, _fingerprint?: string) => {
      updatesSeen++;
      waiting.push(mode);
      try {
        // Never cut short by a cancel request: the operation still ends, and the answer says how.
        await CancellationScope.nonCancellable(() => condition(() => state.finished || reached(current(), mode)));
      } finally {
        waiting.splice(waiting.indexOf(mode), 1);
      }
      return answer();
    },
    {
      validator: (mode: number, fingerprint?: string) => {
        if (!Number.isInteger(mode) || mode < 0 || mode > 5) {
          throw ApplicationFailure.nonRetryable(`response_mode must be an integer 0 to 5, got ${String(mode)}`, UPDATE_REJECTIONS.badMode);
        }
        if (fingerprint !== undefined && input.fingerprint !== undefined && fingerprint !== input.fingerprint) {
          throw ApplicationFailure.nonRetryable('Idempotency-Key was already used for a different request', UPDATE_REJECTIONS.fingerprint);
        }
      },
    },
  );

  setHandler(progressQuery, (): OperationProgress => ({
    operation: kind,
    step: state.step,
    state: state.value,
    progress: current(),
    answer: answer(),
    checkpoints: state.checkpoints,
    legs: state.legs,
    signals: { received: state.received, dropped: state.dropped },
    finished: state.finished,
    ...(state.stopped ? { stopped: state.stopped } : {}),
  }));

  const onSignal = (type: SipEventType, payload: unknown): void => {
    const event = parseSipEvent(payload);
    if (!event || event.type !== type) {
      dropMalformed(type, payload);
      return;
    }
    stream.signal(event);
    // A gap that no result fills in this task (a lost signal): let it go after RESULT_GAP_WAIT.
    if (stream.holdingForGap) flushLater();
  };
  for (const type of SIP_EVENT_TYPES) setHandler(sipSignals[type], (payload: unknown) => onSignal(type, payload));

  // 5. Wait for the script's end. A cancel request (ops staff, or the API giving up on a worker
  // that never picked the operation up) becomes the script's `cancel`: live calls are hung up.
  const stop = async (reason: string): Promise<void> => {
    state.stopped ??= reason;
    inMachineScope(() => actor.send({ type: 'cancel', reason }));
    const ended = await CancellationScope.nonCancellable(() => condition(() => state.finished, STOP_GRACE));
    if (!ended) {
      // The hangup could not complete: record the failure and stop waiting.
      inMachineScope(() => actor.stop());
      absorb(finish(noteProblem(current(), 'error')));
      state.finished = true;
    }
  };
  try {
    if (!(await condition(() => state.finished, MAX_RUN))) await stop(`the run took longer than ${MAX_RUN}`);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await stop('cancelled');
  }

  // 6. Every waiting update has its answer before the run ends.
  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  return answer();
}
