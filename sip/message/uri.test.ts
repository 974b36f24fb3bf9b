import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.ts';
import { escapeUri, USER, unescapeUri } from './grammar.ts';
import { formatUri, isValidHost, parseUri, sipUri, type SipUri } from './uri.ts';

function sip(text: string): SipUri {
  const u = parseUri(text);
  if (u.kind !== 'sip') throw new Error('not a SIP URI');
  return u;
}

describe('SIP and SIPS URIs (§19.1)', () => {
  it('parts are parsed: user, password, host, port, parameters, headers', () => {
    const u = sip('sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
    expect(u).toEqual({
      kind: 'sip',
      scheme: 'sips',
      user: 'alice',
      password: 'secret',
      host: 'atlanta.example.com',
      port: 5061,
      params: new Map([
        ['transport', 'tcp'],
        ['lr', null],
      ]),
      headers: [
        ['subject', 'project x'],
        ['priority', 'urgent'],
      ],
    });
  });

  it('the scheme and parameter names compare case-insensitively', () => {
    const u = sip('SIP:Bob@Biloxi.example.com;Transport=UDP');
    expect(u.scheme).toBe('sip');
    expect(u.user).toBe('Bob');
    expect(u.params.get('transport')).toBe('UDP');
  });

  it('IPv6 references keep their brackets, with or without a port', () => {
    expect(sip('sip:[2001:db8::10]').host).toBe('[2001:db8::10]');
    const u = sip('sip:alice@[2001:db8::10]:5070;maddr=[2001:db8::9]');
    expect([u.host, u.port, u.params.get('maddr')]).toEqual(['[2001:db8::10]', 5070, '[2001:db8::9]']);
    expect(() => parseUri('sip:[2001:db8::zz]')).toThrow(SipParseError);
    expect(() => parseUri('sip:[2001:db8::1')).toThrow(SipParseError);
    expect(() => parseUri('sip:[::1]x')).toThrow(SipParseError);
  });

  it('a user part may hold ; ? / and escaped @ (§19.1.1, RFC 4475 §3.1.1.9)', () => {
    expect(sip('sip:user;par=u%40example.net@example.com').user).toBe('user;par=u@example.net');
    expect(sip('sip:+1-212-555-1212;phone-context=x@gw.example.com;user=phone').user).toBe('+1-212-555-1212;phone-context=x');
  });

  it('escapes in the user part are decoded and written back escaped (§25)', () => {
    const u = sip('sip:%61lice%20b@example.com');
    expect(u.user).toBe('alice b');
    expect(formatUri(u)).toBe('sip:alice%20b@example.com');
    expect(formatUri(sipUri({ user: 'sips:u@x', host: 'example.net' }))).toBe('sip:sips%3Au%40x@example.net');
    expect(formatUri(sipUri({ user: 'ü', host: 'example.net' }))).toBe('sip:%C3%BC@example.net');
  });

  it('malformed URIs are rejected', () => {
    for (const bad of [
      'sip:',
      'sip:@example.com',
      'sip:user@',
      'sip:us er@example.com',
      'sip:user@exa mple.com',
      'sip:user@example.com:65536',
      'sip:user@example.com:port',
      'sip:user@-bad.example.com',
      'sip:user@example.123',
      'sip:user@example.com;;lr',
      'sip:user@example.com;=x',
      'sip:user@example.com;a=',
      'sip:user@example.com?noequals',
      'sip:user@example.com;x=%ZZ',
      'sip:us%4@example.com',
      'sip:user@256.1.1.1x',
      ':nothing',
      '1sip:x',
      'http:',
      'mailto:a b',
    ]) {
      expect(() => parseUri(bad), bad).toThrow(SipParseError);
    }
  });

  it('hosts follow the hostname, IPv4 and IPv6 grammar', () => {
    expect(isValidHost('example.com')).toBe(true);
    expect(isValidHost('example.com.')).toBe(true);
    expect(isValidHost('a-b.c1')).toBe(true);
    expect(isValidHost('192.0.2.1')).toBe(true);
    expect(isValidHost('[::1]')).toBe(true);
    expect(isValidHost('a..b')).toBe(false);
    expect(isValidHost('a-.b')).toBe(false);
    expect(isValidHost('1.2.3')).toBe(false);
    expect(isValidHost('::1')).toBe(false);
    expect(isValidHost('a_b.com')).toBe(false);
  });

  it('parse and format round-trip', () => {
    for (const text of [
      'sip:alice@atlanta.example.com',
      'sips:alice:pw@[2001:db8::1]:5061;transport=tls;lr;maddr=239.255.255.1?Subject=a%20b',
      'sip:atlanta.example.com;method=REGISTER?to=alice%40atlanta.example.com',
      'sip:%00@example.com',
      'tel:+1-201-555-0123;phone-context=example.com',
      'urn:service:sos',
      'http://www.example.com/a?b=c',
    ]) {
      const u = parseUri(text);
      expect(parseUri(formatUri(u)), text).toEqual(u);
    }
  });
});

describe('tel URIs (RFC 3966)', () => {
  it('the number is the user part, with parameters', () => {
    const u = sip('tel:+1-201-555-0123;ext=1234;phone-context=+1');
    expect([u.scheme, u.user, u.host, [...u.params]]).toEqual([
      'tel',
      '+1-201-555-0123',
      '',
      [
        ['ext', '1234'],
        ['phone-context', '+1'],
      ],
    ]);
    expect(sip('tel:7042;phone-context=example.com').user).toBe('7042');
    expect(() => parseUri('tel:+')).toThrow(SipParseError);
    expect(() => parseUri('tel:abc xyz')).toThrow(SipParseError);
  });
});

describe('other schemes', () => {
  it('are kept as written, scheme lower-cased', () => {
    expect(parseUri('URN:service:sos')).toEqual({ kind: 'absolute', scheme: 'urn', value: 'service:sos' });
    expect(formatUri(parseUri('mailto:alice@example.com'))).toBe('mailto:alice@example.com');
  });
});

describe('escaping (§25)', () => {
  it('unescape decodes UTF-8 octets and keeps invalid ones as Latin-1', () => {
    expect(unescapeUri('a%20b%C3%BC')).toBe('a bü');
    expect(unescapeUri('%FF')).toBe('\u00ff');
    expect(unescapeUri('plain')).toBe('plain');
  });

  it('escape leaves the allowed characters alone', () => {
    expect(escapeUri("a-b_c.d!e~f*g'h(i)j&k=l+m$n,o;p?q/r", USER)).toBe("a-b_c.d!e~f*g'h(i)j&k=l+m$n,o;p?q/r");
    expect(escapeUri('a b@c:d', USER)).toBe('a%20b%40c%3Ad');
    expect(escapeUri('😀', USER)).toBe('%F0%9F%98%80');
  });
});
