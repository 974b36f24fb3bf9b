// The typed forms of the other headers the stack reads.
import { describe, expect, it } from 'vitest';
import { formatChallenge, formatCredentials, parseAuth } from './auth.ts';
import { parseContentType } from './content-type.ts';
import { MAX_CSEQ, parseCSeq } from './cseq.ts';
import { formatSipDate, parseSipDate } from './date.ts';
import { parseAllowEvent, parseEvent, parseReferSub, parseSubscriptionState } from './event.ts';
import { parseInfo } from './info.ts';
import { formatReplaces, parseReplaces } from './replaces.ts';
import { parseCallId, parseContentLength, parseMaxForwards, parseRetryAfter } from './scalar-headers.ts';
import { parseWarning } from './warning.ts';

describe('CSeq (§20.16)', () => {
  it('reads the number and method, with LWS between', () => {
    expect(parseCSeq('4711 INVITE')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq('0009  \t INVITE')).toEqual({ seq: 9, method: 'INVITE' });
  });

  it('a number of 2^31 or more is malformed (§8.1.1.5)', () => {
    expect(parseCSeq(`${MAX_CSEQ} ACK`).seq).toBe(2 ** 31 - 1);
    expect(() => parseCSeq(`${2 ** 31} ACK`)).toThrow('Malformed CSeq');
    expect(() => parseCSeq('1INVITE')).toThrow('Malformed CSeq');
    expect(() => parseCSeq('-1 INVITE')).toThrow('Malformed CSeq');
    expect(() => parseCSeq('1 INVITE x')).toThrow('Malformed CSeq');
    expect(() => parseCSeq('1')).toThrow('Malformed CSeq');
  });
});

describe('scalar headers', () => {
  it('Content-Length is digits only', () => {
    expect(parseContentLength('0')).toBe(0);
    expect(parseContentLength('00150')).toBe(150);
    for (const bad of ['', '-1', '+1', '1.0', '0x10', '1 2']) expect(() => parseContentLength(bad), bad).toThrow('Malformed Content-Length');
  });

  it('Max-Forwards is 0 to 255', () => {
    expect(parseMaxForwards('0')).toBe(0);
    expect(parseMaxForwards('255')).toBe(255);
    expect(() => parseMaxForwards('256')).toThrow('Malformed Max-Forwards');
  });

  it('Call-ID is word [@ word]', () => {
    expect(parseCallId('f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com')).toBe('f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com');
    for (const bad of ['', 'a b', 'a@b@c', '@b', 'a@', 'a;b']) expect(() => parseCallId(bad), bad).toThrow('Malformed Call-ID');
  });

  it('Retry-After takes a comment and a duration', () => {
    expect(parseRetryAfter('18000;duration=3600')).toMatchObject({ seconds: 18000, duration: 3600 });
    expect(parseRetryAfter('120 (I\'m in a (long) meeting)')).toMatchObject({ seconds: 120, comment: "I'm in a (long) meeting" });
    expect(() => parseRetryAfter('4294967296')).toThrow('Malformed Retry-After');
  });
});

describe('digest challenge and credentials (§20.27, §20.44, RFC 7616, RFC 8760)', () => {
  it('a challenge is a scheme and a map of parameters, quotes removed', () => {
    const c = parseAuth('Digest realm="atlanta.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=SHA-256, qop="auth,auth-int", stale=FALSE, opaque=""', 'WWW-Authenticate');
    expect(c.scheme).toBe('Digest');
    expect(Object.fromEntries(c.params)).toEqual({
      realm: 'atlanta.example.com',
      nonce: 'ea9c8e88df84f1cec4341ae6cbe5a359',
      algorithm: 'SHA-256',
      qop: 'auth,auth-int',
      stale: 'FALSE',
      opaque: '',
    });
  });

  it('credentials keep commas inside quoted parameters', () => {
    const c = parseAuth('Digest username="bob, jr", realm="b.example.com", nonce="n", uri="sip:bob@b.example.com;transport=tcp", response="abc", qop=auth, nc=00000001, cnonce="0a4f113b"', 'Authorization');
    expect(c.params.get('username')).toBe('bob, jr');
    expect(c.params.get('nc')).toBe('00000001');
    expect(c.params.get('uri')).toBe('sip:bob@b.example.com;transport=tcp');
  });

  it('formatting quotes what the grammar quotes, and parses back', () => {
    const challenge = { scheme: 'Digest', params: new Map([['realm', 'r'], ['nonce', 'n'], ['algorithm', 'SHA-256'], ['qop', 'auth']]) };
    expect(formatChallenge(challenge)).toBe('Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"');
    const creds = { scheme: 'Digest', params: new Map([['username', 'u'], ['qop', 'auth'], ['nc', '00000001'], ['response', 'x']]) };
    expect(formatCredentials(creds)).toBe('Digest username="u", qop=auth, nc=00000001, response="x"');
    expect(parseAuth(formatCredentials(creds), 'Authorization')).toEqual(creds);
  });

  it('malformed values are refused', () => {
    for (const bad of ['Digest', 'Digest realm', 'Digest realm="a" nonce="b"', 'Digest realm="a", realm="b"', 'Digest realm="a",', 'Digest realm="unterminated']) {
      expect(() => parseAuth(bad, 'WWW-Authenticate'), bad).toThrow('Malformed WWW-Authenticate');
    }
  });
});

