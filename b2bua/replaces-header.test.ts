import { describe, expect, it } from 'vitest';
import { SipDialog } from '../sip/dialog/index.ts';
import { createRequest, parseDatagram, parseNameAddr, parseReplaces, serialize, type SipRequest, type SipResponse } from '../sip/message/index.ts';
import { B2buaError } from './b2bua-error.ts';
import { REFERRAL_TOKEN_PARAM, referToValue, referralToken, referredByValue, referrerUri, replacesValue, targetUri } from './replaces-header.ts';

const DOMAIN = 'example.com';

/** A confirmed dialog as both ends hold it: the UAC's view (built from the 2xx) and the UAS's. */
function dialogBothWays(callId: string): { uac: SipDialog; uas: SipDialog } {
  const invite = createRequest({
    method: 'INVITE',
    uri: 'sip:bob@192.0.2.2:5060',
    from: '<sip:alice@example.com>;tag=alice-tag',
    to: '<sip:bob@example.com>',
    callId,
    cseq: 1,
    contact: '<sip:alice@192.0.2.1:5060>',
  });
  const uas = SipDialog.fromRequest(invite, { localTag: 'bob-tag', localContact: '<sip:bob@192.0.2.2:5060>' });
  const ok = parseDatagram(
    Buffer.from(
      [
        'SIP/2.0 200 OK',
        'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1',
        'From: <sip:alice@example.com>;tag=alice-tag',
        'To: <sip:bob@example.com>;tag=bob-tag',
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        'Contact: <sip:bob@192.0.2.2:5060>',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  ) as SipResponse;
  const uac = SipDialog.fromResponse(invite, ok);
  return { uac, uas };
}

/** RFC 3891 §3: how the recipient matches Replaces: to-tag against its local tag, from-tag against its remote tag. */
function recipientMatches(replaces: string, recipient: SipDialog): boolean {
  const r = parseReplaces(replaces);
  return r.callId === recipient.id.callId && r.toTag === recipient.id.localTag && r.fromTag === recipient.id.remoteTag;
}

describe('Replaces (RFC 3891) for a leg of ours', () => {
  it('the UAS matches the to-tag and from-tag parameters as if they were tags present in an incoming request: our a leg (we are its UAS), named for the caller', () => {
    const { uac: callerView, uas: ourALeg } = dialogBothWays('a-leg@192.0.2.1');
    const value = replacesValue(ourALeg.id);
    expect(value).toBe('a-leg@192.0.2.1;to-tag=alice-tag;from-tag=bob-tag');
    expect(recipientMatches(value, callerView)).toBe(true);
    // Naming it from our own point of view would match nothing at the device.
    expect(recipientMatches(value, ourALeg)).toBe(false);
  });

  it('the to-tag parameter is compared to the local tag: our b leg (we are its UAC), named for the callee', () => {
    const { uac: ourBLeg, uas: calleeView } = dialogBothWays('rB2-001-abcdef-01-x');
    const value = replacesValue(ourBLeg.id);
    expect(value).toBe('rB2-001-abcdef-01-x;to-tag=bob-tag;from-tag=alice-tag');
    expect(recipientMatches(value, calleeView)).toBe(true);
  });

  it('the value is one Replaces header: Call-ID then the two tags, no early-only', () => {
    const r = parseReplaces(replacesValue({ callId: 'c@h', localTag: 'L', remoteTag: 'R' }));
    expect(r).toMatchObject({ callId: 'c@h', toTag: 'R', fromTag: 'L', earlyOnly: false });
  });
});

describe('Refer-To with an embedded Replaces (RFC 3515 §2.1, RFC 3261 §19.1.1)', () => {
  it('Replaces rides as a URI header of Refer-To, its ; = and @ escaped, and is the same value once unescaped', () => {
    const target = targetUri('13', DOMAIN, 'Refer-To');
    const leg = { callId: 'z-leg@192.0.2.3', localTag: 'ours', remoteTag: 'zs' };
    const value = referToValue(target, leg);
    expect(value).toBe('<sip:13@example.com?Replaces=z-leg%40192.0.2.3%3Bto-tag%3Dzs%3Bfrom-tag%3Dours>');
    const uri = parseNameAddr(value, 'Refer-To').uri;
    expect(uri.kind === 'sip' && uri.headers).toEqual([['Replaces', 'z-leg@192.0.2.3;to-tag=zs;from-tag=ours']]);
  });

  it('a Call-ID with characters outside hvalue is escaped too, and survives a round trip through a REFER on the wire', () => {
    const leg = { callId: 'odd%id<x>"y"', localTag: 'a', remoteTag: 'b' };
    const value = referToValue(targetUri('sip:zed@example.com', DOMAIN, 'Refer-To'), leg);
    expect(value.slice(1, -1)).not.toMatch(/[<>"]/);
    expect(value).toContain('odd%25id%3Cx%3E%22y%22');
    const refer: SipRequest = createRequest({
      method: 'REFER',
      uri: 'sip:y@192.0.2.4',
      from: '<sip:100@example.com>;tag=1',
      to: '<sip:y@example.com>;tag=2',
      callId: 'svc',
      cseq: 2,
      headers: [['Refer-To', value]],
    });
    const back = parseDatagram(serialize(refer)) as SipRequest;
    const uri = parseNameAddr(back.headers.get('refer-to')!, 'Refer-To').uri;
    expect(uri.kind === 'sip' && parseReplaces(uri.headers[0]![1]).callId).toBe('odd%id<x>"y"');
  });

  it('without replaces, Refer-To is the target alone; a number of the domain becomes its URI', () => {
    expect(referToValue(targetUri('13', DOMAIN, 'Refer-To'))).toBe('<sip:13@example.com>');
    expect(referToValue(targetUri('<sip:bob@other.org>', DOMAIN, 'Refer-To'))).toBe('<sip:bob@other.org>');
  });

  it('a target that is no URI is a clear error; odd characters in a number are escaped, never a header', () => {
    expect(() => targetUri('sip:', DOMAIN, 'Refer-To')).toThrow(B2buaError);
    expect(() => targetUri('sip:a@', DOMAIN, 'Refer-To')).toThrow(/Refer-To/);
    expect(referToValue(targetUri('1 3\r\nX: y', DOMAIN, 'Refer-To'))).toBe('<sip:1%203%0D%0AX%3A%20y@example.com>');
  });
});

describe('Referred-By (RFC 3892) and its token', () => {
  it('accepts a URI, an angle-bracketed URI or a name-addr, and keeps only the URI', () => {
    for (const v of ['sip:11@example.com', '<sip:11@example.com>', '"Alice" <sip:11@example.com>']) {
      expect(referredByValue(referrerUri(v))).toBe('<sip:11@example.com>');
    }
    expect(() => referrerUri('not a uri')).toThrow(B2buaError);
    expect(() => referrerUri('tel:+123')).toThrow(/SIP Referred-By/);
  });

  it('our token rides as a URI parameter and is read back from a copied Referred-By', () => {
    const value = referredByValue(referrerUri('<sip:11@example.com>'), 'abc123');
    expect(value).toBe(`<sip:11@example.com;${REFERRAL_TOKEN_PARAM}=abc123>`);
    expect(referralToken(value)).toBe('abc123');
    expect(referralToken(`"X" ${value};cid=1`)).toBe('abc123');
    // A device that copies it without angle brackets makes it a header parameter: still ours.
    expect(referralToken(`sip:11@example.com;${REFERRAL_TOKEN_PARAM}=abc123`)).toBe('abc123');
  });

  it('no token, an empty one or an unreadable header: none', () => {
    expect(referralToken(undefined)).toBeUndefined();
    expect(referralToken('<sip:11@example.com>')).toBeUndefined();
    expect(referralToken(`<sip:11@example.com;${REFERRAL_TOKEN_PARAM}>`)).toBeUndefined();
    expect(referralToken('<<garbage')).toBeUndefined();
  });
});
