// What the API needs from the rest of the server, as interfaces: later issues implement them (the
// workflow engine behind OperationsPort, the SIP node behind CallControlPort). The API validates
// everything it can from the config and the call store before calling a port, so a port gets
// well-formed input for a dialog the user may see. A port may still throw an ApiError (e.g. 1409 for
// an event the device did not list in Allow-Events, 1503 when its engine is down); anything else it
// throws becomes 1500.
import type { SipUserConfig } from '../config/schema.ts';
import type { Principal } from './auth.ts';
import type { LegTarget } from './legs.ts';
import type { AsrInput, RecordInput } from './schema-control.ts';
import type { ClickToCallInput, ReferConfInput, ReferInput, ReferReplacesInput, SwitchConfInput } from './schema-operations.ts';

export type { LegTarget };

// ---- operations -----------------------------------------------------------------------------------

export type OperationKind = 'POST' | 'INVITE' | 'REFER' | 'REFERREPLACES' | 'SWITCHCONF' | 'REFERCONF';
export type OperationResult = 'ok' | 'rejected' | 'bye' | 'timeout' | 'error' | 'unknown';

interface OperationBase {
  /** The authorized user on whose behalf the operation runs. */
  principal: Principal;
  /** The client's Idempotency-Key header, when given: a retry with the same key is the same operation. */
  idempotencyKey?: string;
}

/** POST (REFER flow) and INVITE (3PCC flow): input with every default filled in. */
export interface ClickToCallRequest extends OperationBase {
  kind: 'POST' | 'INVITE';
  input: ClickToCallInput;
  /** The account `from` resolved to: always one of the principal's own. */
  from: SipUserConfig;
}

export interface ReferRequest extends OperationBase {
  kind: 'REFER';
  dialogid: string;
  input: ReferInput;
  /** The transferring party, resolved from `by`; the party across is the one moved. */
  by: LegTarget;
}

export interface ReferReplacesRequest extends OperationBase {
  kind: 'REFERREPLACES';
  dialogid: string;
  input: ReferReplacesInput;
  masterBy: LegTarget;
  /** The slave dialog, resolved from slavedialogid or the other slave… keys; visible to the user. */
  slaveDialogid: string;
  slaveBy: LegTarget;
}

export interface SwitchConfRequest extends OperationBase {
  kind: 'SWITCHCONF';
  dialogid: string;
  /** `referto` and `by` are always filled: defaults are chosen by the API. */
  input: SwitchConfInput & { referto: string; by: string };
}

export interface ReferConfRequest extends OperationBase {
  kind: 'REFERCONF';
  dialogid: string;
  input: ReferConfInput;
  by: LegTarget;
  /**
   * The target conference: from a visible dialog with a conference participant (`dialogid`, `uri`),
   * or only `confid` when the client gave referconfid and no dialog key (the port resolves it).
   */
  conference: { dialogid?: string; uri?: string; confid?: string };
}

export type OperationRequest = ClickToCallRequest | ReferRequest | ReferReplacesRequest | SwitchConfRequest | ReferConfRequest;

export interface ClickToCallAnswer {
  result: OperationResult;
  ivrcallid: string;
  acallid?: string;
  last_response?: string;
  dialogid?: string;
}

export interface TransferAnswer {
  dialogid: string;
  result: OperationResult;
  ivrcallid: string;
  new_acallid?: string;
  new_last_response?: string;
  new_dialogid?: string;
}

export interface ReferReplacesAnswer extends Omit<TransferAnswer, 'dialogid'> {
  masterdialogid: string;
  slavedialogid: string;
}

export interface SwitchConfAnswer {
  dialogid: string;
  referto: string;
  result: OperationResult;
  confid?: string;
  x_ivrcallid?: string;
  x_new_acallid?: string;
  x_new_dialogid?: string;
  x_new_last_response?: string;
  y_ivrcallid?: string;
  y_new_acallid?: string;
  y_new_dialogid?: string;
  y_new_last_response?: string;
}

export type OperationAnswer = ClickToCallAnswer | TransferAnswer | ReferReplacesAnswer | SwitchConfAnswer;

export interface OperationsPort {
  /**
   * Starts an operation and resolves at the checkpoint `input.response_mode` asks for (or when the
   * operation ends first), with everything known by then. The operation goes on after that.
   */
  start(request: OperationRequest): Promise<OperationAnswer>;
  /**
   * A retry under an Idempotency-Key of an operation on a dialog that has since ended (a REFER ends
   * the old dialog): the operation's answer at `input.response_mode`, or undefined when no operation
   * was started under that key for that dialog (the route then answers 1413 as usual).
   */
  rejoin?(request: RejoinRequest): Promise<OperationAnswer | undefined>;
}

/** What the route still knows when the dialog is gone: who asks, the key, the dialog id, the body. */
export interface RejoinRequest {
  kind: 'REFER';
  principal: OperationBase['principal'];
  dialogid: string;
  idempotencyKey: string;
  input: ReferInput;
}

// ---- call control ---------------------------------------------------------------------------------

export interface NotifyRequest {
  dialogid: string;
  target: LegTarget;
  event: string;
}

export interface SendDtmfRequest {
  dialogid: string;
  target: LegTarget;
  proto: 'rfc2833' | 'sipinfo';
  dtmf: string;
}

export interface AsrRequest {
  dialogid: string;
  cmd: AsrInput['cmd'];
  layer: string;
  /** Absent only for stop: the layer says what to stop. */
  target?: LegTarget;
  wait: boolean;
}

export interface RecordRequest {
  dialogid: string;
  cmd: RecordInput['cmd'];
  layer: string;
  /** Absent: both sides, one channel each. */
  target?: LegTarget;
}

export interface CallControlPort {
  /** BYE to every answered leg, CANCEL to every ringing fork. */
  hangup(dialogid: string): Promise<void>;
  /** Sends the NOTIFY; throws ApiError 1409 when the device did not list the event in Allow-Events. */
  notify(request: NotifyRequest): Promise<void>;
  /** Appends to the leg's DTMF queue and returns at once. */
  sendDtmf(request: SendDtmfRequest): Promise<void>;
  /** Starts or stops a recognition layer; a waited stop returns the text recognised. */
  asr(request: AsrRequest): Promise<{ text?: string }>;
  /** Starts or stops a recording layer; returns the WAV file's path. */
  record(request: RecordRequest): Promise<{ file: string }>;
  /**
   * Told after SETUP_BINDINGS changed a dialog's labels in the store (the API writes the store
   * itself), so events and later transfers carry them.
   */
  bindings(dialogid: string, labels: readonly string[]): Promise<void>;
}
