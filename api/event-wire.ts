// Bus events as clients see them. Messages are built field by field, never by spreading the bus
// event, so `participants` (and whatever internal field the SIP node adds later) never leaves.
import type { BusEvent } from '../events/call-events.ts';
import type { AsrEventMessage, CallEventMessage } from './schema-events.ts';

export function toMessage(e: BusEvent): CallEventMessage | AsrEventMessage {
  if (e.type === 'asr') {
    return { type: 'asr', dialogid: e.dialogid, layer: e.layer, callid: e.callid, text: e.text, final: e.final, ts: e.ts };
  }
  const m: CallEventMessage = {
    type: e.type,
    ts: e.ts,
    inviteid: e.inviteid,
    dialogid: e.dialogid,
    bindings: [...e.bindings],
    startts: e.startts,
  };
  if (e.cause !== undefined) m.cause = e.cause;
  if (e.status !== undefined) m.status = e.status;
  if (e.newdialogid !== undefined) m.newdialogid = e.newdialogid;
  return m;
}

/** One event, serialised once for every client that receives it. */
export interface WireEvent {
  type: string;
  json: string;
  /** UTF-8 length of `json`: what buffer limits count. */
  bytes: number;
}

export function toWire(e: BusEvent): WireEvent {
  const json = JSON.stringify(toMessage(e));
  return { type: e.type, json, bytes: Buffer.byteLength(json) };
}
