// CSeq (RFC 3261 §20.16, §8.1.1.5): a sequence number and the method it orders.
import { Cursor, DIGIT, parseDigits } from './grammar.ts';

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** §8.1.1.5: the sequence number must stay below 2^31. */
export const MAX_CSEQ = 0x7fff_ffff;

/** CSeq = 1*DIGIT LWS Method. Throws SipParseError. */
export function parseCSeq(value: string): CSeq {
  const c: Cursor = new Cursor(value, 'CSeq');
  c.sws();
  const seq = parseDigits(c.run(DIGIT), MAX_CSEQ);
  if (seq === undefined) c.fail();
  c.lws();
  const method = c.token();
  c.end();
  return { seq, method };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
