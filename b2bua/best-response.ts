// The answer the caller gets when every fork failed: RFC 3261 §16.7 step 6 ("choosing the best
// response"), simplified for a B2BUA that forks to one account's contacts and follows no redirects.
import { reasonPhrase, type SipResponse } from '../sip/message/index.ts';
import { LocalResponse } from '../sip/transaction/index.ts';

export interface FinalAnswer {
  readonly status: number;
  readonly reason: string;
}

const BUSY = new Set([486, 600]);

/**
 * What one fork's failure becomes before the choice: a redirect (we follow none) and a challenge of
 * the callee (we cannot answer it for the caller) become 480; no answer from the device at all
 * (Timer B, a transport error: a LocalResponse) becomes 480; §16.7: a 503 is not passed on as such,
 * it becomes 500, so the caller does not think this server is overloaded.
 */
export function normalizeFailure(res: SipResponse): FinalAnswer {
  if (res instanceof LocalResponse) return { status: 480, reason: reasonPhrase(480) };
  const s = res.status;
  if ((s >= 300 && s < 400) || s === 401 || s === 407) return { status: 480, reason: reasonPhrase(480) };
  if (s === 503) return { status: 500, reason: reasonPhrase(500) };
  return { status: s, reason: res.reason || reasonPhrase(s) };
}

/**
 * The best of the forks' final responses, in order of arrival:
 * 1. a 6xx (global failure: the callee's answer for every device), the first one;
 * 2. else a busy answer (486, or 600 already taken by rule 1): the caller hears busy;
 * 3. else the lowest class (4xx before 5xx, as §16.7 asks), the first response of that class;
 * 4. with no response at all (no fork could be sent), 480.
 */
export function bestResponse(responses: readonly SipResponse[]): FinalAnswer {
  const answers = responses.map(normalizeFailure);
  const global = answers.find((a) => a.status >= 600);
  if (global) return global;
  const busy = answers.find((a) => BUSY.has(a.status));
  if (busy) return busy;
  let best: FinalAnswer | undefined;
  for (const a of answers) if (!best || Math.floor(a.status / 100) < Math.floor(best.status / 100)) best = a;
  return best ?? { status: 480, reason: reasonPhrase(480) };
}
