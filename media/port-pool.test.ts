import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { MediaError } from './media-error.ts';
import { PortPool, type PortPair } from './port-pool.ts';
import { delay, socketFds } from './test-phone.ts';

// Ports below Linux's ephemeral range (32768+), apart from other test files' ranges.
const HOST = '127.0.0.1';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MediaError);
    return (e as MediaError).code;
  }
  return undefined;
}

function blocker(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, HOST, () => resolve(s));
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function track(pool: PortPool, pairs: PortPair[]): void {
  cleanups.push(async () => {
    await Promise.all(pairs.map((p) => pool.release(p)));
  });
}

describe('PortPool', () => {
  it('hands out bound even/odd pairs until the range is exhausted', async () => {
    const pool = new PortPool({ host: HOST, ports: [31001, 31010] });
    expect(pool.capacity).toBe(4);
    const pairs: PortPair[] = [];
    track(pool, pairs);
    for (let i = 0; i < 4; i++) pairs.push(await pool.allocate());
    expect(pairs.map((p) => [p.rtpPort, p.rtcpPort])).toEqual([
      [31002, 31003],
      [31004, 31005],
      [31006, 31007],
      [31008, 31009],
    ]);
    for (const p of pairs) {
      expect(p.rtp.address()).toMatchObject({ address: HOST, port: p.rtpPort });
      expect(p.rtcp.address()).toMatchObject({ address: HOST, port: p.rtcpPort });
      // Linux doubles the requested size for bookkeeping; the default is about 208 KiB.
      expect(p.rtp.getRecvBufferSize()).toBeGreaterThanOrEqual(256 * 1024);
    }
    expect({ inUse: pool.inUse, free: pool.free, sockets: pool.socketsOpen }).toEqual({ inUse: 4, free: 0, sockets: 8 });
    expect(await codeOf(pool.allocate())).toBe('MEDIA_PORTS_EXHAUSTED');
  });

  it('takes a pair back only once its sockets are closed, and reuses it', async () => {
    const pool = new PortPool({ host: HOST, ports: [31020, 31023] });
    const first = await pool.allocate();
    const second = await pool.allocate();
    const pairs = [second];
    track(pool, pairs);
    const released = pool.release(first);
    // Not free until the sockets have closed.
    expect(pool.free).toBe(0);
    expect(pool.release(first)).toBe(released);
    await released;
    expect({ inUse: pool.inUse, free: pool.free, sockets: pool.socketsOpen }).toEqual({ inUse: 1, free: 1, sockets: 2 });
    await pool.release(first); // already back: a no-op
    expect(pool.free).toBe(1);
    const again = await pool.allocate();
    pairs.push(again);
    expect(again.rtpPort).toBe(first.rtpPort);
    // The port really is bound again by the new socket.
    expect(again.rtp.address().port).toBe(31020);
  });

  it('reuses released pairs last (FIFO), so late packets of a call do not reach the next one', async () => {
    const pool = new PortPool({ host: HOST, ports: [31030, 31035] });
    const a = await pool.allocate();
    await pool.release(a);
    const b = await pool.allocate();
    const pairs = [b];
    track(pool, pairs);
    expect(b.rtpPort).toBe(31032);
  });

  it('skips a pair whose RTCP port another socket holds, and never hands it out half bound', async () => {
    const fds = socketFds();
    const other = await blocker(31041);
    const pool = new PortPool({ host: HOST, ports: [31040, 31043] });
    const pairs: PortPair[] = [];
    track(pool, pairs);
    pairs.push(await pool.allocate());
    expect(pairs[0]!.rtpPort).toBe(31042);
    expect(pool.bindFailures).toBe(1);
    // The RTP socket bound on 31040 before RTCP failed was closed again.
    expect(pool.socketsOpen).toBe(2);
    expect(await codeOf(pool.allocate())).toBe('MEDIA_PORTS_EXHAUSTED');
    expect(pool.free).toBe(1);
    await new Promise<void>((resolve) => other.close(() => resolve()));
    pairs.push(await pool.allocate());
    expect(pairs[1]!.rtpPort).toBe(31040);
    await Promise.all(pairs.splice(0).map((p) => pool.release(p)));
    await delay(5);
    expect(socketFds()).toBe(fds);
  });

  it('skips a pair whose RTP port is taken', async () => {
    const other = await blocker(31050);
    cleanups.push(() => new Promise((resolve) => other.close(() => resolve())));
    const pool = new PortPool({ host: HOST, ports: [31050, 31053] });
    const p = await pool.allocate();
    track(pool, [p]);
    expect(p.rtpPort).toBe(31052);
    expect(pool.socketsOpen).toBe(2);
  });

  it('allocates concurrently without handing out a pair twice', async () => {
    const pool = new PortPool({ host: HOST, ports: [31060, 31079] });
    const pairs = await Promise.all(Array.from({ length: 10 }, () => pool.allocate()));
    track(pool, pairs);
    expect(new Set(pairs.map((p) => p.rtpPort)).size).toBe(10);
    expect(await codeOf(pool.allocate())).toBe('MEDIA_PORTS_EXHAUSTED');
  });

  it('fails at once on a bind error no other port would avoid', async () => {
    // 192.0.2.1 (TEST-NET-1) is not an address of this machine: EADDRNOTAVAIL.
    const pool = new PortPool({ host: '192.0.2.1', ports: [31080, 31089] });
    expect(await codeOf(pool.allocate())).toBe('MEDIA_BIND_FAILED');
    expect(pool.free).toBe(5);
    expect(pool.socketsOpen).toBe(0);
  });

  it('refuses a host that is not an IP literal, a range without a pair, a pair it did not issue', async () => {
    expect(() => new PortPool({ host: 'localhost', ports: [31090, 31099] })).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_HOST' }));
    expect(() => new PortPool({ host: HOST, ports: [31091, 31092] })).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_RANGE' }));
    expect(() => new PortPool({ host: HOST, ports: [31100, 31090] })).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_RANGE' }));
    const one = new PortPool({ host: HOST, ports: [31092, 31093] });
    const two = new PortPool({ host: HOST, ports: [31094, 31095] });
    const p = await one.allocate();
    track(one, [p]);
    expect(await codeOf(two.release(p))).toBe('MEDIA_FOREIGN_PAIR');
  });

  describe('idle pairs kept bound for reuse', () => {
    function send(port: number, from: dgram.Socket): Promise<void> {
      return new Promise((resolve, reject) => from.send(Buffer.from('late'), port, HOST, (e) => (e ? reject(e) : resolve())));
    }

    it('keeps a released pair bound, and hands it out again only after reuseAfterMs of silence', async () => {
      const clock = new ManualClock(0);
      const pool = new PortPool({ host: HOST, ports: [31200, 31207], idlePairs: 2, reuseAfterMs: 500, clock });
      const first = await pool.allocate();
      const { rtp } = first;
      let oldCall = 0;
      rtp.on('message', () => oldCall++);
      await pool.release(first);
      expect({ inUse: pool.inUse, free: pool.free, sockets: pool.socketsOpen, idle: pool.socketsIdle }).toEqual({ inUse: 0, free: 4, sockets: 0, idle: 2 });
      // Still in quarantine: a fresh pair is bound from the ring instead.
      const second = await pool.allocate();
      expect(second.rtpPort).toBe(31202);
      clock.advance(500);
      const again = await pool.allocate();
      const pairs = [second, again];
      track(pool, pairs);
      expect(again.rtpPort).toBe(first.rtpPort);
      expect(again.rtp).toBe(rtp);
      expect(again).not.toBe(first);
      // The old call's listener is gone: a packet for the new call does not reach it.
      const peer = dgram.createSocket('udp4');
      cleanups.push(() => new Promise((resolve) => peer.close(() => resolve())));
      let newCall = 0;
      again.rtp.on('message', () => newCall++);
      await send(again.rtpPort, peer);
      await delay(20);
      expect({ oldCall, newCall }).toEqual({ oldCall: 0, newCall: 1 });
      // The finished call releasing its old pair again changes nothing for the new one.
      await pool.release(first);
      expect(pool.inUse).toBe(2);
      expect(again.rtp.address().port).toBe(31200);
    });

    it('does not hand out a pair that received packets since its release: it is closed, its ports go back', async () => {
      const clock = new ManualClock(0);
      const pool = new PortPool({ host: HOST, ports: [31210, 31213], idlePairs: 2, reuseAfterMs: 500, clock });
      const peer = dgram.createSocket('udp4');
      cleanups.push(() => new Promise((resolve) => peer.close(() => resolve())));
      await send(31299, peer);
      const fds = socketFds();
      const a = await pool.allocate();
      const b = await pool.allocate();
      track(pool, [b]);
      await pool.release(a);
      // A phone still streaming to the finished call.
      await send(a.rtpPort, peer);
      await delay(20);
      clock.advance(400);
      expect(await codeOf(pool.allocate())).toBe('MEDIA_PORTS_EXHAUSTED');
      await delay(20);
      // Closed rather than reused; its ports are in the ring again, bound afresh on the next allocate.
      expect({ idle: pool.socketsIdle, free: pool.free, fdsLeft: socketFds() - fds }).toEqual({ idle: 0, free: 1, fdsLeft: 2 });
      const c = await pool.allocate();
      track(pool, [c]);
      expect(c.rtpPort).toBe(31210);
      expect(c.rtp).not.toBe(a.rtp);
    });

    it('closes idle pairs beyond idlePairs, after idleCloseMs, and on close()', async () => {
      const clock = new ManualClock(0);
      const fds = socketFds();
      const pool = new PortPool({ host: HOST, ports: [31220, 31229], idlePairs: 2, idleCloseMs: 10_000, clock });
      const pairs = await Promise.all([pool.allocate(), pool.allocate(), pool.allocate()]);
      await Promise.all(pairs.map((p) => pool.release(p)));
      expect({ idle: pool.socketsIdle, open: pool.socketsOpen, fds: socketFds() - fds }).toEqual({ idle: 4, open: 0, fds: 4 });
      expect(clock.pending).toBe(1);
      clock.advance(10_000);
      // Both idle pairs were too old: closed by the pool's timer, which is then gone; p is bound afresh.
      expect({ idle: pool.socketsIdle, timers: clock.pending }).toEqual({ idle: 0, timers: 0 });
      const p = await pool.allocate();
      await delay(20);
      expect({ idle: pool.socketsIdle, fds: socketFds() - fds }).toEqual({ idle: 0, fds: 2 });
      await pool.release(p);
      expect({ idle: pool.socketsIdle, timers: clock.pending }).toEqual({ idle: 2, timers: 1 });
      await pool.close();
      expect(clock.pending).toBe(0);
      expect({ idle: pool.socketsIdle, open: pool.socketsOpen, fds: socketFds() - fds }).toEqual({ idle: 0, open: 0, fds: 0 });
      // After close() released pairs are closed, not kept.
      const q = await pool.allocate();
      await pool.release(q);
      expect({ idle: pool.socketsIdle, fds: socketFds() - fds }).toEqual({ idle: 0, fds: 0 });
    });

    it('hands out a quiet pair still in quarantine rather than refuse a call when the ring is empty', async () => {
      const clock = new ManualClock(0);
      const pool = new PortPool({ host: HOST, ports: [31230, 31233], idlePairs: 2, reuseAfterMs: 500, clock });
      const a = await pool.allocate();
      const b = await pool.allocate();
      await pool.release(a);
      const c = await pool.allocate();
      track(pool, [b, c]);
      expect(c.rtpPort).toBe(a.rtpPort);
    });
  });
});
