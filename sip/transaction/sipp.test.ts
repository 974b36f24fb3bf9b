// Interop: SIPp's built-in UAC scenario (INVITE, 200 with SDP, ACK, BYE, 200) against a tiny UAS on
// this transaction layer over loopback UDP. Skipped when sipp (Debian package sip-tester) is missing.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportLayer } from '../transport/transport-layer.ts';
import { UdpTransport } from '../transport/udp-transport.ts';
import { TransactionLayer } from './transaction-layer.ts';

const hasSipp = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;
if (!hasSipp) console.warn('sipp not found: skipping the SIPp interop test (apt-get install -y sip-tester)');

const CALLS = 20;
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

/** A UDP port free right now, for sipp's own socket. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe.skipIf(!hasSipp)('SIPp uac scenario against a UAS on the transaction layer (UDP loopback)', () => {
  let transport: TransportLayer;
  let layer: TransactionLayer;
  let udp: UdpTransport;
  const counts = { invite: 0, ack: 0, bye: 0 };

  beforeAll(async () => {
    udp = new UdpTransport({ host: '127.0.0.1', port: 0 });
    transport = new TransportLayer({ transports: [udp] });
    await transport.start();
    layer = new TransactionLayer({
      transport,
      user: {
        onRequest: (tx) => {
          if (tx.method === 'INVITE') {
            counts.invite++;
            tx.reply(200, undefined, {
              body: SDP,
              contentType: 'application/sdp',
              headers: [['Contact', `<sip:uas@127.0.0.1:${udp.local.port}>`]],
            });
          } else {
            if (tx.method === 'BYE') counts.bye++;
            tx.reply(200);
          }
        },
        onAck: () => counts.ack++,
      },
    });
  });

  afterAll(async () => {
    layer?.close();
    await transport?.stop();
  });

  it(`${CALLS} calls complete with 0 failed calls`, async () => {
    const port = await freeUdpPort();
    const { code, out } = await run(
      'sipp',
      ['-sn', 'uac', `127.0.0.1:${udp.local.port}`, '-i', '127.0.0.1', '-p', String(port), '-m', String(CALLS), '-r', '20', '-timeout', '20', '-timeout_error', '-nostdin'],
      25_000,
    );
    const successful = /Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out)?.[1];
    const failed = /Failed call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(out)?.[1];
    expect({ code, successful, failed }, out).toEqual({ code: 0, successful: String(CALLS), failed: '0' });
    expect(counts).toEqual({ invite: CALLS, ack: CALLS, bye: CALLS });
    // Every 2xx was acknowledged: nothing is being retransmitted.
    expect(layer.counts().retransmitting2xx).toBe(0);
  }, 30_000);
});
