// Replaces (RFC 3891 §6.1): the dialog a new INVITE takes over, as call-id;to-tag;from-tag.
import { Cursor, WORD, formatParams, readParams, type Params } from './grammar.ts';

export interface Replaces {
  readonly callId: string;
  readonly toTag: string;
  readonly fromTag: string;
  /** early-only: replace the dialog only while it is early. */
  readonly earlyOnly: boolean;
  readonly params: Params;
}

/** Replaces = callid *(SEMI replaces-param); to-tag and from-tag are each required once. */
export function parseReplaces(value: string): Replaces {
  const c: Cursor = new Cursor(value, 'Replaces');
  c.sws();
  let callId = c.run(WORD);
  if (c.peek() === 0x40) {
    c.i++;
    callId += '@' + c.run(WORD);
  }
  const params = new Map<string, string | null>();
  readParams(c, params);
  c.end();
  const toTag = params.get('to-tag');
  const fromTag = params.get('from-tag');
  if (typeof toTag !== 'string' || typeof fromTag !== 'string') c.fail();
  if (params.has('early-only') && params.get('early-only') !== null) c.fail();
  return { callId, toTag, fromTag, earlyOnly: params.has('early-only'), params };
}

export function formatReplaces(r: Pick<Replaces, 'callId' | 'toTag' | 'fromTag' | 'earlyOnly'>): string {
  const params = new Map<string, string | null>([
    ['to-tag', r.toTag],
    ['from-tag', r.fromTag],
  ]);
  if (r.earlyOnly) params.set('early-only', null);
  return r.callId + formatParams(params);
}
