// The implicit subscriptions our REFERs create on one service call (RFC 3515 §2.4.4), and how a
// NOTIFY finds its own. One dialog may carry several: a second REFER after a failed one.
import { parseEvent, parseReferSub, parseSubscriptionState, type SipRequest, type SipResponse } from '../sip/message/index.ts';

export interface ReferSubscription {
  /** The REFER's CSeq number: the `id` of its NOTIFYs' Event header. */
  readonly id: string;
  accepted: boolean;
  /** Over: the REFER refused, the subscription terminated or never made, or given up on. */
  done: boolean;
  /** A NOTIFY with a sipfrag body was delivered. */
  notified: boolean;
}

export type NotifyMatch =
  | { readonly kind: 'subscription'; readonly sub: ReferSubscription }
  /** 481: no such subscription, or it is over. */
  | { readonly kind: 'none' }
  /** 489: an event package other than refer. */
  | { readonly kind: 'bad-event' }
  /** 400: an Event header we cannot read. */
  | { readonly kind: 'malformed'; readonly reason: string };

export class ReferSubscriptions {
  readonly #subs: ReferSubscription[] = [];

  /** A REFER is going out with this CSeq number. */
  add(cseq: number): ReferSubscription {
    const sub: ReferSubscription = { id: String(cseq), accepted: false, done: false, notified: false };
    this.#subs.push(sub);
    return sub;
  }

  /** Whether a NOTIFY may still come for one of them. */
  get live(): boolean {
    return this.#subs.some((s) => !s.done);
  }

  /** The subscriptions not over yet. */
  open(): ReferSubscription[] {
    return this.#subs.filter((s) => !s.done);
  }

  /** Which subscription a NOTIFY belongs to. */
  match(req: SipRequest): NotifyMatch {
    let event;
    try {
      event = parseEvent(req.headers.get('event') ?? '');
    } catch {
      return { kind: 'malformed', reason: 'Bad Request - Malformed Event Header' };
    }
    if (event.package.toLowerCase() !== 'refer') return { kind: 'bad-event' };
    // RFC 3515 §2.4.6: a NOTIFY carries `id` = the CSeq number of its REFER; it may be left out for
    // the first REFER of a dialog. Devices that always leave it out get the newest open subscription.
    const sub = event.id !== undefined ? this.#subs.find((s) => s.id === event.id) : this.open().at(-1);
    // RFC 6665 §4.1.3: a NOTIFY for no subscription (or one that is over) gets 481.
    if (!sub || sub.done) return { kind: 'none' };
    return { kind: 'subscription', sub };
  }
}

/** RFC 4488 §4: a 2xx to REFER with `Refer-Sub: false` made no subscription, so no NOTIFY will come. */
export function madeNoSubscription(res: SipResponse): boolean {
  const value = res.headers.get('refer-sub');
  if (value === undefined) return false;
  try {
    return !parseReferSub(value).value;
  } catch {
    return false;
  }
}

/** RFC 6665 §4.1.3: `Subscription-State: terminated` ends the subscription with this NOTIFY. */
export function endsSubscription(req: SipRequest): boolean {
  const value = req.headers.get('subscription-state');
  if (value === undefined) return false;
  try {
    return parseSubscriptionState(value).state === 'terminated';
  } catch {
    // Unreadable: read its first word, as the state is all that matters here.
    return value.split(';')[0]!.trim().toLowerCase() === 'terminated';
  }
}

/** RFC 3515 §2.4.5: the NOTIFY's body, when it is a message/sipfrag. */
export function sipfragOf(req: SipRequest): string | undefined {
  const ct = req.contentType;
  if (!ct || `${ct.type}/${ct.subtype}`.toLowerCase() !== 'message/sipfrag' || req.body.length === 0) return undefined;
  return req.body.toString('utf8').slice(0, 4096);
}
