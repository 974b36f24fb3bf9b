import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.ts';
import { H } from './header-forms.ts';
import { COMPACT_FORMS, displayName, headerKey } from './header-names.ts';
import { SipHeaders, splitList } from './headers.ts';

describe('header names (§7.3.3)', () => {
  it('compact forms are expanded', () => {
    const expected: Record<string, string> = {
      i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type', f: 'from',
      s: 'subject', k: 'supported', t: 'to', v: 'via', o: 'event', r: 'refer-to', b: 'referred-by',
      x: 'session-expires', u: 'allow-events', a: 'accept-contact', j: 'reject-contact',
      d: 'request-disposition', y: 'identity', n: 'identity-info',
    };
    expect(COMPACT_FORMS).toEqual(expected);
    for (const [short, long] of Object.entries(expected)) {
      expect(headerKey(short)).toBe(long);
      expect(headerKey(short.toUpperCase())).toBe(long);
    }
  });

  it('header names are case-insensitive and written in their canonical long form', () => {
    expect(headerKey('MaX-fOrWaRdS')).toBe('max-forwards');
    expect(displayName('call-id')).toBe('Call-ID');
    expect(displayName('I')).toBe('Call-ID');
    expect(displayName('cseq')).toBe('CSeq');
    expect(displayName('www-authenticate')).toBe('WWW-Authenticate');
    expect(displayName('X-Unknown-Thing')).toBe('X-Unknown-Thing');
  });
});

