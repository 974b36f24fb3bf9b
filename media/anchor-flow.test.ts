// The pieces together, as the B2BUA will use them: A's offer is filtered, anchored on leg b and
// stamped for B; B's answer the same way back; then the phones talk to the addresses the
// rewritten SDP gave them and hear each other.
import { afterEach, describe, expect, it } from 'vitest';
import { MediaManager } from './media-manager.ts';
import { filterCodecs, firstActiveAudio, mediaTarget, parseSdp, rewriteSdp, serializeSdp, SessionVersion, type Sdp } from './sdp/index.ts';
import { TestPhone, rtpPacket } from './test-phone.ts';

const HOST = '127.0.0.1';
const toClose: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(toClose.splice(0).map((c) => c.close()));
});

const offerFrom = (port: number) =>
  [
    'v=0',
    'o=alice 1 1 IN IP4 10.1.1.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 96 0 8 101`,
    'a=rtpmap:96 opus/48000/2',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'm=video 9000 RTP/AVP 97',
    'a=rtpmap:97 H264/90000',
  ].join('\r\n') + '\r\n';

describe('anchoring a call end to end', () => {
  it('offer and answer are rewritten to the relay, and media flows through it', async () => {
    const media = new MediaManager({ host: HOST, ports: [31700, 31799] });
    toClose.push({ close: () => media.closeAll() });
    const phoneA = await TestPhone.open();
    const phoneB = await TestPhone.open();
    toClose.push(phoneA, phoneB);
    const legA = new SessionVersion({ username: 'callctl' });
    const legB = new SessionVersion({ username: 'callctl' });
    const session = await media.createSession('dlg-42');

    /** What the B2BUA does with a description from `from`, for the phone on the other leg. */
    const relayOffer = (sdp: Sdp, from: 'a' | 'b', stamp: SessionVersion): string => {
      const filtered = filterCodecs(sdp);
      const i = firstActiveAudio(filtered);
      const target = mediaTarget(filtered, i)!;
      session.setRemote(from, target);
      const other = session.local(from === 'a' ? 'b' : 'a');
      const ports = filtered.media.map((_, k) => (k === i ? { rtp: other.rtpPort, rtcp: other.rtcpPort } : null));
      return serializeSdp(stamp.stamp(rewriteSdp(filtered, { address: media.address, ports })));
    };

    const toB = parseSdp(relayOffer(parseSdp(offerFrom(phoneA.port)), 'a', legB));
    expect(toB.media.map((m) => [m.port, m.formats])).toEqual([
      [session.local('b').rtpPort, ['0', '8', '101']],
      [0, ['97']],
    ]);
    expect(toB.origin).toMatchObject({ username: 'callctl', sessionVersion: 1n, address: HOST });

    const answer = parseSdp(serializeSdp({ ...toB, origin: { ...toB.origin, username: 'bob' } }).replace(`m=audio ${toB.media[0]!.port}`, `m=audio ${phoneB.port}`));
    const toA = parseSdp(relayOffer(answer, 'b', legA));
    const aTarget = mediaTarget(toA, 0)!;
    const bTarget = mediaTarget(toB, 0)!;
    expect(aTarget.rtpPort).toBe(session.local('a').rtpPort);

    await phoneA.send(rtpPacket(1, 0xa), aTarget.rtpPort, aTarget.address);
    await phoneB.send(rtpPacket(1, 0xb, { pt: 8 }), bTarget.rtpPort, bTarget.address);
    await phoneB.waitFor(1);
    await phoneA.waitFor(1);
    expect(phoneB.received[0]!.msg.readUInt32BE(8)).toBe(0xa);
    expect(phoneA.received[0]!.msg.readUInt32BE(8)).toBe(0xb);
    expect(media.stats()).toMatchObject({ sessions: 1, portsInUse: 4, socketsOpen: 4 });
  });
});
