import { describe, expect, it } from 'vitest';
import { formatVia, isUnicastHost, parseVia } from './via.ts';

describe('Via (§20.42, RFC 3581)', () => {
  it('sent-protocol, sent-by and the well-known parameters are read', () => {
    const v = parseVia('SIP/2.0/udp pc33.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5070;ttl=16;maddr=224.2.0.1');
    expect(v).toMatchObject({
      protocolName: 'SIP',
      protocolVersion: '2.0',
      transport: 'UDP',
      host: 'pc33.example.com',
      port: 5066,
      branch: 'z9hG4bK776asdhds',
      received: '192.0.2.1',
      rport: 5070,
      ttl: 16,
      maddr: '224.2.0.1',
    });
  });

  it('rport is a flag or a number', () => {
    expect(parseVia('SIP/2.0/UDP a.example.com;rport;branch=z9hG4bK1').rport).toBe(true);
    expect(parseVia('SIP/2.0/UDP a.example.com;branch=z9hG4bK1').rport).toBeUndefined();
    expect(() => parseVia('SIP/2.0/UDP a.example.com;rport=70000')).toThrow('Malformed Via');
  });

  it('IPv6 sent-by and received, bracketed or not', () => {
    const v = parseVia('SIP/2.0/TCP [2001:db8::9:1]:5060;received=2001:db8::9:255;branch=z9hG4bK1');
    expect([v.host, v.port, v.received]).toEqual(['[2001:db8::9:1]', 5060, '2001:db8::9:255']);
    expect(parseVia('SIP/2.0/TCP [2001:db8::1];received=[2001:db8::2]').received).toBe('[2001:db8::2]');
  });

  it('LWS is allowed around the slashes, the colon and the parameters', () => {
    const v = parseVia('SIP / 2.0 / TLS   host.example.com : 5061 ; branch = z9hG4bKx');
    expect([v.transport, v.host, v.port, v.branch]).toEqual(['TLS', 'host.example.com', 5061, 'z9hG4bKx']);
  });

  it('malformed values are refused', () => {
    for (const bad of [
      'SIP/2.0/UDP',
      'SIP/2.0 host',
      'SIP/2.0/UDPhost',
      'SIP/2.0/UDP host:',
      'SIP/2.0/UDP host:99999',
      'SIP/2.0/UDP host;;',
      'SIP/2.0/UDP host;branch',
      'SIP/2.0/UDP host;branch=a:b',
      'SIP/2.0/UDP host;received=example.com',
      'SIP/2.0/UDP host;ttl=256',
      'SIP/2.0/UDP host junk',
      'SIP/2.0/UDP bad_host',
    ]) {
      expect(() => parseVia(bad), bad).toThrow('Malformed Via');
    }
  });

  it('formatting writes a via-parm that parses back', () => {
    const text = formatVia({ transport: 'tcp', host: '[::1]', port: 5060, params: new Map([['branch', 'z9hG4bKa'], ['rport', null]]) });
    expect(text).toBe('SIP/2.0/TCP [::1]:5060;branch=z9hG4bKa;rport');
    expect(parseVia(text)).toMatchObject({ transport: 'TCP', host: '[::1]', port: 5060, rport: true });
  });

  it('broadcast, unspecified and multicast addresses are no unicast hosts', () => {
    for (const h of ['255.255.255.255', '0.0.0.0', '224.0.0.1', '239.1.2.3', '[ff02::1]', '[::]']) expect(isUnicastHost(h), h).toBe(false);
    for (const h of ['192.0.2.1', '[2001:db8::1]', 'example.com']) expect(isUnicastHost(h), h).toBe(true);
  });
});
