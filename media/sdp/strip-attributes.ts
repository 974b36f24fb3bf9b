// Removing attributes the other leg must not see. When the relay anchors media, ICE candidates name
// the peer's own addresses: passed on, they would let the far end try to reach it directly around
// the relay, so an anchoring B2BUA drops them (and the rest of the ICE attributes) with this.
import type { Sdp, SdpLine } from './sdp-types.ts';

/** ICE attributes (RFC 8839): meaningless once our relay is the media address. */
export const ICE_ATTRIBUTES: readonly string[] = Object.freeze([
  'candidate',
  'remote-candidates',
  'end-of-candidates',
  'ice-ufrag',
  'ice-pwd',
  'ice-options',
  'ice-lite',
  'ice-mismatch',
  'ice-pacing',
]);

/** A copy of `sdp` without the `a=` lines named in `names` (session and media level). */
export function withoutAttributes(sdp: Sdp, names: readonly string[]): Sdp {
  const drop = new Set(names);
  const keep = (l: SdpLine) => l.kind !== 'attribute' || !drop.has(l.name);
  return {
    ...sdp,
    lines: sdp.lines.filter(keep),
    media: sdp.media.map((m) => ({ ...m, lines: m.lines.filter(keep) })),
  };
}
