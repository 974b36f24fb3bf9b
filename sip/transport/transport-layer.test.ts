import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { createRequest, type SipMessage, type SipRequest } from '../message/index.ts';
import { TcpTransport } from './tcp-transport.ts';
import { waitFor } from './test-helpers.ts';
import { TransportLayer } from './transport-layer.ts';
import type { Source } from './types.ts';
import { UdpTransport } from './udp-transport.ts';

const layers: TransportLayer[] = [];

async function node(opts: { switchLargeRequestsToTcp?: boolean; advertise?: string } = {}) {
  const clock = new ManualClock();
  const advertise = opts.advertise ? { host: opts.advertise } : undefined;
  const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock, advertise });
  const tcp = new TcpTransport({ host: '127.0.0.1', port: 0, clock, advertise });
  const layer = new TransportLayer({ transports: [udp, tcp], switchLargeRequestsToTcp: opts.switchLargeRequestsToTcp });
  const received: { m: SipMessage; s: Source }[] = [];
  layer.onMessage((m, s) => received.push({ m, s }));
  await layer.start();
  layers.push(layer);
  return { layer, udp, tcp, received, clock };
}

afterEach(async () => {
  await Promise.all(layers.splice(0).map((l) => l.stop()));
});

function options(body = ''): SipRequest {
  return createRequest({
    method: 'OPTIONS',
    uri: 'sip:bob@127.0.0.1',
    from: '<sip:alice@example.com>;tag=a1',
    to: '<sip:bob@example.com>',
    cseq: 1,
    ...(body ? { body, contentType: 'text/plain' } : {}),
  });
}

describe('transport layer (§18.1.1)', () => {
  it('prepareRequest writes our sent-by, the transport, a fresh branch and rport, and pins the transport', async () => {
    const { layer, udp, tcp } = await node();
    const r1 = options();
    const d1 = layer.prepareRequest(r1, { transport: 'udp', host: '127.0.0.1', port: 5060 });
    expect(r1.topVia).toMatchObject({ transport: 'UDP', host: '127.0.0.1', port: udp.local.port, rport: true });
    expect(d1.transportId).toBe(udp.id);
    const r2 = options();
    const d2 = layer.prepareRequest(r2, { transport: 'tcp', host: '127.0.0.1', port: 5060 });
    expect(r2.topVia).toMatchObject({ transport: 'TCP', port: tcp.local.port });
    expect(d2.transportId).toBe(tcp.id);
    expect(r1.topVia!.branch).not.toBe(r2.topVia!.branch);
  });

  it('an advertised address goes in Via sent-by instead of the bound one', async () => {
    const { layer, udp } = await node({ advertise: '203.0.113.5' });
    const r = options();
    layer.prepareRequest(r, { transport: 'udp', host: '127.0.0.1', port: 5060 });
    expect(r.topVia).toMatchObject({ host: '203.0.113.5', port: udp.local.port });
  });

  it('a request and its response cross the loopback over UDP and over TCP', async () => {
    const a = await node();
    const b = await node();
    for (const [transport, port] of [
      ['udp', b.udp.local.port],
      ['tcp', b.tcp.local.port],
    ] as const) {
      const req = options();
      const dest = a.layer.prepareRequest(req, { transport, host: '127.0.0.1', port });
      await a.layer.send(req, dest);
      await waitFor(() => b.received.length === 1, `${transport} request`);
      const { m, s } = b.received.pop()!;
      const { createResponse } = await import('../message/index.ts');
      await b.layer.send(createResponse(m as SipRequest, 200, undefined, { toTag: 'x' }), b.layer.responseDestination(m as SipRequest, s));
      await waitFor(() => a.received.length === 1, `${transport} response`);
      expect(a.received.pop()!.s.transport).toBe(transport);
    }
  });

  it('with switchLargeRequestsToTcp, a request over 1300 bytes bound for UDP goes over TCP, the Via saying so', async () => {
    const { layer, tcp } = await node({ switchLargeRequestsToTcp: true });
    const big = options('x'.repeat(1_400));
    const d = layer.prepareRequest(big, { transport: 'udp', host: '127.0.0.1', port: 5060 });
    expect(d).toMatchObject({ transport: 'tcp', transportId: tcp.id });
    expect(big.topVia!.transport).toBe('TCP');
    const small = options('x');
    expect(layer.prepareRequest(small, { transport: 'udp', host: '127.0.0.1', port: 5060 }).transport).toBe('udp');
  });

  it('by default a large request stays on UDP (see NOTES.md)', async () => {
    const { layer } = await node();
    const big = options('x'.repeat(1_400));
    expect(layer.prepareRequest(big, { transport: 'udp', host: '127.0.0.1', port: 5060 }).transport).toBe('udp');
  });

  it('a destination no transport can reach fails the send with NO_TRANSPORT', async () => {
    const clock = new ManualClock();
    const layer = new TransportLayer({ transports: [new UdpTransport({ host: '127.0.0.1', port: 0, clock })] });
    await layer.start();
    layers.push(layer);
    const r = options();
    const d = layer.prepareRequest(r, { transport: 'tcp', host: '127.0.0.1', port: 5060 });
    await expect(layer.send(r, d)).rejects.toMatchObject({ code: 'NO_TRANSPORT' });
  });
});