describe('Replaces (RFC 3891)', () => {
  it('call-id, to-tag, from-tag and early-only are read', () => {
    expect(parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff;early-only')).toMatchObject({
      callId: '98732@sip.example.com',
      fromTag: 'r33th4x0r',
      toTag: 'ff87ff',
      earlyOnly: true,
    });
    expect(formatReplaces({ callId: 'a@b', toTag: 't', fromTag: 'f', earlyOnly: false })).toBe('a@b;to-tag=t;from-tag=f');
  });

  it('both tags are required', () => {
    expect(() => parseReplaces('a@b;to-tag=x')).toThrow('Malformed Replaces');
    expect(() => parseReplaces('a@b;from-tag=x;to-tag')).toThrow('Malformed Replaces');
  });
});

describe('event headers (RFC 6665, RFC 4488)', () => {
  it('Event has a package, templates and an id', () => {
    expect(parseEvent('presence.winfo;id=1234')).toMatchObject({ type: 'presence.winfo', package: 'presence', id: '1234' });
    expect(parseEvent('refer')).toMatchObject({ type: 'refer', id: undefined });
    expect(() => parseEvent('presence..winfo')).toThrow('Malformed Event');
  });

  it('Subscription-State has a state and its parameters', () => {
    expect(parseSubscriptionState('terminated;reason=noresource;retry-after=30')).toMatchObject({ state: 'terminated', reason: 'noresource', retryAfter: 30 });
    expect(parseSubscriptionState('Active;expires=600')).toMatchObject({ state: 'active', expires: 600 });
    expect(() => parseSubscriptionState('active;expires=soon')).toThrow('Malformed Subscription-State');
    expect(() => parseSubscriptionState(';reason=noresource')).toThrow('Malformed Subscription-State');
    // linphone's final NOTIFY of a transfer: the substate is clear, the parameters are not.
    expect(parseSubscriptionState('terminated;reason=reason=noresource')).toMatchObject({ state: 'terminated', reason: undefined, params: new Map() });
  });

  it('Refer-Sub is true or false', () => {
    expect(parseReferSub('false').value).toBe(false);
    expect(parseReferSub('TRUE;x=y').value).toBe(true);
    expect(() => parseReferSub('maybe')).toThrow('Malformed Refer-Sub');
  });

  it('Allow-Events values are event types', () => {
    expect(parseAllowEvent('dialog')).toBe('dialog');
    expect(() => parseAllowEvent('dia log')).toThrow('Malformed Allow-Events');
  });
});

describe('Call-Info and Alert-Info (§20.9, §20.4)', () => {
  it('a bracketed absolute URI with parameters', () => {
    expect(parseInfo('<http://wwww.example.com/alice/photo.jpg> ;purpose=icon', 'Call-Info')).toMatchObject({
      uri: { kind: 'absolute', scheme: 'http' },
      purpose: 'icon',
    });
    expect(parseInfo('<urn:alert:tone:internal>', 'Alert-Info').uri).toEqual({ kind: 'absolute', scheme: 'urn', value: 'alert:tone:internal' });
    expect(() => parseInfo('http://example.com/x', 'Alert-Info')).toThrow('Malformed Alert-Info');
  });
});

describe('Content-Type, Date and Warning', () => {
  it('Content-Type is type/subtype with parameters', () => {
    expect(parseContentType('Application/SDP')).toMatchObject({ type: 'application', subtype: 'sdp' });
    expect(parseContentType('multipart/mixed ; boundary="a b"').params.get('boundary')).toBe('"a b"');
    expect(() => parseContentType('application')).toThrow('Malformed Content-Type');
    expect(() => parseContentType('text/plain;charset')).toThrow('Malformed Content-Type');
  });

  it('Date is an RFC 1123 date in GMT', () => {
    const d = parseSipDate('Sat, 13 Nov 2010 23:29:00 GMT');
    expect(d.toISOString()).toBe('2010-11-13T23:29:00.000Z');
    expect(formatSipDate(d)).toBe('Sat, 13 Nov 2010 23:29:00 GMT');
    for (const bad of ['Fri, 01 Jan 2010 16:00:00 EST', 'Sat, 31 Feb 2010 23:29:00 GMT', 'Sat, 13 Nov 2010 25:29:00 GMT', '13 Nov 2010']) {
      expect(() => parseSipDate(bad), bad).toThrow('Malformed Date');
    }
  });

  it('Warning has a three-digit code, an agent and a quoted text', () => {
    expect(parseWarning('307 isi.edu "Session parameter \'foo\' not understood"')).toEqual({ code: 307, agent: 'isi.edu', text: "Session parameter 'foo' not understood" });
    expect(() => parseWarning('1812 overture "In Progress"')).toThrow('Malformed Warning');
  });
});
