// Types of the service-script machine: its context, the events it takes, and the inputs and outputs
// of the actors it invokes (what the workflow's activities receive and return).
import type { Progress } from './checkpoints.ts';
import type { ParamValue, Reports } from '../service-scripts/types.ts';

/**
 * idle → calling → early → answered, then one of: ended (the device hung up), releasing (we hang
 * it up), joined (handed to a dialog by `join`); failed when the call got no 2xx.
 */
export type LegStatus = 'idle' | 'calling' | 'early' | 'answered' | 'failed' | 'ended' | 'releasing' | 'joined';

export interface LegState {
  callid: string;
  reports: Reports;
  status: LegStatus;
  /** The call step that placed it: picks the `on.bye` route. */
  placedBy?: string;
  /** A REFER on it was accepted: a BYE now is the transfer's normal end, not the `bye` result. */
  transferred: boolean;
  /** What the current or last transfer on this leg feeds. */
  referReports: 'target' | 'none';
  lastResponse?: string;
}

export type DtmfTarget = { callid: string } | { dialogid: string; side: 'a' | 'b' };

export interface ScriptContext {
  script: string;
  /** The step running now (the top-level state), kept for logs and inspection. */
  step: string;
  params: Record<string, ParamValue>;
  vars: Record<string, string>;
  legs: Record<string, LegState>;
  progress: Progress;
  /** The DTMF still to send in the current `dtmf` step. */
  dtmf: { target?: DtmfTarget; queue: string };
  /** Call-IDs the current `hangup` step (or cancellation) releases. */
  releasing: string[];
}

/** What the workflow gives the machine: bound parameters, and one Call-ID per leg made up front so
 * the answer at checkpoint 0 already carries `ivrcallid`. */
export interface ScriptInput {
  params: Record<string, ParamValue>;
  callids: Record<string, string>;
}

export type ScriptEvent =
  | { type: 'sip.provisional'; callid: string; status: number; reason: string }
  | { type: 'sip.answered'; callid: string; status?: number; reason?: string }
  /** status 0: no response at all (transport failure, or Timer B with nothing heard). */
  | { type: 'sip.failed'; callid: string; status: number; reason: string }
  | { type: 'sip.bye'; callid: string }
  | { type: 'refer.accepted'; callid: string }
  | { type: 'refer.rejected'; callid: string; status: number; reason: string }
  /** A NOTIFY in the REFER's subscription: `sipfrag` is its body's status line; the node adds
   * the target call's ids once it has matched the referred INVITE. */
  | { type: 'notify.sipfrag'; callid: string; sipfrag: string; acallid?: string; dialogid?: string }
  /** The subscription ended without a usable NOTIFY (terminated, expired). */
  | { type: 'notify.none'; callid: string }
  | { type: 'cancel'; reason?: string };

// --- Actor inputs and outputs -------------------------------------------------------------------

export interface PlaceCallInput {
  step: string;
  leg: string;
  callid: string;
  /** The number part of the dial string; its DTMF part is in `vars.<step>_dtmf`. */
  to: string;
  callerid?: string;
  callername?: string;
  /** The script's own timer governs; given so the node can show `expirets` and back it up. */
  timeoutMs: number;
  /** Call-ID of the leg whose dialog this call replaces (INVITE with Replaces). */
  replaces?: string;
  referredBy?: string;
  headers: Record<string, string>;
  /** Call-ID of a leg whose session this call offers (RFC 3725 third-party call control). */
  sdpFrom?: string;
}

export interface SendReferInput {
  step: string;
  leg: string;
  callid: string;
  target: string;
  /** Call-ID of the leg the referred call replaces (Refer-To with ?Replaces=). */
  replaces?: string;
}

export interface SendDtmfInput {
  step: string;
  target: DtmfTarget;
  digits: string;
  proto: 'rfc2833' | 'sipinfo';
}

export interface HangupInput {
  step: string;
  callids: string[];
}

export interface JoinLegsInput {
  step: string;
  callids: [string, string];
}

export interface JoinLegsOutput {
  dialogid: string;
  acallid: string;
}

/**
 * The side effects, injected. Each resolves once its request is handed to the SIP node; outcomes
 * come back as events. The signal aborts when the machine leaves the step: the result is no longer
 * needed, but a request already sent stays sent (never cancel an INVITE through it: `hangup` does).
 */
export interface ServiceScriptImpl {
  placeCall(input: PlaceCallInput, signal: AbortSignal): Promise<void>;
  sendRefer(input: SendReferInput, signal: AbortSignal): Promise<void>;
  sendDtmf(input: SendDtmfInput, signal: AbortSignal): Promise<void>;
  hangup(input: HangupInput, signal: AbortSignal): Promise<void>;
  joinLegs(input: JoinLegsInput, signal: AbortSignal): Promise<JoinLegsOutput>;
}
