// Headers holding one number or one identifier: Content-Length (§20.14), Max-Forwards (§20.22),
// Expires (§20.19), Min-Expires (§20.23), Retry-After (§20.33) and Call-ID (§20.8).
import { Cursor, DIGIT, MAX_UINT32, WORD, allOf, parseDigits, readParams, type Params } from './grammar.ts';
import { SipParseError, malformed } from './errors.ts';

/** Content-Length = 1*DIGIT. A sign or any other character is malformed (RFC 4475 §3.1.2.3). */
export function parseContentLength(value: string): number {
  const n = parseDigits(value, Number.MAX_SAFE_INTEGER);
  if (n === undefined) {
    throw new SipParseError('SIP_BAD_CONTENT_LENGTH', 400, 'Bad Request - Malformed Content-Length', 'Content-Length');
  }
  return n;
}

/** Max-Forwards = 1*DIGIT, 0 to 255 (§20.22; RFC 4475 §3.1.2.4). */
export function parseMaxForwards(value: string): number {
  const n = parseDigits(value, 255);
  if (n === undefined) throw malformed('Max-Forwards');
  return n;
}

/** delta-seconds of Expires and Min-Expires, at most 2^32-1 (§20.19). */
export function parseDeltaSeconds(value: string, header: string): number {
  const n = parseDigits(value, MAX_UINT32);
  if (n === undefined) throw malformed(header);
  return n;
}

/** Call-ID = word [ "@" word ] (§20.8, §25). */
export function parseCallId(value: string): string {
  const at = value.indexOf('@');
  const ok = at < 0 ? allOf(value, WORD) : allOf(value.slice(0, at), WORD) && allOf(value.slice(at + 1), WORD);
  if (!ok) throw malformed('Call-ID');
  return value;
}

export interface RetryAfter {
  readonly seconds: number;
  readonly comment: string | undefined;
  readonly duration: number | undefined;
  readonly params: Params;
}

/** Retry-After = delta-seconds [ comment ] *( SEMI retry-param ) (§20.33). */
export function parseRetryAfter(value: string): RetryAfter {
  const c: Cursor = new Cursor(value, 'Retry-After');
  c.sws();
  const seconds = parseDigits(c.run(DIGIT), MAX_UINT32);
  if (seconds === undefined) c.fail();
  c.sws();
  let comment: string | undefined;
  if (c.peek() === 0x28) {
    // comment = LPAREN *(ctext / quoted-pair / comment) RPAREN; nesting is counted.
    const start = c.i;
    let depth = 0;
    do {
      const ch = c.peek();
      if (ch < 0) c.fail();
      if (ch === 0x5c) c.i++;
      else if (ch === 0x28) depth++;
      else if (ch === 0x29) depth--;
      c.i++;
    } while (depth > 0);
    comment = c.s.slice(start + 1, c.i - 1);
  }
  const params = new Map<string, string | null>();
  readParams(c, params);
  c.end();
  let duration: number | undefined;
  const d = params.get('duration');
  if (d !== undefined) {
    duration = d === null ? undefined : parseDigits(d, MAX_UINT32);
    if (duration === undefined) c.fail();
  }
  return { seconds, comment, duration, params };
}
