// The SIP activities of the operations: what a service script's actors ask the SIP node to do.
// They run in the process that owns the SIP socket, and each returns as soon as its request has been
// SENT. Outcomes (1xx, 2xx, failures, BYE, the REFER's answer, NOTIFYs) come back later as signals to
// the workflow, through operations/sip-event-router.ts: the node calls `router.deliver(callid, event)`.
// placeCall and sendRefer may first wait up to `collectMs` for their request's outcome (or, with
// `settle: 'first'`, its first event) and return the events of that time instead (the router's
// `collect`): a device that answers at once costs no signal.
//
// The node behind them is `ServiceCallPort`: the B2BUA's ServiceCalls (b2bua/service-calls.ts),
// given to the node's worker by server/start.ts. Tests of the workflows use the fake SIP peer of
// test/operations/fake-sip.ts.
//
// Retries: a SIP request sent twice is a second INVITE or REFER, so the sending activities run
// once (`maximumAttempts: 1`, docs/operations.md); only `hangup`, idempotent by Call-ID, is retried.
// Workflows on the node's own queue call them as LOCAL activities, and Temporal runs a local
// activity again, without asking, when the workflow task that ran it is retried. So for local runs
// the sending activities are idempotent by (run, activity): a re-run gets the first run's outcome
// and sends nothing (once-guard.ts; past the outcome's time it fails `AlreadyAttempted`), and an
// operation that began before this node did fails `NodeRestarted` (its calls were lost with the
// process, and what the first run sent is unknown). Ordinary (queued) activities are not guarded:
// the server itself never hands them out twice with maximumAttempts 1.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { DtmfTarget } from '../machines/index.ts';
import type { OrderedSipEvent, SipEvent, SipEventsResult } from '../workflows/signals.ts';
import { OnceGuard } from './once-guard.ts';

/** Who asked: the operation's workflow, for the node's logs and its call events. */
export interface SipRequestContext {
  workflowId: string;
  activityId: string;
  attempt: number;
}

export interface PlaceCallRequest {
  /** Made by the workflow (`rIV-<node>-<27 chars>`); the key of everything about this call. */
  callid: string;
  /** What to dial: a number or login of `domain`, a feature-code dial string, or a SIP URI. */
  to: string;
  /** The domain the call runs in: resolves `to`, and the From/Request-URI hosts. */
  domain: string;
  /** The From URI: `sip:<callerid>@<domain>`. */
  from: string;
  /** From's user part, shown to the device. */
  callerid: string;
  /** From's display name. */
  callername: string;
  /** How long the script lets it ring (its own durable timer governs; this lets the node show
   * `expirets` and back it up). */
  timeoutSec: number;
  /** Extra headers (Call-Info, Alert-Info for intercom); never empty values. */
  headers: Record<string, string>;
  /** Call-ID of the leg this call replaces: `Replaces:` built from that leg's dialog. */
  replaces?: string;
  /** Referred-By URI. */
  referredBy?: string;
  /** Call-ID of an answered leg whose session this call offers (RFC 3725 third-party call control). */
  sdpFrom?: string;
  /** Labels for the dialogs this call ends up in (the operation's `binding`, SETUP_BINDINGS's labels). */
  bindings: string[];
}

/** What the workflow may add to placeCall and sendRefer: wait up to this long after sending and
 * return the operation's SIP events of that time (SipEventsResult) instead of signalling them. */
export interface Collect {
  collectMs?: number;
  /** When the wait ends early: 'final' (default) at the request's outcome, 'first' at the first
   * event about its Call-ID (a 180, the REFER's 202), for a workflow whose answer needs no more. */
  settle?: 'final' | 'first';
}

/** What the workflow adds to the sending activities it runs as local activities (stripped before
 * the request reaches the ServiceCallPort). */
export interface OperationStart {
  /** The workflow run's start, ms since the epoch (`workflowInfo().runStartTime`). */
  opStartedAt?: number;
}

export interface SendReferRequest {
  /** The service call whose device is REFERred. */
  callid: string;
  /** The number (or URI) of Refer-To; the node makes it a URI of the call's domain. */
  referTo: string;
  /** Call-ID of the leg the referred call replaces: Refer-To carries `?Replaces=`. */
  replaces?: string;
}

export interface SendDtmfRequest {
  target: DtmfTarget;
  /** `0-9 * # A-D` only: pauses are the script's own timers, never sent here. */
  digits: string;
  proto: 'rfc2833' | 'sipinfo';
}

export interface HangupRequest {
  /** CANCEL those still ringing, BYE those answered; unknown or finished calls are skipped. */
  callids: string[];
}

export interface JoinLegsRequest {
  /** Two answered service calls, bridged into one dialog: the first becomes its `a` leg. */
  callids: [string, string];
  bindings: string[];
}