describe('comma-separated values (§7.3.1)', () => {
  it('list values are split at commas outside quoted strings and <URIs>', () => {
    expect(splitList('<sip:a@x;p=1,2>, "Smith, John" <sip:b@y>,sip:c@z')).toEqual([
      '<sip:a@x;p=1,2>',
      '"Smith, John" <sip:b@y>',
      'sip:c@z',
    ]);
    expect(splitList('"a \\", b" <sip:x@y>, <sip:z@w>')).toEqual(['"a \\", b" <sip:x@y>', '<sip:z@w>']);
    expect(splitList('INVITE,ACK ,  BYE')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(splitList('a,,b')).toEqual(['a', '', 'b']);
  });

  it('the authentication headers, Date and unknown headers are never split', () => {
    const h = new SipHeaders([
      ['WWW-Authenticate', 'Digest realm="a", nonce="b", algorithm=SHA-256, qop="auth"'],
      ['Authorization', 'Digest username="u", realm="a"'],
      ['Proxy-Authenticate', 'Digest realm="p", nonce="n"'],
      ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT'],
      ['X-Thing', 'a, b, c'],
      ['Allow', 'INVITE, ACK'],
      ['Allow', 'BYE'],
    ]);
    expect(h.values('www-authenticate')).toHaveLength(1);
    expect(h.values('authorization')).toHaveLength(1);
    expect(h.values('proxy-authenticate')).toHaveLength(1);
    expect(h.values('date')).toEqual(['Sat, 13 Nov 2010 23:29:00 GMT']);
    expect(h.values('x-thing')).toEqual(['a, b, c']);
    expect(h.values('allow')).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  it('a list header spread over lines or combined on one gives the same values', () => {
    const a = new SipHeaders([
      ['Route', '<sip:alice@atlanta.example.com>'],
      ['Subject', 'Lunch'],
      ['Route', '<sip:bob@biloxi.example.com>'],
      ['Route', '<sip:carol@chicago.example.com>'],
    ]);
    const b = new SipHeaders([['Route', '<sip:alice@atlanta.example.com>, <sip:bob@biloxi.example.com>, <sip:carol@chicago.example.com>']]);
    expect(a.all(H.route).map((r) => r.uri)).toEqual(b.all(H.route).map((r) => r.uri));
  });
});

describe('SipHeaders', () => {
  it('keeps fields in order with their original names and finds them in any case or form', () => {
    const h = new SipHeaders([
      ['v', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1'],
      ['VIA', 'SIP/2.0/UDP b.example.com;branch=z9hG4bK2'],
      ['f', '<sip:a@example.com>;tag=1'],
    ]);
    expect([...h].map((f) => f.name)).toEqual(['v', 'VIA', 'f']);
    expect(h.get('Via')).toBe('SIP/2.0/UDP a.example.com;branch=z9hG4bK1');
    expect(h.getAll('V')).toHaveLength(2);
    expect(h.count('via')).toBe(2);
    expect(h.has('From')).toBe(true);
    expect(h.entries()).toEqual([
      ['Via', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1'],
      ['Via', 'SIP/2.0/UDP b.example.com;branch=z9hG4bK2'],
      ['From', '<sip:a@example.com>;tag=1'],
    ]);
  });

  it('set replaces every line in place of the first; prepend puts a value on top; delete removes all', () => {
    const h = new SipHeaders([
      ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['To', '<sip:b@x>'],
      ['Via', 'SIP/2.0/UDP b;branch=z9hG4bK2'],
    ]);
    h.prepend('Via', 'SIP/2.0/TCP top;branch=z9hG4bK0');
    expect(h.all(H.via).map((v) => v.host)).toEqual(['top', 'a', 'b']);
    h.set('via', 'SIP/2.0/UDP only;branch=z9hG4bK9');
    expect([...h].map((f) => f.key)).toEqual(['via', 'to']);
    expect(h.all(H.via).map((v) => v.host)).toEqual(['only']);
    expect(h.delete('VIA')).toBe(true);
    expect(h.delete('via')).toBe(false);
    expect(h.size).toBe(1);
  });

  it('removeFirstValue takes the top value off a combined list', () => {
    const h = new SipHeaders([['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2']]);
    h.removeFirstValue('via');
    expect(h.get('via')).toBe('SIP/2.0/UDP b;branch=z9hG4bK2');
    h.removeFirstValue('via');
    expect(h.has('via')).toBe(false);
    expect(h.removeFirstValue('via')).toBe(false);
  });

  it('typed forms are parsed once, and again after a change', () => {
    const h = new SipHeaders([['CSeq', '1 INVITE']]);
    const first = h.one(H.cseq);
    expect(h.one(H.cseq)).toBe(first);
    h.set('CSeq', '2 INVITE');
    expect(h.one(H.cseq)).toEqual({ seq: 2, method: 'INVITE' });
  });

  it('a single-valued header given twice is refused when read', () => {
    const h = new SipHeaders([
      ['To', '<sip:a@x>'],
      ['t', '<sip:b@x>'],
    ]);
    expect(() => h.one(H.to)).toThrow(SipParseError);
    expect(() => h.one(H.to)).toThrow('Multiple To');
  });

  it('an empty element of a list header is malformed', () => {
    const h = new SipHeaders([['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1,,SIP/2.0/UDP b']]);
    expect(() => h.all(H.via)).toThrow('Malformed Via');
  });

  it('CR or LF in a value, or a non-token name, cannot be added', () => {
    const h = new SipHeaders();
    expect(() => h.append('X-A', 'a\r\nVia: SIP/2.0/UDP evil')).toThrow(TypeError);
    expect(() => h.append('X-A', 'a\nb')).toThrow(TypeError);
    expect(() => h.append('X A', 'b')).toThrow(TypeError);
    expect(() => h.append('X:A', 'b')).toThrow(TypeError);
    expect(h.append('X-A', '  padded \t').get('x-a')).toBe('padded');
  });

  it('clone is independent', () => {
    const h = new SipHeaders([['Subject', 'a']]);
    const c = h.clone();
    c.set('Subject', 'b');
    expect(h.get('subject')).toBe('a');
  });
  it('copyFrom copies every line of one header as it is, after the lines already there', () => {
    const src = new SipHeaders([
      ['v', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1'],
      ['Call-ID', 'abc'],
      ['Via', 'SIP/2.0/UDP b.example.com;branch=z9hG4bK2'],
    ]);
    const h = new SipHeaders([['Max-Forwards', '70']]);
    h.copyFrom(src, 'via').copyFrom(src, 'call-id').copyFrom(src, 'cseq');
    expect(h.entries()).toEqual([
      ['Max-Forwards', '70'],
      ['Via', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1'],
      ['Via', 'SIP/2.0/UDP b.example.com;branch=z9hG4bK2'],
      ['Call-ID', 'abc'],
    ]);
    expect(h.one(H.via)?.host).toBe('a.example.com');
    // The copy is its own collection: changing it leaves the source alone.
    h.removeFirstValue('via');
    expect(src.getAll('via')).toHaveLength(2);
  });
});
