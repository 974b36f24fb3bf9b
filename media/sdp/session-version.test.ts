import { describe, expect, it } from 'vitest';
import { parseSdp } from './parse-sdp.ts';
import { rewriteSdp } from './rewrite-sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';
import { SessionVersion } from './session-version.ts';
import { BARESIP_OFFER, SIPP_OFFER } from './sdp-samples.ts';
import { mediaDirection } from './direction.ts';
import type { Sdp } from './sdp-types.ts';

const US = '198.51.100.50';
const anchored = (text: string, port = 20000): Sdp => rewriteSdp(parseSdp(text), { address: US, ports: [{ rtp: port }] });
const withDirection = (sdp: Sdp, dir: 'sendonly' | 'sendrecv'): Sdp => ({
  ...sdp,
  media: sdp.media.map((m) => ({ ...m, lines: [...m.lines.filter((l) => l.kind !== 'direction'), { kind: 'direction', direction: dir }] })),
});

describe('SessionVersion (RFC 3264 §8)', () => {
  it('gives every description on a leg our own o= and bumps the version only on change', () => {
    const leg = new SessionVersion({ sessionId: '777', username: 'callctl' });
    const first = leg.stamp(anchored(BARESIP_OFFER));
    expect(first.origin).toEqual({ username: 'callctl', sessionId: '777', sessionVersion: 1n, addressType: 'IP4', address: US });

    // A re-INVITE with the same content (the peer bumped its own version): ours stays.
    const peerBumped = parseSdp(BARESIP_OFFER.replace('3453463456', '3453463457'));
    const same = leg.stamp(rewriteSdp(peerBumped, { address: US, ports: [{ rtp: 20000 }] }));
    expect(same.origin.sessionVersion).toBe(1n);
    expect(serializeSdp(same)).toBe(serializeSdp(first));

    // Hold: the content changes, the version goes up by one.
    const hold = leg.stamp(withDirection(anchored(BARESIP_OFFER), 'sendonly'));
    expect(hold.origin.sessionVersion).toBe(2n);
    expect(mediaDirection(hold, 0)).toBe('sendonly');

    // Another peer altogether (transfer): same o= identity, next version.
    const other = leg.stamp(anchored(SIPP_OFFER));
    expect(other.origin).toMatchObject({ username: 'callctl', sessionId: '777', sessionVersion: 3n });
    expect(leg.version).toBe(3n);
  });

  it('picks a random numeric session id by default and starts where asked', () => {
    const a = new SessionVersion();
    const b = new SessionVersion({ initialVersion: 10n });
    expect(a.sessionId).toMatch(/^[0-9]+$/);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(b.stamp(anchored(SIPP_OFFER)).origin.sessionVersion).toBe(10n);
  });

  it('refuses an identity that would break the o= line', () => {
    expect(() => new SessionVersion({ username: 'a b' })).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_REWRITE' }));
    expect(() => new SessionVersion({ username: 'x\r\na=evil' })).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_REWRITE' }));
    expect(() => new SessionVersion({ sessionId: '12ab' })).toThrow(expect.objectContaining({ code: 'MEDIA_BAD_REWRITE' }));
  });
});
