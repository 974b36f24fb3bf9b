import { describe, expect, it } from 'vitest';
import { parseUri } from '../message/index.ts';
import { urisEquivalent } from './uri-equivalence.ts';

const eq = (a: string, b: string): boolean => urisEquivalent(parseUri(a), parseUri(b));

describe('urisEquivalent (RFC 3261 §19.1.4)', () => {
  it.each([
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'],
    ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
    ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
  ])('%s is equivalent to %s', (a, b) => {
    expect(eq(a, b)).toBe(true);
    expect(eq(b, a)).toBe(true);
  });

  it.each([
    // userinfo compares case-sensitively
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    // an explicit port differs from none, even the default one
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    // transport, user, ttl, method, maddr: present in one means present and equal in both
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:bob@biloxi.com;maddr=239.255.255.1', 'sip:bob@biloxi.com'],
    // headers are never ignored
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    // names are not resolved
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    // a parameter present in both must match
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'],
    ['sip:alice@atlanta.com', 'sips:alice@atlanta.com'],
  ])('%s is not equivalent to %s', (a, b) => {
    expect(eq(a, b)).toBe(false);
    expect(eq(b, a)).toBe(false);
  });

  it('compares URIs of other schemes as written', () => {
    expect(eq('mailto:alice@example.com', 'mailto:alice@example.com')).toBe(true);
    expect(eq('mailto:alice@example.com', 'mailto:bob@example.com')).toBe(false);
    expect(eq('mailto:alice@example.com', 'sip:alice@example.com')).toBe(false);
  });
});
