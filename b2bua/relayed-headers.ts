// Which header fields cross the B2BUA with a relayed request or response. A B2BUA is two UAs back to
// back (RFC 7092 §3): each leg's dialog headers (Via, From, To, Call-ID, CSeq, Contact, Route,
// Record-Route) are its own, and only fields that carry the meaning of the request go across.
import type { SipMessage } from '../sip/message/index.ts';

/** Carried over with requests relayed within a dialog (INFO, NOTIFY, MESSAGE, REFER, SUBSCRIBE, BYE…). */
export const RELAYED_REQUEST_HEADERS: readonly string[] = Object.freeze([
  'Event',
  'Subscription-State',
  'Allow-Events',
  'Info-Package',
  'Recv-Info',
  'Content-Disposition',
  'Refer-To',
  'Referred-By',
  'Refer-Sub',
  'Target-Dialog',
  'Expires',
  'Accept',
  'Reason',
  'Subject',
]);

/** Carried back with the final response to a relayed request. */
export const RELAYED_RESPONSE_HEADERS: readonly string[] = Object.freeze([
  'Allow-Events',
  'Event',
  'Expires',
  'Refer-Sub',
  'Recv-Info',
  'Retry-After',
  'Warning',
  'Unsupported',
  'Accept',
]);

/** The lines of `names` in `msg`, in the message's order, as [name, value] pairs. */
export function pickHeaders(msg: SipMessage, names: readonly string[]): [string, string][] {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: [string, string][] = [];
  for (const [name, value] of msg.headers.entries()) if (wanted.has(name.toLowerCase())) out.push([name, value]);
  return out;
}
