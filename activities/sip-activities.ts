// The SIP activities of the operations: what a service script's actors ask the SIP node to do.
// They run on the node's own task queue (sipTaskQueue(node)), in the process that owns the SIP
// socket, and each returns as soon as its request has been SENT. Outcomes (1xx, 2xx, failures, BYE,
// the REFER's answer, NOTIFYs) come back later as signals to the workflow, through
// operations/sip-event-router.ts: the node calls `router.deliver(callid, event)`.
//
// The node behind them is `ServiceCallPort`: the B2BUA's ServiceCalls (b2bua/service-calls.ts),
// given to the node's worker by server/start.ts. Tests of the workflows use the fake SIP peer of
// test/operations/fake-sip.ts.
//
// Retries: a SIP request sent twice is a second INVITE or REFER, so the sending activities run
// once (the workflow's proxy says `maximumAttempts: 1`, docs/operations.md); only `hangup`, which is
// idempotent by Call-ID, is retried.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DtmfTarget } from '../machines/index.ts';

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

/** Where the node's SIP events must go: SipEventRouter implements this (callid → workflow id). */
export interface SipCallRoutes {
  /** From now on, events about `callid` go to `workflowId`. */
  register(callid: string, workflowId: string): void;
  /** The call is over for the operation: forget it (after a grace period for late NOTIFYs). */
  release(callid: string): void;
}

export interface SipActivityDeps {
  sip: ServiceCallPort;
  routes: SipCallRoutes;
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
  return {
    /** INVITE. Routes the Call-ID to the calling workflow BEFORE sending, so no early response is
     * lost. Runs once (maximumAttempts 1). */
    async placeCall(request: PlaceCallRequest): Promise<void> {
      const ctx = requestContext();
      routes.register(request.callid, ctx.workflowId);
      try {
        await sip.placeCall(request, ctx);
      } catch (err) {
        // Nothing was sent: no event will come.
        routes.release(request.callid);
        throw err;
      }
    },

    /** REFER on the service call's dialog; 202/refusal and the NOTIFYs come as signals. Runs once. */
    async sendRefer(request: SendReferRequest): Promise<void> {
      await sip.sendRefer(request, requestContext());
    },

    /** DTMF (RFC 4733 or INFO): best effort, runs once; a failure makes the script drop the rest. */
    async sendDtmf(request: SendDtmfRequest): Promise<void> {
      await sip.sendDtmf(request, requestContext());
    },

    /** CANCEL/BYE. Idempotent by Call-ID, so retried: a call left up is worse than a second try. */
    async hangup(request: HangupRequest): Promise<void> {
      await sip.hangup(request, requestContext());
      for (const callid of request.callids) routes.release(callid);
    },

    /** Bridges two answered calls (Y offered X's media) into one stored dialog. Runs once: a half-done join is not
     * safely redone blind; on failure the script hangs both up. */
    async joinLegs(request: JoinLegsRequest): Promise<JoinLegsResult> {
      const joined = await sip.joinLegs(request, requestContext());
      // The legs now belong to the new dialog, not to the operation.
      for (const callid of request.callids) routes.release(callid);
      return joined;
    },
  };
}

export type SipActivities = ReturnType<typeof createSipActivities>;
