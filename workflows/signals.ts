// The messages of an operation workflow: the SIP signals the node sends it, the update the API waits
// on, and the query ops staff read. A pure module: the workflows import it inside the sandbox, and
// the Node side (operations/sip-event-router.ts, operations/temporal-operations.ts) imports the same
// definitions to send them, so the names can never drift apart.
//
// What the far end did (1xx, 2xx, a final failure, BYE, the REFER's 202 or refusal, each NOTIFY's
// sipfrag, a subscription that ended without NOTIFY) arrives as one signal per SIP event, named
// exactly as the service-script machine's event (docs/scripts.md "Events"), carrying that event as
// its only argument. The exception: placeCall and sendRefer wait briefly after sending and return
// the events of that time in their result (SipEventsResult), which saves a signal and a workflow
// task each; the same event shapes, put in order by workflows/event-stream.ts.
import { defineQuery, defineSignal, defineUpdate, type SignalDefinition } from '@temporalio/workflow';
import { z } from 'zod';
import type { Checkpoint, PostAnswer, Progress, ReferAnswer } from '../machines/index.ts';
import type { LegStatus, ScriptEvent } from '../machines/index.ts';
import { EVENTS } from '../machines/index.ts';

/** A SIP event about one of the operation's service calls: every machine event but `cancel`. */
export type SipEvent = Exclude<ScriptEvent, { type: 'cancel' }>;
export type SipEventType = SipEvent['type'];

/** The machine's events from outside, less `cancel` (that one comes from Temporal's cancellation). */
export const SIP_EVENT_TYPES = EVENTS.filter((e): e is SipEventType => e !== 'cancel');

// A Call-ID is a SIP token (RFC 3261 `callid = word ["@" word]`): visible ASCII, bounded here.
const callid = z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be a Call-ID (1 to 256 visible ASCII characters)');
const status = (min: number, max: number) => z.number().int().min(min).max(max);
const reason = z.string().max(256);
const ids = { acallid: callid.optional(), dialogid: z.string().regex(/^rDlg-[0-9]{3}-[A-Za-z0-9]{6}$/).optional() };
/** Set by the router once an activity of the workflow has collected events (see SipEventsResult):
 * the event's place in the workflow's stream, for putting a signal back behind a result. */
const order = { seq: z.number().int().min(1).optional(), epoch: z.string().min(1).max(64).optional() };

/** What a signal's payload must look like; the router checks before sending, the workflow again.
 * Module-private, as every schema of the preloaded workflow modules (see run-script.ts). */
const sipEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sip.provisional'), callid, status: status(100, 199), reason, ...order }),
  z.object({ type: z.literal('sip.answered'), callid, status: status(200, 299).optional(), reason: reason.optional(), ...order }),
  /** status 0: nothing was heard (transport failure, Timer B). */
  z.object({ type: z.literal('sip.failed'), callid, status: z.union([z.literal(0), status(300, 699)]), reason, ...order }),
  z.object({ type: z.literal('sip.bye'), callid, ...order }),
  z.object({ type: z.literal('refer.accepted'), callid, ...order }),
  z.object({ type: z.literal('refer.rejected'), callid, status: status(300, 699), reason, ...order }),
  /** `sipfrag` is the NOTIFY body as received: the machine reads its first line (unreadable → unknown). */
  z.object({ type: z.literal('notify.sipfrag'), callid, sipfrag: z.string().max(4096), ...ids, ...order }),
  z.object({ type: z.literal('notify.none'), callid, ...order }),
]);

/** Where an event stands in its workflow's stream: `seq` counts from 1 per router `epoch`. */
export interface EventOrder {
  seq?: number;
  epoch?: string;
}
export type OrderedSipEvent = SipEvent & EventOrder;

/** The event, if the payload is one; `undefined` for anything else (never throws). */
export function parseSipEvent(payload: unknown): OrderedSipEvent | undefined {
  const r = sipEventSchema.safeParse(payload);
  return r.success ? (r.data as OrderedSipEvent) : undefined;
}

/**
 * What placeCall and sendRefer return when the workflow asks them to collect (`collectMs`): the
 * SIP events of the operation that came while the activity waited after sending, in order, instead
 * of one signal each. Events after the activity returned come as signals again.
 */
export interface SipEventsResult {
  events: OrderedSipEvent[];
}

type EventOf<T extends SipEventType> = Extract<SipEvent, { type: T }>;

/** One signal per SIP event type; its name is the event's type, its argument the event. */
export const sipSignals: { [T in SipEventType]: SignalDefinition<[EventOf<T>], T> } = {
  'sip.provisional': defineSignal<[EventOf<'sip.provisional'>], 'sip.provisional'>('sip.provisional'),
  'sip.answered': defineSignal<[EventOf<'sip.answered'>], 'sip.answered'>('sip.answered'),
  'sip.failed': defineSignal<[EventOf<'sip.failed'>], 'sip.failed'>('sip.failed'),
  'sip.bye': defineSignal<[EventOf<'sip.bye'>], 'sip.bye'>('sip.bye'),
  'refer.accepted': defineSignal<[EventOf<'refer.accepted'>], 'refer.accepted'>('refer.accepted'),
  'refer.rejected': defineSignal<[EventOf<'refer.rejected'>], 'refer.rejected'>('refer.rejected'),
  'notify.sipfrag': defineSignal<[EventOf<'notify.sipfrag'>], 'notify.sipfrag'>('notify.sipfrag'),
  'notify.none': defineSignal<[EventOf<'notify.none'>], 'notify.none'>('notify.none'),
};

// --- Update and query -----------------------------------------------------------------------------

/** The answer of the operations written so far (POST and INVITE share a shape). */
export type OperationAnswer = PostAnswer | ReferAnswer;

/**
 * Resolves with the answer at the first checkpoint ≥ `mode` (0–5), or when the operation is over,
 * whichever comes first. `fingerprint`, when given, must equal the one the operation was started
 * with: a retry under the same Idempotency-Key but with another request is refused (the validator
 * rejects it, so nothing is written to the history).
 */
export const waitForCheckpoint = defineUpdate<OperationAnswer, [mode: number, fingerprint?: string]>('waitForCheckpoint');

/** The validator's error types, which the client maps to API errors. */
export const UPDATE_REJECTIONS = { badMode: 'InvalidResponseMode', fingerprint: 'IdempotencyKeyReused' } as const;

export interface LegProgress {
  callid: string;
  status: LegStatus;
  lastResponse?: string;
}

/** What ops staff see with `temporal workflow query --name progress` or in the UI's Queries tab. */
export interface OperationProgress {
  operation: string;
  /** The service script's current step (the machine's top-level state). */
  step: string;
  /** The machine's full state value, dotted (`transfer.awaiting.sent`). */
  state: string;
  progress: Progress;
  answer: OperationAnswer;
  /** When each checkpoint was recorded (workflow time, epoch ms), in order. */
  checkpoints: Array<{ checkpoint: Checkpoint; at: number }>;
  legs: Record<string, LegProgress>;
  /** SIP signals taken, and those dropped as malformed. */
  signals: { received: number; dropped: number };
  finished: boolean;
  /** Why the run ended early, when it did (cancelled, the machine failed, the run took too long). */
  stopped?: string;
}

export const progressQuery = defineQuery<OperationProgress>('progress');
