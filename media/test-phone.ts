// Test helpers: a "phone" is a UDP socket on loopback that records what it receives, and RTP/RTCP
// packets are built by hand. Used by the relay tests and the bench generator's checks.
import dgram from 'node:dgram';
import { readdirSync, readlinkSync } from 'node:fs';
import type { RemoteInfo, Socket } from 'node:dgram';

export interface Received {
  readonly msg: Buffer;
  readonly from: RemoteInfo;
}

export class TestPhone {
  readonly socket: Socket;
  readonly received: Received[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('message', (msg, from) => {
      this.received.push({ msg, from });
      this.#waiters = this.#waiters.filter((w) => {
        if (this.received.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
  }

  static async open(address = '127.0.0.1', port = 0): Promise<TestPhone> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new TestPhone(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get address(): string {
    return this.socket.address().address;
  }

  send(msg: Buffer, port: number, address = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(msg, port, address, (err) => (err ? reject(err) : resolve())));
  }

  /** Resolves once `count` packets in all have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 2000): Promise<Received[]> {
    if (this.received.length >= count) return Promise.resolve(this.received);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} packets, got ${this.received.length}`)), timeoutMs);
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.received);
        },
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** An RTP packet (RFC 3550 §5.1): version 2, no padding/extension/CSRC, then `payload` bytes. */
export function rtpPacket(seq: number, ssrc: number, options: { pt?: number; timestamp?: number; payload?: number; fill?: number } = {}): Buffer {
  const payload = options.payload ?? 160;
  const b = Buffer.alloc(12 + payload, options.fill ?? 0xd5);
  b[0] = 0x80;
  b[1] = (options.pt ?? 0) & 0x7f;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((options.timestamp ?? seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

/** A minimal RTCP receiver report (RFC 3550 §6.4.2) with no report blocks: 8 bytes. */
export function rtcpReceiverReport(ssrc: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}

/** A sender report (RFC 3550 §6.4.1) without report blocks: 28 bytes. */
export function rtcpSenderReport(ssrc: number): Buffer {
  const b = Buffer.alloc(28, 0x11);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** UDP sockets alive in this process, from Node's own resource list. */
export function udpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
}

/** Socket file descriptors of this process (Linux /proc): what the open-file limit counts. */
export function socketFds(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // The fd closed between listing and reading: not ours to count.
    }
  }
  return n;
}
