// The transaction layer on the real transports, over loopback UDP and TCP: 1,000 client
// transactions (and as many server ones) run to completion, then ManualClock time passes and
// nothing may remain: no transaction, no timer, no connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { createRequest, type SipRequest, type SipResponse } from '../message/index.ts';
import { TcpTransport } from '../transport/tcp-transport.ts';
import { waitFor } from '../transport/test-helpers.ts';
import { TransportLayer } from '../transport/transport-layer.ts';
import type { Destination, TransportProtocol } from '../transport/types.ts';
import { UdpTransport } from '../transport/udp-transport.ts';
import { TransactionLayer } from './transaction-layer.ts';

const clock = new ManualClock(1_000_000);

async function node(onRequest: ConstructorParameters<typeof TransactionLayer>[0]['user']['onRequest']) {
  const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock });
  const tcp = new TcpTransport({ host: '127.0.0.1', port: 0, clock, idleTimeoutMs: 60_000 });
  const transport = new TransportLayer({ transports: [udp, tcp] });
  await transport.start();
  const acks: SipRequest[] = [];
  const tx = new TransactionLayer({ transport, clock, user: { onRequest, onAck: (a) => acks.push(a) } });
  return { udp, tcp, transport, tx, acks };
}

let uas: Awaited<ReturnType<typeof node>>;
let uac: Awaited<ReturnType<typeof node>>;

beforeAll(async () => {
  uas = await node((tx) => {
    if (tx.method === 'INVITE') tx.reply(200, undefined, { body: 'v=0\r\n', contentType: 'application/sdp' });
    else tx.reply(200);
  });
  uac = await node((tx) => tx.reply(501));
});

afterAll(async () => {
  uac.tx.close();
  uas.tx.close();
  await Promise.all([uac.transport.stop(), uas.transport.stop()]);
});

function request(method: string, extra: Partial<Parameters<typeof createRequest>[0]> = {}): SipRequest {
  return createRequest({ method, uri: 'sip:bob@127.0.0.1', from: '<sip:alice@example.com>;tag=a', to: '<sip:bob@example.com>', cseq: 1, ...extra });
}

/** Sends a request in a client transaction; resolves with its final response. */
function transact(req: SipRequest, dest: Destination, onFinal?: (r: SipResponse) => void): Promise<SipResponse> {
  return new Promise((resolve) => {
    uac.tx.sendRequest(req, dest, {
      onResponse: (r) => {
        if (r.status < 200) return;
        onFinal?.(r);
        resolve(r);
      },
    });
  });
}

async function call(dest: Destination): Promise<number[]> {
  const ok = await transact(request('INVITE', { body: 'v=0\r\n', contentType: 'application/sdp' }), dest);
  const from = ok.headers.get('from')!;
  const to = ok.headers.get('to')!;
  const callId = ok.callId!;
  await uac.tx.sendAck(createRequest({ method: 'ACK', uri: 'sip:bob@127.0.0.1', from, to, callId, cseq: 1 }), dest);
  const bye = await transact(request('BYE', { from, to, callId, cseq: 2 }), dest);
  return [ok.status, bye.status];
}

describe('1,000 transactions over loopback UDP and TCP (real sockets, ManualClock)', () => {
  it('all complete, and afterwards no transaction, timer or connection is left', async () => {
    const statuses: number[] = [];
    for (const transport of ['udp', 'tcp'] as TransportProtocol[]) {
      const port = transport === 'udp' ? uas.udp.local.port : uas.tcp.local.port;
      const dest: Destination = { transport, host: '127.0.0.1', port };
      // 250 OPTIONS and 125 calls (INVITE, then BYE) per transport: 500 client transactions each.
      for (let batch = 0; batch < 25; batch++) {
        const work: Promise<unknown>[] = [];
        for (let i = 0; i < 10; i++) work.push(transact(request('OPTIONS'), dest).then((r) => statuses.push(r.status)));
        for (let i = 0; i < 5; i++) work.push(call(dest).then((s) => statuses.push(...s)));
        await Promise.all(work);
      }
    }
    expect(statuses).toHaveLength(1_000);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await waitFor(() => uas.acks.length === 250, 'every ACK');
    expect(uas.tx.counts().retransmitting2xx).toBe(0);
    // One TCP connection carried everything, in both directions.
    expect(uac.transport.connectionCount).toBe(1);
    expect(uas.transport.connectionCount).toBe(1);

    // Timers J, K, D, L, M and the rest run out; then the TCP connection idles out.
    clock.advance(64 * 500);
    expect(uac.tx.size()).toBe(0);
    expect(uas.tx.size()).toBe(0);
    clock.advance(60_000);
    await waitFor(() => uac.transport.connectionCount === 0 && uas.transport.connectionCount === 0, 'connections closed');
    await waitFor(() => clock.pending === 0, 'no timer left');
  });
});
