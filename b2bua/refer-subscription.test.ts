import { describe, expect, it } from 'vitest';
import { parseDatagram, type SipRequest, type SipResponse } from '../sip/message/index.ts';
import { ReferSubscriptions, endsSubscription, madeNoSubscription, sipfragOf } from './refer-subscription.ts';

function notify(headers: string[], body = ''): SipRequest {
  const lines = [
    'NOTIFY sip:callctl@127.0.0.1:5060 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-n1',
    'From: <sip:11@d>;tag=x',
    'To: <sip:100@d>;tag=y',
    'Call-ID: c1',
    'CSeq: 5 NOTIFY',
    'Max-Forwards: 70',
    ...headers,
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return parseDatagram(Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`)) as SipRequest;
}

function accepted(headers: string[]): SipResponse {
  const lines = ['SIP/2.0 202 Accepted', 'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-r1', 'From: <sip:100@d>;tag=y', 'To: <sip:11@d>;tag=x', 'Call-ID: c1', 'CSeq: 2 REFER', ...headers, 'Content-Length: 0'];
  return parseDatagram(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`)) as SipResponse;
}

describe('REFER subscriptions of one dialog (RFC 3515, RFC 6665)', () => {
  it('a NOTIFY names its subscription with id = the CSeq number of the REFER', () => {
    const subs = new ReferSubscriptions();
    const first = subs.add(2);
    const second = subs.add(3);
    expect(subs.match(notify(['Event: refer;id=2']))).toEqual({ kind: 'subscription', sub: first });
    expect(subs.match(notify(['Event: refer;id=3']))).toEqual({ kind: 'subscription', sub: second });
  });

  it('a NOTIFY for a subscription that does not exist, or is over, gets 481', () => {
    const subs = new ReferSubscriptions();
    const first = subs.add(2);
    expect(subs.match(notify(['Event: refer;id=999']))).toEqual({ kind: 'none' });
    first.done = true;
    expect(subs.match(notify(['Event: refer;id=2']))).toEqual({ kind: 'none' });
    expect(subs.match(notify(['Event: refer']))).toEqual({ kind: 'none' });
    expect(new ReferSubscriptions().match(notify(['Event: refer']))).toEqual({ kind: 'none' });
  });

  it('the id may be left out for the first REFER; a device that always leaves it out gets the newest open one', () => {
    const subs = new ReferSubscriptions();
    const first = subs.add(2);
    expect(subs.match(notify(['Event: refer']))).toEqual({ kind: 'subscription', sub: first });
    first.done = true;
    const second = subs.add(3);
    expect(subs.match(notify(['Event: refer']))).toEqual({ kind: 'subscription', sub: second });
    expect(subs.live).toBe(true);
    second.done = true;
    expect(subs.live).toBe(false);
  });

  it('another event package gets 489; an unreadable Event header 400', () => {
    const subs = new ReferSubscriptions();
    subs.add(2);
    expect(subs.match(notify(['Event: dialog']))).toEqual({ kind: 'bad-event' });
    expect(subs.match(notify([]))).toMatchObject({ kind: 'malformed' });
    expect(subs.match(notify(['Event: refer;id']))).toMatchObject({ kind: 'malformed' });
  });

  it('Subscription-State terminated ends the subscription; active does not', () => {
    expect(endsSubscription(notify(['Event: refer', 'Subscription-State: terminated;reason=noresource']))).toBe(true);
    expect(endsSubscription(notify(['Event: refer', 'Subscription-State: Terminated']))).toBe(true);
    expect(endsSubscription(notify(['Event: refer', 'Subscription-State: active;expires=60']))).toBe(false);
    expect(endsSubscription(notify(['Event: refer']))).toBe(false);
  });

  it('Refer-Sub: false in the 2xx made no subscription (RFC 4488); true, absent or unreadable did', () => {
    expect(madeNoSubscription(accepted(['Refer-Sub: false']))).toBe(true);
    expect(madeNoSubscription(accepted(['Refer-Sub: FALSE']))).toBe(true);
    expect(madeNoSubscription(accepted(['Refer-Sub: true']))).toBe(false);
    expect(madeNoSubscription(accepted([]))).toBe(false);
    expect(madeNoSubscription(accepted(['Refer-Sub: maybe']))).toBe(false);
  });

  it('the body counts only as message/sipfrag', () => {
    expect(sipfragOf(notify(['Event: refer', 'Content-Type: message/sipfrag;version=2.0'], 'SIP/2.0 180 Ringing\r\n'))).toBe('SIP/2.0 180 Ringing\r\n');
    expect(sipfragOf(notify(['Event: refer', 'Content-Type: text/plain'], 'SIP/2.0 180 Ringing\r\n'))).toBeUndefined();
    expect(sipfragOf(notify(['Event: refer', 'Content-Type: message/sipfrag']))).toBeUndefined();
  });
});
