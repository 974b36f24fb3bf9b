import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
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
});
