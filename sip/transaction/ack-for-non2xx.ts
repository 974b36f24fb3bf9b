// §17.1.1.3: the ACK an INVITE client transaction sends for a 300-699 response. It is part of the
// INVITE's transaction: same branch, so it follows the INVITE hop by hop.
import { SipHeaders, SipRequest, splitList, type SipResponse } from '../message/index.ts';

/**
 * Request-URI, Call-ID, From and the CSeq number of the INVITE; To of the response (its tag);
 * the INVITE's top Via alone (same branch); the INVITE's Route headers; CSeq method ACK.
 */
export function createAckForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const src = invite.headers;
  const h = new SipHeaders();
  const via = splitList(src.get('via') ?? '')[0];
  if (via) h.append('Via', via);
  for (const route of src.getAll('route')) h.append('Route', route);
  h.append('Max-Forwards', '70');
  const to = response.headers.get('to') ?? src.get('to');
  if (to !== undefined) h.append('To', to);
  const from = src.get('from');
  if (from !== undefined) h.append('From', from);
  const callId = src.get('call-id');
  if (callId !== undefined) h.append('Call-ID', callId);
  h.append('CSeq', `${invite.cseq?.seq ?? 0} ACK`);
  return new SipRequest('ACK', invite.uri, h);
}
