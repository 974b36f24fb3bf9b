import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { createResponse, parseDatagram, type SipMessage, type SipParseError, type SipRequest } from '../message/index.ts';
import { TcpTransport, type TcpTransportOptions } from './tcp-transport.ts';
import { requestText, sleep, tcpPeer, waitFor } from './test-helpers.ts';
import type { Source } from './types.ts';
import { responseDestination } from './via-handling.ts';

const open: TcpTransport[] = [];
const peers: { close(): void }[] = [];

async function server(opts: Partial<TcpTransportOptions> = {}) {
  const clock = new ManualClock();
  const t = new TcpTransport({ host: '127.0.0.1', port: 0, clock, ...opts });
  const messages: { m: SipMessage; s: Source }[] = [];
  const errors: { e: SipParseError; answered: boolean }[] = [];
  t.on('message', (m, s) => messages.push({ m, s }));
  t.on('parseError', (e, _s, answered) => errors.push({ e, answered }));
  await t.listen();
  open.push(t);
  return { t, clock, messages, errors };
}

async function peer(port: number) {
  const p = await tcpPeer(port);
  peers.push(p);
  return p;
}

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await Promise.all(open.splice(0).map((t) => t.close()));
});

const tcpVia = (i: number) => `SIP/2.0/TCP client.invalid:5090;rport;branch=z9hG4bKtcp${i}`;

