// The traffic side of relay-bench.ts, run as its own process so the relay's CPU figure is the
// relay's alone. Two "phones" per session, each a UDP socket sending 172-byte RTP packets at a
// fixed rate to its leg of the relay and counting what arrives from the other phone.
//
// Protocol (IPC with the parent): {start} → binds sockets → {ready, phones} → {go} → sends for the
// duration → {sent} → {report} (once the relay has gone quiet) → {done, …}.
import dgram from 'node:dgram';
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { ipLiteralLookup } from './ip-literal-lookup.ts';

export interface GeneratorStart {
  readonly type: 'start';
  readonly host: string;
  /** Relay RTP ports per session: leg a, leg b. */
  readonly targets: readonly { readonly a: number; readonly b: number }[];
  readonly pps: number;
  readonly seconds: number;
  readonly packetBytes: number;
}

export type GeneratorReply =
  | { type: 'ready'; phones: { a: number; b: number }[] }
  | { type: 'sent' }
  | {
      type: 'done';
      sent: number;
      received: number;
      /** Packets whose SSRC was not the other phone's: the relay crossed calls. */
      misrouted: number;
      /** Packets whose bytes differ from what the other phone sent. */
      corrupted: number;
      minPerStream: number;
      maxPerStream: number;
      /** Milliseconds the generator's timer fell behind schedule at worst. */
      maxLagMs: number;
      cpuPercent: number;
    };

interface Stream {
  readonly socket: Socket;
  readonly ssrc: number;
  /** The SSRC this phone expects to hear: its peer's. */
  readonly peerSsrc: number;
  readonly target: number;
  seq: number;
  sent: number;
  received: number;
}

const send = (m: GeneratorReply) => process.send?.(m);

async function bindPhone(host: string): Promise<Socket> {
  const s = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', lookup: ipLiteralLookup });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, host, () => {
      s.off('error', reject);
      resolve();
    });
  });
  s.setRecvBufferSize(1 << 20);
  s.setSendBufferSize(1 << 20);
  return s;
}

async function run(start: GeneratorStart): Promise<void> {
  const streams: Stream[] = [];
  let misrouted = 0;
  let corrupted = 0;
  for (let i = 0; i < start.targets.length; i++) {
    const t = start.targets[i]!;
    const ssrcA = 2 * i + 1;
    const ssrcB = 2 * i + 2;
    streams.push({ socket: await bindPhone(start.host), ssrc: ssrcA, peerSsrc: ssrcB, target: t.a, seq: 0, sent: 0, received: 0 });
    streams.push({ socket: await bindPhone(start.host), ssrc: ssrcB, peerSsrc: ssrcA, target: t.b, seq: 0, sent: 0, received: 0 });
  }
  for (const s of streams) {
    s.socket.on('message', (msg) => {
      s.received++;
      if (msg.length !== start.packetBytes || msg.readUInt32BE(8) !== s.peerSsrc) misrouted++;
      else if (msg[12] !== (msg[3]! & 0xff) || msg[start.packetBytes - 1] !== (s.peerSsrc & 0xff)) corrupted++;
    });
  }
  const phones: { a: number; b: number }[] = [];
  for (let i = 0; i < streams.length; i += 2) phones.push({ a: streams[i]!.socket.address().port, b: streams[i + 1]!.socket.address().port });
  send({ type: 'ready', phones });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));

  // Streams are spread over the packet interval in 1 ms buckets, as independent phones would be.
  const intervalMs = 1000 / start.pps;
  const buckets = Math.max(1, Math.floor(intervalMs));
  const byBucket: Stream[][] = Array.from({ length: buckets }, () => []);
  streams.forEach((s, k) => byBucket[k % buckets]!.push(s));
  const total = Math.round(start.seconds * start.pps);
  const ticks = new Array<number>(buckets).fill(0);
  const template = Buffer.alloc(start.packetBytes, 0xd5);
  template[0] = 0x80;
  template[1] = 0; // PCMU

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let maxLagMs = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now() - t0;
      let finished = 0;
      for (let p = 0; p < buckets; p++) {
        const offset = (p * intervalMs) / buckets;
        const due = now < offset ? 0 : Math.min(total, Math.floor((now - offset) / intervalMs) + 1);
        while (ticks[p]! < due) {
          maxLagMs = Math.max(maxLagMs, now - (ticks[p]! * intervalMs + offset));
          for (const s of byBucket[p]!) {
            const b = Buffer.allocUnsafe(start.packetBytes);
            template.copy(b);
            const seq = s.seq++ & 0xffff;
            b.writeUInt16BE(seq, 2);
            b.writeUInt32BE((seq * 160) >>> 0, 4);
            b.writeUInt32BE(s.ssrc, 8);
            // Bytes the receiver checks: the first payload byte echoes the sequence number,
            // the last one the SSRC.
            b[12] = seq & 0xff;
            b[start.packetBytes - 1] = s.ssrc & 0xff;
            s.socket.send(b, s.target, start.host);
            s.sent++;
          }
          ticks[p]!++;
        }
        if (ticks[p] === total) finished++;
      }
      if (finished === buckets) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  send({ type: 'sent' });
  // The parent asks for the report once the relay has forwarded its last packet; a short pause
  // lets this side read what is still in its own socket buffers.
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  await new Promise((r) => setTimeout(r, 200));

  const per = streams.map((s) => s.received);
  send({
    type: 'done',
    sent: streams.reduce((n, s) => n + s.sent, 0),
    received: streams.reduce((n, s) => n + s.received, 0),
    misrouted,
    corrupted,
    minPerStream: Math.min(...per),
    maxPerStream: Math.max(...per),
    maxLagMs: Math.round(maxLagMs),
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100,
  });
  await Promise.all(streams.map((s) => new Promise<void>((r) => s.socket.close(() => r()))));
  process.disconnect?.();
}

process.once('message', (m: GeneratorStart) => {
  run(m).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