export interface JoinLegsResult {
  dialogid: string;
  acallid: string;
}

/**
 * What the SIP node offers the operations. Every method resolves once its request is handed to the
 * transaction layer (sent), never waits for the far end, and throws only when it could not send
 * (unknown call, no route, transport down). Outcomes go to SipEventRouter.deliver.
 *
 * Idempotency the node must give (the activities rely on it):
 * - placeCall: by `callid`. A second placeCall of a Call-ID the node already knows sends nothing and
 *   resolves (defence in depth: the activity is never retried).
 * - hangup: by Call-ID. Releasing a call that is already ending, ended or unknown is a no-op.
 * - sendRefer, sendDtmf, joinLegs: not idempotent; never retried.
 */
export interface ServiceCallPort {
  placeCall(request: PlaceCallRequest, ctx: SipRequestContext): Promise<void>;
  sendRefer(request: SendReferRequest, ctx: SipRequestContext): Promise<void>;
  sendDtmf(request: SendDtmfRequest, ctx: SipRequestContext): Promise<void>;
  hangup(request: HangupRequest, ctx: SipRequestContext): Promise<void>;
  joinLegs(request: JoinLegsRequest, ctx: SipRequestContext): Promise<JoinLegsResult>;
}

/** The SIP events of one workflow, taken by an activity instead of being signalled one by one. */
export interface SipEventCollector {
  /** Resolves with the events taken so far, in order, once one of them passes `done` or after
   * `maxMs`, whichever comes first; only after every signal already under way to the workflow has
   * been sent (so none of those can land behind the result). Later events are signalled again. */
  wait(done: (event: SipEvent) => boolean, maxMs: number): Promise<OrderedSipEvent[]>;
  /** Stops collecting: what was taken goes out as signals, in order (the activity failed). */
  abandon(): void;
}

/** Where the node's SIP events must go: SipEventRouter implements this (callid → workflow id). */
export interface SipCallRoutes {
  /** From now on, events about `callid` go to `workflowId`. */
  register(callid: string, workflowId: string): void;
  /** The call is over for the operation: forget it (after a grace period for late NOTIFYs). */
  release(callid: string): void;
  /** Starts taking `workflowId`'s events for an activity; `undefined` when another activity of
   * that workflow already does (or the routes cannot). */
  collect?(workflowId: string): SipEventCollector | undefined;
}

/** The longest a sending activity waits for its request's outcome (the workflow asks less). */
export const MAX_COLLECT_MS = 2000;

/** The answer or final failure of our INVITE (or its end): nothing more to wait for. */
function callSettled(callid: string): (e: SipEvent) => boolean {
  return (e) => e.callid === callid && (e.type === 'sip.answered' || e.type === 'sip.failed' || e.type === 'sip.bye');
}

/** The REFER refused, its subscription over, or a NOTIFY with a final status line (RFC 3515 §2.4.5:
 * the sipfrag's status line reports the referred request's outcome). */
function referSettled(callid: string): (e: SipEvent) => boolean {
  return (e) => {
    if (e.callid !== callid) return false;
    if (e.type === 'refer.rejected' || e.type === 'notify.none') return true;
    if (e.type !== 'notify.sipfrag') return false;
    const m = /^SIP\/2\.0 ([1-6][0-9][0-9])/.exec(e.sipfrag);
    return m !== null && Number(m[1]) >= 200;
  };
}

export interface SipActivityDeps {
  sip: ServiceCallPort;
  routes: SipCallRoutes;
  /** For the once-guard's expiry and the default of `bootedAt`; the system clock by default. */
  clock?: Clock;
  /** When this node started, ms since the epoch: local runs of operations begun earlier are
   * refused (`NodeRestarted`). Default: when the activities were created. */
  bootedAt?: number;
}

/** What ends a collecting wait: the first event about the Call-ID, or the request's outcome. */
function settleOn(settle: Collect['settle'], callid: string, final: (callid: string) => (e: SipEvent) => boolean): (e: SipEvent) => boolean {
  if (settle === undefined || settle === 'final') return final(callid);
  if (settle === 'first') return (e) => e.callid === callid;
  throw ApplicationFailure.nonRetryable(`unknown settle ${JSON.stringify(settle)}: 'final' or 'first'`, 'InvalidInput');
}

function requestContext(): SipRequestContext {
  const info = Context.current().info;
  const workflowId = info.workflowExecution?.workflowId;
  // Only workflows run these; a standalone activity would have no one to signal.
  if (!workflowId) throw ApplicationFailure.nonRetryable('SIP activities run only on behalf of an operation workflow', 'NoWorkflow');
  return { workflowId, activityId: info.activityId, attempt: info.attempt };
}

