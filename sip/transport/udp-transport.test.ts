import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { createResponse, parseDatagram, type SipMessage, type SipParseError, type SipRequest, type SipResponse } from '../message/index.ts';
import { requestText, udpPeer, waitFor } from './test-helpers.ts';
import { TransportLayer } from './transport-layer.ts';
import type { Source } from './types.ts';
import { UdpTransport } from './udp-transport.ts';

describe('UDP transport on loopback (RFC 3261 §18)', () => {
  let udp: UdpTransport;
  let layer: TransportLayer;
  let peer: Awaited<ReturnType<typeof udpPeer>>;
  const messages: { m: SipMessage; s: Source }[] = [];
  const errors: { e: SipParseError; answered: boolean }[] = [];

  beforeEach(async () => {
    messages.length = 0;
    errors.length = 0;
    udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock: new ManualClock() });
    layer = new TransportLayer({ transports: [udp] });
    layer.onMessage((m, s) => messages.push({ m, s }));
    layer.onParseError((e, _s, answered) => errors.push({ e, answered }));
    await layer.start();
    peer = await udpPeer();
  });

  afterEach(async () => {
    peer.close();
    await layer.stop();
  });

  it('fills in rport and received on the top Via, and the response goes to the source address and port', async () => {
    peer.send(requestText('OPTIONS'), udp.local.port);
    await waitFor(() => messages.length === 1, 'request');
    const { m, s } = messages[0]!;
    expect(s).toMatchObject({ transport: 'udp', host: '127.0.0.1', port: peer.port, transportId: udp.id });
    const req = m as SipRequest;
    // Sent-by says client.invalid:5060; the packet came from 127.0.0.1:<ephemeral>.
    expect(req.topVia).toMatchObject({ host: 'client.invalid', port: 5060, rport: peer.port, received: '127.0.0.1' });
    const dest = layer.responseDestination(req, s);
    expect(dest).toEqual({ transport: 'udp', host: '127.0.0.1', port: peer.port, transportId: udp.id });
    await layer.send(createResponse(req, 200), dest);
    await waitFor(() => peer.received.length === 1, 'response');
    const res = parseDatagram(Buffer.from(peer.received[0]!)) as SipResponse;
    expect(res.status).toBe(200);
    expect(res.topVia).toMatchObject({ rport: peer.port, received: '127.0.0.1' });
  });

  it('a malformed request that can be answered gets "400 <reason>" from the partial message, sent to the source', async () => {
    peer.send(requestText('OPTIONS', { cseq: 'abc OPTIONS' }), udp.local.port);
    await waitFor(() => peer.received.length === 1, '400');
    expect(peer.received[0]).toMatch(/^SIP\/2\.0 400 Bad Request - Malformed CSeq\r\n/);
    // Built from what was read: the malformed CSeq goes back as it came, To gets a tag.
    expect(peer.received[0]).toContain('\r\nCSeq: abc OPTIONS\r\n');
    expect(peer.received[0]).toMatch(/\r\nTo: <sip:bob@example\.com>;tag=\w+\r\n/);
    expect(errors).toMatchObject([{ answered: true }]);
    expect(messages).toEqual([]);
  });

  it('a request failing validation (no Max-Forwards, CSeq method mismatch) is answered 400 too', async () => {
    peer.send(requestText('OPTIONS', { omit: ['Max-Forwards'] }), udp.local.port);
    peer.send(requestText('OPTIONS', { cseq: '1 INVITE' }), udp.local.port);
    await waitFor(() => peer.received.length === 2, 'two 400s');
    expect(peer.received.map((r) => r.split('\r\n')[0]).sort()).toEqual([
      'SIP/2.0 400 Bad Request - CSeq Method Mismatch',
      'SIP/2.0 400 Bad Request - Missing Max-Forwards',
    ]);
  });

  it('garbage is dropped without a crash, and the transport goes on working', async () => {
    peer.send(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a]), udp.local.port);
    peer.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n', udp.local.port);
    peer.send('INVITE sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n', udp.local.port);
    // An ACK is never answered, however malformed (§17.1.1.3).
    peer.send(requestText('ACK', { cseq: 'x ACK' }), udp.local.port);
    // Responses are never answered either.
    peer.send('SIP/2.0 200 OK\r\nVia: bad via\r\n\r\n', udp.local.port);
    await waitFor(() => errors.length === 5, 'five parse errors');
    expect(errors.every((e) => !e.answered)).toBe(true);
    peer.send(requestText('OPTIONS'), udp.local.port);
    await waitFor(() => messages.length === 1, 'a good request after the garbage');
    expect(peer.received).toEqual([]);
  });

  it('a CRLF keep-alive datagram is neither a message nor an error', async () => {
    peer.send('\r\n\r\n', udp.local.port);
    peer.send(requestText('OPTIONS'), udp.local.port);
    await waitFor(() => messages.length === 1, 'request');
    expect(errors).toEqual([]);
  });

  it('a response whose top Via sent-by is not ours is dropped (§18.1.2)', async () => {
    const ours = requestText('OPTIONS', { via: `SIP/2.0/UDP ${udp.sentBy.host}:${udp.sentBy.port};branch=z9hG4bKours` });
    const theirs = requestText('OPTIONS', { via: 'SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKtheirs' });
    const asResponse = (text: string) => {
      const req = parseDatagram(Buffer.from(text)) as SipRequest;
      const res = createResponse(req, 200, undefined, { toTag: 't' });
      return res;
    };
    const { serialize } = await import('../message/index.ts');
    peer.send(serialize(asResponse(theirs)), udp.local.port);
    peer.send(serialize(asResponse(ours)), udp.local.port);
    await waitFor(() => messages.length === 1, 'our response');
    expect((messages[0]!.m as SipResponse).topVia!.branch).toBe('z9hG4bKours');
  });

  it('a message too large for a datagram is refused by send', async () => {
    const req = parseDatagram(Buffer.from(requestText('MESSAGE'))) as SipRequest;
    req.body = Buffer.alloc(70_000, 0x61);
    req.headers.append('Content-Type', 'text/plain');
    await expect(udp.send(req, { transport: 'udp', host: '127.0.0.1', port: peer.port })).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
  });

  it('sends to an IP literal as it is, and to a host name through dns.lookup', async () => {
    const req = parseDatagram(Buffer.from(requestText('OPTIONS'))) as SipRequest;
    await udp.send(req, { transport: 'udp', host: '127.0.0.1', port: peer.port });
    await udp.send(req, { transport: 'udp', host: 'localhost', port: peer.port });
    await waitFor(() => peer.received.length === 2, 'both datagrams');
    // A name that does not resolve is a failed send, not a thrown error.
    await expect(udp.send(req, { transport: 'udp', host: 'no-such-host.invalid', port: peer.port })).rejects.toBeDefined();
  });

  it('send to a closed transport rejects, never throws', async () => {
    await udp.close();
    const req = parseDatagram(Buffer.from(requestText('OPTIONS'))) as SipRequest;
    await expect(udp.send(req, { transport: 'udp', host: '127.0.0.1', port: peer.port })).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
