import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.ts';
import { formatNameAddr, parseContact, parseNameAddr, withParam } from './name-addr.ts';
import type { SipUri } from './uri.ts';

describe('name-addr and addr-spec (§20.10, §25)', () => {
  it('a quoted display name is unquoted and its quoted-pairs decoded', () => {
    const na = parseNameAddr('"Alice \\"A\\" Smith" <sip:alice@example.com>;tag=88sja8x', 'From');
    expect(na.displayName).toBe('Alice "A" Smith');
    expect(na.tag).toBe('88sja8x');
  });

  it('a display name of tokens is kept with its spacing', () => {
    expect(parseNameAddr('Alice  Smith <sip:alice@example.com>', 'To').displayName).toBe('Alice  Smith');
    expect(parseNameAddr('<sip:alice@example.com>', 'To').displayName).toBeUndefined();
    expect(parseNameAddr('"" <sip:alice@example.com>', 'To').displayName).toBe('');
  });

  it('parameters after an addr-spec belong to the header, not the URI', () => {
    const na = parseNameAddr('sip:bob@example.com;tag=x;transport=udp', 'To');
    expect([...na.params]).toEqual([
      ['tag', 'x'],
      ['transport', 'udp'],
    ]);
    expect((na.uri as SipUri).params.size).toBe(0);
  });

  it('an addr-spec holding "?" or "," must be in angle brackets', () => {
    expect(() => parseNameAddr('sip:bob@example.com?Subject=x', 'To')).toThrow(SipParseError);
    expect(parseNameAddr('<sip:bob@example.com?Subject=x>', 'To').uri).toMatchObject({ headers: [['Subject', 'x']] });
  });

  it('Route takes the name-addr form only', () => {
    expect(() => parseNameAddr('sip:p1.example.com;lr', 'Route', false)).toThrow('Malformed Route');
    expect(parseNameAddr('<sip:p1.example.com;lr>', 'Route', false).uri).toMatchObject({ host: 'p1.example.com' });
  });

  it('malformed values are refused with the header named', () => {
    for (const bad of [
      '',
      '"unterminated <sip:a@b>',
      'Bob sip:a@b',
      '<sip:a@b',
      '< sip:a@b>',
      '<sip:a@b >',
      '<sip:a@b>;',
      '<sip:a@b>;tag',
      '<sip:a@b>;tag="quoted"',
      '<sip:a@b> junk',
      'Bell, Alexander <sip:a@b>',
      '"a" "b" <sip:a@b>',
    ]) {
      expect(() => parseNameAddr(bad, 'From'), bad).toThrow('Malformed From');
    }
  });

  it('parameters allow LWS around ; and =, and quoted values', () => {
    const na = parseNameAddr('<sip:a@b> ;  foo = "bar; baz" ; flag', 'Contact');
    expect([...na.params]).toEqual([
      ['foo', '"bar; baz"'],
      ['flag', null],
    ]);
  });

  it('formatting quotes the display name and keeps parameters', () => {
    const na = parseNameAddr('Bob <sip:bob@example.com>;tag=1', 'To');
    expect(formatNameAddr(na)).toBe('"Bob" <sip:bob@example.com>;tag=1');
    expect(formatNameAddr({ displayName: 'A "q" \\', uri: na.uri })).toBe('"A \\"q\\" \\\\" <sip:bob@example.com>');
    expect(parseNameAddr(formatNameAddr({ displayName: 'A "q" \\', uri: na.uri }), 'To').displayName).toBe('A "q" \\');
  });

  it('withParam sets the tag', () => {
    const na = withParam(parseNameAddr('<sip:bob@example.com>', 'To'), 'tag', 'abc');
    expect(na.tag).toBe('abc');
    expect(formatNameAddr(na)).toBe('<sip:bob@example.com>;tag=abc');
  });
});

describe('Contact (§20.10)', () => {
  it('expires and q are read', () => {
    const c = parseContact('<sip:a@b>;expires=3600;q=0.7');
    expect(c).toMatchObject({ expires: 3600, q: 0.7 });
  });

  it('the wildcard is recognized', () => {
    expect(parseContact('*')).toBe('*');
  });

  it('expires beyond 2^32-1 and q outside 0..1 are malformed', () => {
    expect(parseContact('<sip:a@b>;expires=4294967295')).toMatchObject({ expires: 4294967295 });
    expect(() => parseContact('<sip:a@b>;expires=4294967296')).toThrow('Malformed Contact');
    expect(() => parseContact('<sip:a@b>;expires')).toThrow('Malformed Contact');
    expect(() => parseContact('<sip:a@b>;q=1.5')).toThrow('Malformed Contact');
    expect(() => parseContact('<sip:a@b>;q=0.1234')).toThrow('Malformed Contact');
    expect(parseContact('<sip:a@b>;q=1.000')).toMatchObject({ q: 1 });
  });
});