describe('TCP transport on loopback (RFC 3261 §18.3, RFC 5626 §3.5.1)', () => {
  it('several messages in one segment are each framed by Content-Length', async () => {
    const { t, messages } = await server();
    const p = await peer(t.local.port);
    p.write(requestText('OPTIONS', { via: tcpVia(1) }) + requestText('MESSAGE', { via: tcpVia(2), body: 'hello', extra: ['Content-Type: text/plain'] }) + requestText('INFO', { via: tcpVia(3) }));
    await waitFor(() => messages.length === 3, 'three messages');
    expect(messages.map(({ m }) => (m as SipRequest).method)).toEqual(['OPTIONS', 'MESSAGE', 'INFO']);
    expect(messages[1]!.m.body.toString()).toBe('hello');
    expect(new Set(messages.map(({ s }) => s.connectionId)).size).toBe(1);
  });

  it('a message split over several segments is put back together', async () => {
    const { t, messages } = await server();
    const p = await peer(t.local.port);
    const text = requestText('MESSAGE', { via: tcpVia(4), body: 'split body', extra: ['Content-Type: text/plain'] });
    for (const part of [text.slice(0, 7), text.slice(7, 60), text.slice(60, text.length - 3), text.slice(text.length - 3)]) {
      p.write(part);
      await sleep(15);
      if (part !== text.slice(text.length - 3)) expect(messages).toEqual([]);
    }
    await waitFor(() => messages.length === 1, 'the message');
    expect(messages[0]!.m.body.toString()).toBe('split body');
  });

  it('a double-CRLF ping is answered with a single-CRLF pong', async () => {
    const { t, messages, errors } = await server();
    const p = await peer(t.local.port);
    p.write('\r\n\r\n');
    await waitFor(() => p.data() === '\r\n', 'pong');
    expect(messages).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the top Via gets received and rport, and the response goes back over the connection the request came on (§18.2.2)', async () => {
    const { t, messages } = await server();
    const p = await peer(t.local.port);
    p.write(requestText('OPTIONS', { via: tcpVia(5) }));
    await waitFor(() => messages.length === 1, 'request');
    const { m, s } = messages[0]!;
    const req = m as SipRequest;
    expect(req.topVia).toMatchObject({ received: '127.0.0.1', rport: p.socket.localPort });
    const dest = responseDestination(req.topVia!, s);
    // Nobody listens at client.invalid:5090: only the connection can carry the response.
    expect(dest).toMatchObject({ transport: 'tcp', connectionId: s.connectionId, port: 5090 });
    await t.send(createResponse(req, 200), dest);
    await waitFor(() => p.data().startsWith('SIP/2.0 200 OK\r\n'), 'response on the same connection');
    expect(t.connectionCount).toBe(1);
  });

  it('outbound requests to one host:port reuse one connection', async () => {
    const b = await server();
    const a = await server();
    const dest = { transport: 'tcp' as const, host: '127.0.0.1', port: b.t.local.port };
    const r1 = parseDatagram(Buffer.from(requestText('OPTIONS', { via: tcpVia(6) }))) as SipRequest;
    const r2 = parseDatagram(Buffer.from(requestText('OPTIONS', { via: tcpVia(7) }))) as SipRequest;
    await Promise.all([a.t.send(r1, dest), a.t.send(r2, dest)]);
    await waitFor(() => b.messages.length === 2, 'two requests');
    expect(a.t.connectionCount).toBe(1);
    expect(b.t.connectionCount).toBe(1);
    expect(b.messages[0]!.s.connectionId).toBe(b.messages[1]!.s.connectionId);
  });

  it('a request to a peer that connected to us goes over its connection', async () => {
    const { t } = await server();
    const p = await peer(t.local.port);
    await waitFor(() => t.connectionCount === 1, 'accepted');
    const req = parseDatagram(Buffer.from(requestText('OPTIONS', { via: tcpVia(8) }))) as SipRequest;
    await t.send(req, { transport: 'tcp', host: '127.0.0.1', port: p.socket.localPort! });
    await waitFor(() => p.data().startsWith('OPTIONS '), 'request on the inbound connection');
    expect(t.connectionCount).toBe(1);
  });

  it('an idle connection is closed after the timeout; one held by a transaction stays open until released', async () => {
    const { t, clock } = await server({ idleTimeoutMs: 10_000 });
    const p1 = await peer(t.local.port);
    const p2 = await peer(t.local.port);
    await waitFor(() => t.connectionCount === 2, 'two connections');
    const held = t.connections().find((c) => c.remotePort === p2.socket.localPort)!;
    const release = t.hold(held.id);
    clock.advance(9_999);
    await sleep(20);
    expect(p1.closed()).toBe(false);
    clock.advance(1);
    await waitFor(() => p1.closed(), 'idle connection closed');
    expect(p2.closed()).toBe(false);
    clock.advance(60_000);
    await sleep(20);
    expect(p2.closed()).toBe(false);
    release();
    clock.advance(10_000);
    await waitFor(() => p2.closed() && t.connectionCount === 0, 'released connection closed');
    expect(clock.pending).toBe(0);
  });

  it('traffic keeps a connection from idling out', async () => {
    const { t, clock } = await server({ idleTimeoutMs: 10_000 });
    const p = await peer(t.local.port);
    for (let i = 0; i < 3; i++) {
      clock.advance(6_000);
      p.write('\r\n\r\n');
      await waitFor(() => p.data().length === 2 * (i + 1), 'pong');
    }
    expect(p.closed()).toBe(false);
    clock.advance(10_000);
    await waitFor(() => p.closed(), 'closed once idle');
  });

  it('connections past the limit are refused', async () => {
    const { t } = await server({ maxConnections: 2 });
    await peer(t.local.port);
    await peer(t.local.port);
    const third = await peer(t.local.port);
    await waitFor(() => third.closed(), 'third refused');
    expect(t.connectionCount).toBe(2);
  });

  it('a malformed request gets "400 <reason>" and, its framing intact, the next message is read', async () => {
    const { t, messages, errors } = await server();
    const p = await peer(t.local.port);
    p.write(requestText('OPTIONS', { via: tcpVia(9), cseq: 'abc OPTIONS' }) + requestText('OPTIONS', { via: tcpVia(10) }));
    await waitFor(() => messages.length === 1 && p.data().includes('\r\n\r\n'), 'answer and next message');
    expect(p.data()).toMatch(/^SIP\/2\.0 400 Bad Request - Malformed CSeq\r\n/);
    expect(errors).toMatchObject([{ answered: true }]);
    expect(p.closed()).toBe(false);
  });

  it('a message over the buffer limit is answered (413) and the connection closed', async () => {
    const { t, errors } = await server({ limits: { maxMessageBytes: 4096 } });
    const p = await peer(t.local.port);
    p.write(requestText('MESSAGE', { via: tcpVia(11), contentLength: '100000', extra: ['Content-Type: text/plain'] }));
    await waitFor(() => p.closed(), 'closed');
    expect(p.data()).toMatch(/^SIP\/2\.0 413 Request Entity Too Large\r\n/);
    expect(errors).toMatchObject([{ answered: true }]);
    await waitFor(() => t.connectionCount === 0, 'forgotten');
  });

  it('a header section that never ends costs at most the buffer limit, then the connection is closed', async () => {
    const { t } = await server({ limits: { maxMessageBytes: 4096 } });
    const p = await peer(t.local.port);
    p.write('OPTIONS sip:x SIP/2.0\r\n');
    for (let i = 0; i < 100 && !p.closed(); i++) {
      p.write(`X-Filler-${i}: ${'y'.repeat(80)}\r\n`);
      await sleep(1);
    }
    await waitFor(() => p.closed(), 'closed');
    for (const c of t.connections()) expect(c.buffered).toBeLessThanOrEqual(4096);
  });

  it('garbage closes the connection without a crash, and new connections are still served', async () => {
    const { t, messages, errors } = await server();
    const bad = await peer(t.local.port);
    bad.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]));
    await waitFor(() => bad.closed(), 'garbage connection closed');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.answered).toBe(false);
    const good = await peer(t.local.port);
    good.write(requestText('OPTIONS', { via: tcpVia(12) }));
    await waitFor(() => messages.length === 1, 'good request');
  });

  it('a failed connect rejects the send with CONNECT_FAILED', async () => {
    const { t } = await server();
    const gone = await server();
    const port = gone.t.local.port;
    await gone.t.close();
    const req = parseDatagram(Buffer.from(requestText('OPTIONS', { via: tcpVia(13) }))) as SipRequest;
    await expect(t.send(req, { transport: 'tcp', host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    expect(t.connectionCount).toBe(0);
  });

  it('a connect that does not complete in time is abandoned (CONNECT_TIMEOUT)', async () => {
    const { t, clock } = await server({ connectTimeoutMs: 1_000 });
    const req = parseDatagram(Buffer.from(requestText('OPTIONS', { via: tcpVia(14) }))) as SipRequest;
    // 192.0.2.0/24 (TEST-NET-1) is not routed: the SYN goes nowhere (or fails at once without a route).
    const sent = t.send(req, { transport: 'tcp', host: '192.0.2.1', port: 5060 });
    clock.advance(1_000);
    await expect(sent).rejects.toMatchObject({ code: expect.stringMatching(/^CONNECT_(TIMEOUT|FAILED)$/) });
    expect(t.connectionCount).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
