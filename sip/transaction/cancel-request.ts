// §9.1: the CANCEL of a pending INVITE. It is a transaction of its own (non-INVITE) that shares the
// INVITE's branch, so every hop can match it to the INVITE it cancels (§9.2).
import { SipHeaders, SipRequest, splitList } from '../message/index.ts';

/**
 * Request-URI, Call-ID, To, From and the CSeq number of the INVITE, CSeq method CANCEL; a single
 * Via equal to the INVITE's top Via; the INVITE's Route headers. No Require or Proxy-Require.
 */
export function createCancel(invite: SipRequest): SipRequest {
  const src = invite.headers;
  const h = new SipHeaders();
  const via = splitList(src.get('via') ?? '')[0];
  if (via) h.append('Via', via);
  for (const route of src.getAll('route')) h.append('Route', route);
  h.append('Max-Forwards', '70');
  for (const name of ['to', 'from', 'call-id'] as const) {
    const v = src.get(name);
    if (v !== undefined) h.append(name === 'call-id' ? 'Call-ID' : name === 'to' ? 'To' : 'From', v);
  }
  h.append('CSeq', `${invite.cseq?.seq ?? 0} CANCEL`);
  return new SipRequest('CANCEL', invite.uri, h);
}
