// Checks made once a message is parsed and before a transaction is created for it: the mandatory
// headers (§8.1.1, §8.2.6.2), the CSeq method (§8.1.1.5), and every typed header the message
// carries, so that nothing malformed is found later in the middle of a dialog.
import { SipParseError } from './errors.ts';
import { ALL_SPECS, H } from './header-forms.ts';
import type { SipHeaders } from './headers.ts';
import type { SipRequest, SipResponse } from './message.ts';
import { partialOfMessage, toParseError } from './parser.ts';

export interface ValidateOptions {
  /**
   * RFC 4475 §3.4.1: an RFC 2543 request has no Max-Forwards. Accept it (a proxy then adds one,
   * §16.6 step 3) instead of answering 400.
   */
  allowMissingMaxForwards?: boolean;
}

function missing(name: string): SipParseError {
  return new SipParseError('SIP_MISSING_HEADER', 400, `Bad Request - Missing ${name}`, name);
}

/** Position of each typed header in ALL_SPECS: the first malformed one is reported in that order. */
const SPEC_ORDER = new Map(ALL_SPECS.map((spec, i) => [spec.key, i]));
if (ALL_SPECS.length > 64) throw new Error('checkTypedHeaders keeps the typed headers present in two 32-bit masks');

function checkSpec(h: SipHeaders, i: number): void {
  const spec = ALL_SPECS[i]!;
  if (spec.list || spec.repeatable) h.all(spec);
  else h.one(spec);
}

/** Parses every header that has a typed form, surfacing the first malformed one. */
function checkTypedHeaders(h: SipHeaders): void {
  // One pass over the message's lines finds the typed ones (instead of a scan per known header);
  // bit masks keep them in ALL_SPECS order without an array to sort per message.
  let low = 0;
  let high = 0;
  for (const f of h) {
    const i = SPEC_ORDER.get(f.key);
    if (i === undefined) continue;
    if (i < 32) low |= 1 << i;
    else high |= 1 << (i - 32);
  }
  for (let i = 0; low !== 0; i++, low >>>= 1) if (low & 1) checkSpec(h, i);
  for (let i = 32; high !== 0; i++, high >>>= 1) if (high & 1) checkSpec(h, i);
  // Contact = STAR / contact-param list: the wildcard stands alone (§20.10).
  const contacts = h.all(H.contact);
  if (contacts.length > 1 && contacts.includes('*')) {
    throw new SipParseError('SIP_BAD_HEADER', 400, 'Bad Request - Malformed Contact', 'Contact');
  }
}

function checkBody(msg: SipRequest | SipResponse): void {
  // §20.15: Content-Type must be present when the body is not empty.
  if (msg.body.length > 0 && !msg.headers.has('content-type')) throw missing('Content-Type');
}

/**
 * §8.1.1 (To, From, CSeq, Call-ID, Max-Forwards, Via), CSeq method equal to the request method
 * (RFC 4475 §3.1.2.17-18), and every typed header well-formed. Returns the error to answer with,
 * or undefined for a request fit to process.
 */
export function validateRequest(req: SipRequest, options: ValidateOptions = {}): SipParseError | undefined {
  try {
    const h = req.headers;
    for (const [key, name] of [
      ['to', 'To'],
      ['from', 'From'],
      ['cseq', 'CSeq'],
      ['call-id', 'Call-ID'],
      ['max-forwards', 'Max-Forwards'],
      ['via', 'Via'],
    ] as const) {
      if (key === 'max-forwards' && options.allowMissingMaxForwards) continue;
      if (!h.has(key)) throw missing(name);
    }
    const cseq = h.one(H.cseq);
    if (cseq && cseq.method !== req.method) {
      throw new SipParseError('SIP_CSEQ_METHOD_MISMATCH', 400, 'Bad Request - CSeq Method Mismatch', 'CSeq');
    }
    checkTypedHeaders(h);
    checkBody(req);
    return undefined;
  } catch (e) {
    return toParseError(e).withPartial(partialOfMessage(req));
  }
}

/**
 * The headers a response must carry (§8.2.6.2, §20: Via, From, To, Call-ID, CSeq) and every typed
 * header well-formed. A response failing this is dropped: responses are never answered.
 */
export function validateResponse(res: SipResponse): SipParseError | undefined {
  try {
    const h = res.headers;
    for (const [key, name] of [
      ['via', 'Via'],
      ['from', 'From'],
      ['to', 'To'],
      ['call-id', 'Call-ID'],
      ['cseq', 'CSeq'],
    ] as const) {
      if (!h.has(key)) throw missing(name);
    }
    checkTypedHeaders(h);
    checkBody(res);
    return undefined;
  } catch (e) {
    return toParseError(e).withPartial(partialOfMessage(res));
  }
}
