import { describe, expect, it } from 'vitest';
import { parseDatagram, parseVia, type SipRequest } from '../message/index.ts';
import type { Source } from './types.ts';
import { isIPv4 } from 'node:net';
import { addTopVia, hostForVia, isDottedQuad, normalizeHost, responseDestination, sentByIsOurs, stampReceived } from './via-handling.ts';

function request(via: string): SipRequest {
  return parseDatagram(
    Buffer.from(
      [
        'OPTIONS sip:bob@192.0.2.1 SIP/2.0',
        `Via: ${via}`,
        'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKsecond',
        'Max-Forwards: 70',
        'To: <sip:bob@example.com>',
        'From: <sip:alice@example.com>;tag=1',
        'Call-ID: c1',
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  ) as SipRequest;
}

const src: Source = { transport: 'udp', host: '198.51.100.7', port: 40123, transportId: 'udp0' };

describe('server-side Via handling (§18.2.1, RFC 3581 §4)', () => {
  it('the stamped top Via reads exactly as the stamped line parses, whatever was read before', () => {
    for (const [via, source] of [
      ['SIP/2.0/UDP 198.51.100.7:5060;rport;branch=z9hG4bK1', src],
      ['SIP/2.0/UDP phone.example.com;branch=z9hG4bK1;received=10.9.9.9;ttl=3', src],
      ['SIP/2.0/udp 10.1.1.1:5062;branch=z9hG4bK1;rport, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKmid', src],
      ['SIP/2.0/UDP [2001:db8::1]:5060;rport;branch=z9hG4bK1', { ...src, host: '2001:db8::9' }],
    ] as const) {
      const req = request(via);
      const before = req.via.length;
      expect(stampReceived(req, source)).toBe(true);
      expect(req.via.length).toBe(before);
      expect(req.via).toEqual(req.headers.values('via').map((v) => parseVia(v)));
    }
  });

  it('isDottedQuad accepts exactly what net.isIPv4 accepts', () => {
    for (const h of ['127.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.4.', '10.0.0.010', '1.2.3.a', '::1', '', 'example.com']) {
      expect(isDottedQuad(h), h).toBe(isIPv4(h));
    }
  });

  it('"received" is added when sent-by is a host name', () => {
    const req = request('SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1');
    expect(stampReceived(req, src)).toBe(true);
    expect(req.topVia).toMatchObject({ host: 'phone.example.com', port: 5060, received: '198.51.100.7', rport: undefined });
    // The other Via values stay as they were.
    expect(req.via[1]!.branch).toBe('z9hG4bKsecond');
  });

  it('"received" is added when sent-by is an address other than the packet\'s source', () => {
    const req = request('SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK1');
    stampReceived(req, src);
    expect(req.topVia!.received).toBe('198.51.100.7');
  });

  it('nothing changes when sent-by is the source address and there is no rport', () => {
    const req = request('SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK1');
    expect(stampReceived(req, src)).toBe(false);
    expect(req.topVia!.received).toBeUndefined();
  });

  it('an empty rport gets the source port, and received is added even when it equals sent-by', () => {
    const req = request('SIP/2.0/UDP 198.51.100.7:5060;rport;branch=z9hG4bK1');
    stampReceived(req, src);
    expect(req.topVia).toMatchObject({ rport: 40123, received: '198.51.100.7', branch: 'z9hG4bK1' });
    expect(req.headers.get('via')).toBe('SIP/2.0/UDP 198.51.100.7:5060;rport=40123;branch=z9hG4bK1;received=198.51.100.7');
  });

  it('a received the client wrote itself is replaced with the real source', () => {
    const req = request('SIP/2.0/UDP 10.1.1.1:5060;branch=z9hG4bK1;received=203.0.113.66');
    stampReceived(req, src);
    expect(req.topVia!.received).toBe('198.51.100.7');
  });

  it('IPv6: sent-by in brackets compares with the bare source; received is written bare', () => {
    const v6: Source = { ...src, host: '2001:db8::7' };
    const same = request('SIP/2.0/UDP [2001:DB8:0::7]:5060;branch=z9hG4bK1');
    expect(stampReceived(same, v6)).toBe(false);
    const other = request('SIP/2.0/UDP [2001:db8::8]:5060;rport;branch=z9hG4bK1');
    stampReceived(other, v6);
    expect(other.topVia).toMatchObject({ received: '2001:db8::7', rport: 40123 });
  });
});

describe('response routing (§18.2.2, RFC 3581 §4)', () => {
  it('reliable transport: the connection of the request, else received at the sent-by port', () => {
    const via = parseVia('SIP/2.0/TCP phone.example.com:5070;branch=z9hG4bK1;received=198.51.100.7');
    expect(responseDestination(via, { ...src, transport: 'tcp', connectionId: 'c9' })).toEqual({
      transport: 'tcp',
      transportId: 'udp0',
      host: '198.51.100.7',
      port: 5070,
      connectionId: 'c9',
    });
  });

  it('unreliable with maddr: to maddr at the sent-by port', () => {
    const via = parseVia('SIP/2.0/UDP a.example.com;branch=z9hG4bK1;maddr=239.1.1.1;received=198.51.100.7');
    expect(responseDestination(via, src)).toMatchObject({ host: '239.1.1.1', port: 5060 });
  });

  it('unreliable with rport filled in: to the source address and port', () => {
    const via = parseVia('SIP/2.0/UDP 10.1.1.1:5060;rport=40123;received=198.51.100.7;branch=z9hG4bK1');
    expect(responseDestination(via, src)).toEqual({ transport: 'udp', transportId: 'udp0', host: '198.51.100.7', port: 40123 });
  });

  it('unreliable with received: to that address at the sent-by port (5060 when none)', () => {
    expect(responseDestination(parseVia('SIP/2.0/UDP a.example.com;received=198.51.100.7'), src)).toMatchObject({ host: '198.51.100.7', port: 5060 });
    expect(responseDestination(parseVia('SIP/2.0/UDP a.example.com:5080;received=198.51.100.7'), src)).toMatchObject({ port: 5080 });
  });

  it('unreliable otherwise: to sent-by', () => {
    expect(responseDestination(parseVia('SIP/2.0/UDP [2001:db8::1]:5062'), src)).toMatchObject({ host: '2001:db8::1', port: 5062 });
  });
});

describe('client-side Via (§18.1.1, RFC 3581 §3)', () => {
  it('the top Via has our sent-by, the transport, a fresh RFC 3261 branch and an empty rport', () => {
    const req = request('SIP/2.0/UDP 10.0.0.9;branch=z9hG4bKold');
    const branch = addTopVia(req, { transport: 'tcp', sentBy: { host: '2001:db8::5', port: 5070 } });
    expect(branch).toMatch(/^z9hG4bK.{8,}/);
    expect(req.topVia).toMatchObject({ transport: 'TCP', host: '[2001:db8::5]', port: 5070, branch, rport: true });
    expect(req.via).toHaveLength(3);
    const again = addTopVia(req, { transport: 'udp', sentBy: { host: '192.0.2.1', port: 5060 } });
    expect(again).not.toBe(branch);
  });

  it('§18.1.2: a response is ours when its top Via sent-by is one we insert', () => {
    const ours = [{ host: '192.0.2.1', port: 5060 }];
    expect(sentByIsOurs(parseVia('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1'), ours)).toBe(true);
    expect(sentByIsOurs(parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1'), ours)).toBe(true);
    expect(sentByIsOurs(parseVia('SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK1'), ours)).toBe(false);
  });

  it('hosts are normalized: case, brackets, IPv4-mapped IPv6', () => {
    expect(normalizeHost('[2001:DB8:0:0::1]')).toBe('2001:db8::1');
    expect(normalizeHost('::ffff:192.0.2.4')).toBe('192.0.2.4');
    expect(normalizeHost('Phone.Example.COM')).toBe('phone.example.com');
    expect(hostForVia('2001:db8::1')).toBe('[2001:db8::1]');
  });
});