export function createSipActivities(deps: SipActivityDeps) {
  const { sip, routes } = deps;
  const clock = deps.clock ?? systemClock;
  const bootedAt = deps.bootedAt ?? clock.now();
  const guard = new OnceGuard({ clock });

  /** Runs a sending activity that must run once. Queued: as is. Local: a re-run of the same (run,
   * activity), from a retried workflow task, gets the first run's outcome and sends nothing; one
   * whose outcome is no longer kept, or for an operation older than this node, fails unsent. */
  const once = async <T>(opStartedAt: number | undefined, send: (ctx: SipRequestContext) => Promise<T>): Promise<T> => {
    const ctx = requestContext();
    const info = Context.current().info;
    // Queued activities keep today's rules: the server hands each out once (maximumAttempts 1).
    if (!info.isLocal) return send(ctx);
    if (opStartedAt !== undefined) {
      if (typeof opStartedAt !== 'number' || !Number.isFinite(opStartedAt)) {
        throw ApplicationFailure.nonRetryable(`opStartedAt must be ms since the epoch, got ${JSON.stringify(opStartedAt)}`, 'InvalidInput');
      }
      // The node restarted since the operation began: its calls died with the old process, and
      // whether a first run of this activity sent anything is unknown. Send nothing.
      if (opStartedAt < bootedAt) {
        throw ApplicationFailure.nonRetryable(`the SIP node restarted (at ${bootedAt}) after the operation began (at ${opStartedAt})`, 'NodeRestarted');
      }
    }
    // A retried workflow task runs its unrecorded local activities again, with the same id.
    const key = `${info.workflowExecution?.runId ?? ''}:${info.activityId}`;
    const outcome = guard.runOnce(key, () => send(ctx));
    if (!outcome) {
      throw ApplicationFailure.nonRetryable(`local activity ${info.activityType} ${key} already ran on this node and its outcome is no longer kept: not sent again`, 'AlreadyAttempted');
    }
    return outcome;
  };

  return {
    /** INVITE. Routes the Call-ID to the calling workflow BEFORE sending, so no early response is
     * lost. Runs once (maximumAttempts 1). */
    async placeCall(request: PlaceCallRequest & Collect & OperationStart): Promise<SipEventsResult | undefined> {
      const { collectMs, settle, opStartedAt, ...call } = request;
      const done = settleOn(settle, call.callid, callSettled);
      return once(opStartedAt, async (ctx) => {
        routes.register(call.callid, ctx.workflowId);
        const collector = collectMs ? routes.collect?.(ctx.workflowId) : undefined;
        try {
          await sip.placeCall(call, ctx);
        } catch (err) {
          // Nothing was sent: no event will come.
          collector?.abandon();
          routes.release(call.callid);
          throw err;
        }
        return collector && { events: await collector.wait(done, Math.min(collectMs ?? 0, MAX_COLLECT_MS)) };
      });
    },

    /** REFER on the service call's dialog; 202/refusal and the NOTIFYs come as signals, or in the
     * result when the workflow asks (collectMs). Runs once. */
    async sendRefer(request: SendReferRequest & Collect & OperationStart): Promise<SipEventsResult | undefined> {
      const { collectMs, settle, opStartedAt, ...refer } = request;
      const done = settleOn(settle, refer.callid, referSettled);
      return once(opStartedAt, async (ctx) => {
        const collector = collectMs ? routes.collect?.(ctx.workflowId) : undefined;
        try {
          await sip.sendRefer(refer, ctx);
        } catch (err) {
          collector?.abandon();
          throw err;
        }
        return collector && { events: await collector.wait(done, Math.min(collectMs ?? 0, MAX_COLLECT_MS)) };
      });
    },

    /** DTMF (RFC 4733 or INFO): best effort, runs once; a failure makes the script drop the rest. */
    async sendDtmf(request: SendDtmfRequest & OperationStart): Promise<void> {
      const { opStartedAt, ...dtmf } = request;
      await once(opStartedAt, (ctx) => sip.sendDtmf(dtmf, ctx));
    },

    /** CANCEL/BYE. Idempotent by Call-ID, so retried: a call left up is worse than a second try.
     * Never guarded: a re-run, or one after a restart, just finds the calls gone. */
    async hangup(request: HangupRequest): Promise<void> {
      await sip.hangup(request, requestContext());
      for (const callid of request.callids) routes.release(callid);
    },

    /** Bridges two answered calls (Y offered X's media) into one stored dialog. Runs once: a half-done join is not
     * safely redone blind; on failure the script hangs both up. */
    async joinLegs(request: JoinLegsRequest & OperationStart): Promise<JoinLegsResult> {
      const { opStartedAt, ...join } = request;
      return once(opStartedAt, async (ctx) => {
        const joined = await sip.joinLegs(join, ctx);
        // The legs now belong to the new dialog, not to the operation.
        for (const callid of join.callids) routes.release(callid);
        return joined;
      });
    },
  };
}

export type SipActivities = ReturnType<typeof createSipActivities>;
