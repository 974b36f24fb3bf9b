// The relay over real loopback UDP: two test phones talk through a session.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { MediaError } from './media-error.ts';
import { PortPool } from './port-pool.ts';
import { RelaySession, type MediaTimeoutEvent, type RelaySessionOptions } from './relay-session.ts';
import { TestPhone, delay, rtcpReceiverReport, rtcpSenderReport, rtpPacket, socketFds, udpHandles } from './test-phone.ts';

const HOST = '127.0.0.1';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function phone(address = HOST): Promise<TestPhone> {
  const p = await TestPhone.open(address);
  open.push(p);
  return p;
}

let nextRange = 31200;
function pool(pairs = 4): PortPool {
  const lo = nextRange;
  nextRange += pairs * 2;
  return new PortPool({ host: HOST, ports: [lo, lo + pairs * 2 - 1] });
}

async function session(p: PortPool, options: Partial<RelaySessionOptions> = {}): Promise<RelaySession> {
  const s = await RelaySession.open(p, { id: 'dlg-1', ...options });
  open.push(s);
  return s;
}

/** A session with phones A and B whose SDP tells the truth about their ports. */
async function call(options: Partial<RelaySessionOptions> = {}) {
  const s = await session(pool(), options);
  const a = await phone();
  const b = await phone();
  s.setRemote('a', { address: HOST, rtpPort: a.port });
  s.setRemote('b', { address: HOST, rtpPort: b.port });
  return { s, a, b, la: s.local('a'), lb: s.local('b') };
}

/** Polls until `cond` holds: for packets whose arrival nothing else signals. */
async function until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await delay(2);
  }
}

