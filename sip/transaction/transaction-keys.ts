// How messages find their transaction (RFC 3261 §17.1.3, §17.2.3, §9.2) and the other keys the
// layer indexes by (§8.2.2.2 merged requests, §13.3.1.4 the ACK for a 2xx).
import { isRfc3261Branch, type SipRequest, type SipResponse } from '../message/index.ts';
import { DEFAULT_SIP_PORT, hostPortKey } from '../transport/via-handling.ts';

/** §17.1.3: a client transaction is the branch of the Via it wrote plus the method of its CSeq. */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

/** §17.1.3: the client transaction a response belongs to; undefined without a branch or CSeq. */
export function clientKeyOfResponse(res: SipResponse): string | undefined {
  const branch = res.topVia?.branch;
  const cseq = res.cseq;
  if (branch === undefined || !cseq) return undefined;
  return clientKey(branch, cseq.method);
}

/**
 * §17.2.3: with an RFC 3261 branch (magic cookie), a request matches a server transaction by the
 * branch and sent-by of its top Via and by its method, an ACK matching the INVITE. Without the
 * cookie (RFC 2543 peers) by Request-URI, From tag, Call-ID, CSeq number, top Via and method; the
 * To tag is left out, which lets the ACK (tagged by our response) find its INVITE. `method` overrides
 * the request's own: §9.2 finds the INVITE a CANCEL cancels with method INVITE.
 */
export function serverKey(req: SipRequest, method?: string): string | undefined {
  const via = req.topVia;
  if (!via) return undefined;
  const m = method ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  const sentBy = hostPortKey(via.host, via.port ?? DEFAULT_SIP_PORT);
  if (isRfc3261Branch(via.branch)) return `${via.branch}|${sentBy}|${m}`;
  const cseq = req.cseq;
  const callId = req.callId;
  if (!cseq || callId === undefined) return undefined;
  return `2543|${req.uriText}|${req.from?.tag ?? ''}|${callId}|${cseq.seq}|${sentBy}|${via.branch ?? ''}|${m}`;
}

/** §8.2.2.2: From tag, Call-ID and CSeq identify a request however it travelled. */
export function mergeKey(req: SipRequest): string | undefined {
  const cseq = req.cseq;
  if (!cseq || req.callId === undefined) return undefined;
  return `${req.callId}|${req.from?.tag ?? ''}|${cseq.seq}|${cseq.method}`;
}

/**
 * §13.3.1.4, §17.1.1.3: the ACK for a 2xx carries the Call-ID, From, CSeq number and To (with the
 * tag of the 2xx) of the INVITE and its response, in a transaction of its own.
 */
export function dialogAckKey(msg: SipRequest | SipResponse): string | undefined {
  const cseq = msg.cseq;
  if (!cseq || msg.callId === undefined) return undefined;
  return `${msg.callId}|${msg.from?.tag ?? ''}|${msg.to?.tag ?? ''}|${cseq.seq}`;
}
