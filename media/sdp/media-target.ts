// Where a media section says its RTP and RTCP go: what the relay sends to until latching learns
// better. The media-level c= wins over the session-level one (RFC 4566 §5.7); RTCP goes to
// a=rtcp's port (and address, if it names one) or else to the RTP port plus one (RFC 3605, RFC 3550 §11).
import type { Sdp, SdpConnectionLine, SdpRtcpLine } from './sdp-types.ts';

export interface MediaTarget {
  /** Index of the m= line. */
  readonly index: number;
  readonly address: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  /** a=rtcp may name another address; usually the same as `address`. */
  readonly rtcpAddress: string;
}

/** The connection line that applies to media section `index`, if any. */
export function connectionOf(sdp: Sdp, index: number): SdpConnectionLine | undefined {
  const m = sdp.media[index];
  if (m) for (const l of m.lines) if (l.kind === 'connection') return l;
  for (const l of sdp.lines) if (l.kind === 'connection') return l;
  return undefined;
}

/** Where media section `index` wants its RTP and RTCP, or undefined for a disabled stream (port 0). */
export function mediaTarget(sdp: Sdp, index: number): MediaTarget | undefined {
  const m = sdp.media[index];
  const c = connectionOf(sdp, index);
  if (!m || m.port === 0 || !c) return undefined;
  const rtcp = m.lines.find((l): l is SdpRtcpLine => l.kind === 'rtcp');
  return {
    index,
    address: c.address,
    rtpPort: m.port,
    rtcpPort: rtcp ? rtcp.port : Math.min(m.port + 1, 65535),
    rtcpAddress: rtcp?.address ?? c.address,
  };
}

/** Index of the first audio stream in use (port not 0), or -1. */
export function firstActiveAudio(sdp: Sdp): number {
  return sdp.media.findIndex((m) => m.media === 'audio' && m.port !== 0);
}