describe('RelaySession', () => {
  it('relays RTP both ways, unchanged, out of the other leg’s socket', async () => {
    const { s, a, b, la, lb } = await call();
    const fromA = [1, 2, 3].map((i) => rtpPacket(i, 0xaaaa, { fill: i }));
    const fromB = [1, 2].map((i) => rtpPacket(100 + i, 0xbbbb, { pt: 8, fill: 0x40 + i }));
    for (const m of fromA) await a.send(m, la.rtpPort);
    for (const m of fromB) await b.send(m, lb.rtpPort);
    await b.waitFor(3);
    await a.waitFor(2);
    expect(b.received.map((r) => r.msg)).toEqual(fromA);
    expect(a.received.map((r) => r.msg)).toEqual(fromB);
    // Each phone hears the relay from the port it sends to: symmetric RTP on our side too.
    expect(b.received[0]!.from.port).toBe(lb.rtpPort);
    expect(a.received[0]!.from.port).toBe(la.rtpPort);
    const st = s.stats();
    expect(st.aToB).toMatchObject({ packets: 3, forwarded: 3, bytes: 3 * 172, dropped: 0, expected: 3, lost: 0 });
    expect(st.bToA).toMatchObject({ packets: 2, forwarded: 2, bytes: 2 * 172, dropped: 0 });
    expect(st.aToB.lastSeenAt).toBeTypeOf('number');
  });

  it('latches to the port packets really come from, not the one SDP named', async () => {
    const s = await session(pool());
    const a = await phone();
    const b = await phone();
    const sdpPortOfA = await phone(); // where A's SDP says it listens (a NAT would hide the real one)
    s.setRemote('a', { address: HOST, rtpPort: sdpPortOfA.port });
    s.setRemote('b', { address: HOST, rtpPort: b.port });
    const la = s.local('a');
    const lb = s.local('b');

    // Before A has sent anything, B's media goes where A's SDP says.
    await b.send(rtpPacket(1, 0xb), lb.rtpPort);
    await sdpPortOfA.waitFor(1);

    // A sends from another port: the relay latches it, and B's media follows.
    await a.send(rtpPacket(1, 0xa), la.rtpPort);
    await b.waitFor(1);
    await b.send(rtpPacket(2, 0xb), lb.rtpPort);
    await a.waitFor(1);
    expect(a.received[0]!.msg.readUInt16BE(2)).toBe(2);
    expect(sdpPortOfA.received).toHaveLength(1);
    expect(s.stats().a.latched.rtp).toEqual({ address: HOST, port: a.port });
    expect(s.stats().a.relatches).toBe(1);
  });

  it('relays RTCP between the +1 ports and latches it separately', async () => {
    const { s, la, lb } = await call();
    expect([la.rtcpPort, lb.rtcpPort]).toEqual([la.rtpPort + 1, lb.rtpPort + 1]);
    const aRtcp = await phone();
    const bRtcp = await phone();
    const sr = rtcpSenderReport(0xaaaa);
    const rr = rtcpReceiverReport(0xbbbb);
    await aRtcp.send(sr, la.rtcpPort);
    await bRtcp.send(rr, lb.rtcpPort);
    // A's SDP implied RTCP on its RTP port + 1; B's report goes to where A's RTCP came from.
    await aRtcp.waitFor(1);
    expect(aRtcp.received[0]!.msg).toEqual(rr);
    expect(aRtcp.received[0]!.from.port).toBe(la.rtcpPort);
    // A's report went to B's SDP RTCP port (b.port + 1) before B's RTCP latched: nobody there.
    await aRtcp.send(sr, la.rtcpPort);
    await bRtcp.waitFor(1);
    expect(bRtcp.received[0]!.msg).toEqual(sr);
    const st = s.stats();
    expect(st.aToB).toMatchObject({ rtcpPackets: 2, rtcpForwarded: 2, rtcpBytes: 56, packets: 0 });
    expect(st.bToA).toMatchObject({ rtcpPackets: 1, rtcpForwarded: 1, rtcpBytes: 8 });
    expect(st.b.latched.rtcp).toEqual({ address: HOST, port: bRtcp.port });
  });

  it('passes RTCP multiplexed on the RTP port (RFC 5761) through the RTP sockets', async () => {
    const { s, a, b, la } = await call();
    await a.send(rtpPacket(1, 0xa), la.rtpPort);
    await a.send(rtcpReceiverReport(0xa), la.rtpPort);
    await b.waitFor(2);
    expect(b.received[1]!.msg).toEqual(rtcpReceiverReport(0xa));
    expect(s.stats().aToB).toMatchObject({ packets: 1, rtcpPackets: 1, malformed: 0 });
  });

  it('drops and counts garbage, foreign sources and packets before the SDP', async () => {
    const s = await session(pool());
    const a = await phone();
    const b = await phone();
    const stranger = await phone();
    const la = s.local('a');
    await a.send(rtpPacket(1, 0xa), la.rtpPort); // before setRemote('a'): unarmed
    await until(() => s.stats().aToB.unarmed === 1);
    s.setRemote('a', { address: HOST, rtpPort: a.port });
    s.setRemote('b', { address: HOST, rtpPort: b.port });
    await a.send(Buffer.from('hello world, not RTP'), la.rtpPort); // version 1
    await a.send(Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), la.rtpPort); // 11 bytes
    await a.send(Buffer.from([0x80, 0]), la.rtcpPort); // 2-byte RTCP
    await a.send(rtpPacket(2, 0xa), la.rtpPort);
    await stranger.send(rtpPacket(99, 0x5), la.rtpPort);
    await a.send(rtpPacket(3, 0xa), la.rtpPort);
    await b.waitFor(2);
    await delay(30);
    expect(b.received.map((r) => r.msg.readUInt16BE(2))).toEqual([2, 3]);
    expect(s.stats().aToB).toMatchObject({ packets: 2, forwarded: 2, malformed: 3, foreign: 1, unarmed: 1, dropped: 5 });
  });

  it('counts packets it has nowhere to send yet', async () => {
    const s = await session(pool());
    const a = await phone();
    s.setRemote('a', { address: HOST, rtpPort: a.port });
    await a.send(rtpPacket(1, 0xa), s.local('a').rtpPort);
    await until(() => s.stats().aToB.packets === 1);
    expect(s.stats().aToB).toMatchObject({ packets: 1, forwarded: 0, noDestination: 1 });
  });

  it('estimates loss from sequence numbers', async () => {
    const { s, a, b, la } = await call();
    for (const seq of [10, 11, 13, 14, 17]) await a.send(rtpPacket(seq, 0xa), la.rtpPort);
    await b.waitFor(5);
    expect(s.stats().aToB).toMatchObject({ packets: 5, expected: 8, lost: 3 });
  });

  it('re-latches after a re-INVITE to a new source with a new SSRC, not before', async () => {
    const clock = new ManualClock(1_000_000);
    const { s, a, b, la } = await call({ clock });
    const a2 = await phone(); // the same party's new device (or a media server after a transfer)
    await a.send(rtpPacket(1, 0xa), la.rtpPort);
    await b.waitFor(1);
    await a2.send(rtpPacket(500, 0xa2), la.rtpPort);
    await until(() => s.stats().aToB.foreign === 1);
    // The re-INVITE names the same address and port (say, the device sits behind the same NAT).
    s.setRemote('a', { address: HOST, rtpPort: a.port });
    clock.advance(100);
    await a2.send(rtpPacket(501, 0xa2), la.rtpPort);
    await b.waitFor(2);
    expect(s.stats().a.latched.rtp).toEqual({ address: HOST, port: a2.port });
    await b.send(rtpPacket(1, 0xb), s.local('b').rtpPort);
    await a2.waitFor(1);
    expect(a.received).toHaveLength(0);
    expect(s.stats().a.relatches).toBe(2);
  });

  it('in sdp-address mode ignores sources on other hosts', async () => {
    const s = await session(pool(), { latchMode: 'sdp-address' });
    const elsewhere = await phone('127.0.0.2');
    const a = await phone();
    const b = await phone();
    s.setRemote('a', { address: HOST, rtpPort: 4000 });
    s.setRemote('b', { address: HOST, rtpPort: b.port });
    await elsewhere.send(rtpPacket(1, 0xe), s.local('a').rtpPort);
    await a.send(rtpPacket(1, 0xa), s.local('a').rtpPort);
    await b.waitFor(1);
    expect(b.received[0]!.msg.readUInt32BE(8)).toBe(0xa);
    expect(s.stats().aToB.foreign).toBe(1);
  });

  it('reports a media timeout through the injected clock, once', async () => {
    const clock = new ManualClock(0);
    const events: MediaTimeoutEvent[] = [];
    const { s, a, b, la } = await call({ clock, mediaTimeoutMs: 60_000, onTimeout: (e) => events.push(e) });
    clock.advance(120_000); // ringing: not watched yet
    expect(events).toHaveLength(0);
    s.startMediaTimer();
    clock.advance(30_000);
    await a.send(rtpPacket(1, 0xa), la.rtpPort);
    await b.waitFor(1);
    clock.advance(59_999); // 60 s after the packet, not after the start
    expect(events).toHaveLength(0);
    clock.advance(1);
    expect(events).toEqual([{ id: 'dlg-1', idleMs: 60_000, onHold: false }]);
    clock.advance(600_000);
    expect(events).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('uses the hold timeout while on hold (none by default)', async () => {
    const clock = new ManualClock(0);
    const events: MediaTimeoutEvent[] = [];
    const { s } = await call({ clock, mediaTimeoutMs: 10_000, onTimeout: (e) => events.push(e) });
    s.startMediaTimer();
    clock.advance(5_000);
    s.setOnHold(true);
    clock.advance(3_600_000);
    expect(events).toHaveLength(0);
    s.setOnHold(false);
    clock.advance(9_999);
    expect(events).toHaveLength(0);
    clock.advance(1);
    expect(events).toHaveLength(1);

    const held: MediaTimeoutEvent[] = [];
    const t = await call({ clock, mediaTimeoutMs: 10_000, holdTimeoutMs: 30_000, onTimeout: (e) => held.push(e) });
    t.s.startMediaTimer();
    t.s.setOnHold(true);
    clock.advance(30_000);
    expect(held).toEqual([{ id: 'dlg-1', idleMs: 30_000, onHold: true }]);
  });

  it('refuses remotes it cannot send to, and use after close', async () => {
    const s = await session(pool());
    const codeOf = (f: () => void) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(MediaError);
        return (e as MediaError).code;
      }
      return undefined;
    };
    expect(codeOf(() => s.setRemote('a', { address: '2001:db8::1', rtpPort: 4000 }))).toBe('MEDIA_BAD_REMOTE');
    expect(codeOf(() => s.setRemote('a', { address: 'phone.example.com', rtpPort: 4000 }))).toBe('MEDIA_BAD_REMOTE');
    expect(codeOf(() => s.setRemote('a', { address: HOST, rtpPort: 0 }))).toBe('MEDIA_BAD_REMOTE');
    expect(codeOf(() => s.setRemote('a', { address: HOST, rtpPort: 65535 }))).toBe('MEDIA_BAD_REMOTE'); // RTCP would be 65536
    // An RFC 2543 hold address arms without a destination.
    expect(codeOf(() => s.setRemote('a', { address: '0.0.0.0', rtpPort: 4000 }))).toBeUndefined();
    expect(s.stats().a.remote).toBeUndefined();
    await s.close();
    expect(codeOf(() => s.setRemote('a', { address: HOST, rtpPort: 4000 }))).toBe('MEDIA_SESSION_CLOSED');
  });

  it('close() frees all four sockets and both pairs, idempotently; 200 cycles leave nothing behind', async () => {
    await delay(20);
    const fds = socketFds();
    const handles = udpHandles();
    const p = pool(4);
    const closedSeen: string[] = [];
    for (let i = 0; i < 200; i++) {
      const s = await RelaySession.open(p, { id: `c${i}`, onClosed: (x) => closedSeen.push(x.id) });
      expect(p.socketsOpen).toBe(4);
      if (i % 50 === 0) {
        s.setRemote('a', { address: HOST, rtpPort: 4000 });
        s.startMediaTimer();
      }
      const first = s.close();
      expect(s.close()).toBe(first);
      await first;
      expect(s.closed).toBe(true);
    }
    expect(closedSeen).toHaveLength(200);
    expect({ free: p.free, inUse: p.inUse, sockets: p.socketsOpen }).toEqual({ free: 4, inUse: 0, sockets: 0 });
    await delay(20);
    expect(socketFds()).toBe(fds);
    expect(udpHandles()).toBe(handles);
  });

  it('gives back the first pair when the second cannot be had', async () => {
    const p = pool(3);
    const s1 = await session(p);
    expect(p.free).toBe(1);
    await expect(RelaySession.open(p, { id: 'x' })).rejects.toMatchObject({ code: 'MEDIA_PORTS_EXHAUSTED' });
    expect(p.free).toBe(1);
    expect(p.socketsOpen).toBe(4);
    await s1.close();
  });

  it('inject() sends our own packet to a side\'s phone from that side\'s RTP socket, following the latch; none without a destination', async () => {
    const s = await session(pool());
    const a = await phone();
    const sdpOfA = await phone();
    const dtmf = rtpPacket(7, 0xd7, { pt: 101 });
    expect(s.inject('a', dtmf)).toBe(false); // no SDP yet
    s.setRemote('a', { address: HOST, rtpPort: sdpOfA.port });
    expect(s.inject('a', dtmf)).toBe(true);
    await sdpOfA.waitFor(1);
    expect(sdpOfA.received[0]!.msg).toEqual(dtmf);
    expect(sdpOfA.received[0]!.from.port).toBe(s.local('a').rtpPort);
    // A's RTP comes from elsewhere: injected packets follow the latch like relayed ones.
    await a.send(rtpPacket(1, 0xa), s.local('a').rtpPort);
    await until(() => s.stats().a.latched.rtp !== undefined);
    expect(s.inject('a', dtmf)).toBe(true);
    await a.waitFor(1);
    expect(a.received[0]!.msg).toEqual(dtmf);
    // Injected packets are not relayed traffic.
    expect(s.stats().bToA).toMatchObject({ packets: 0, forwarded: 0 });
    await s.close();
    expect(s.inject('a', dtmf)).toBe(false);
  });
});
