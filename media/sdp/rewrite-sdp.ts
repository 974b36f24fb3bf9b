// Media anchoring: the description a leg receives names our address and our ports, so both legs
// send their media to the relay. Only what anchoring needs changes: o= and c= addresses, m= ports
// and a=rtcp; every other line, the o= version included, is left alone (versions are the job of
// SessionVersion, which knows what this leg saw before).
import { MediaError } from '../media-error.ts';
import { isHoldAddress } from './hold.ts';
import { addressTypeOf } from './sdp-grammar.ts';
import type { Sdp, SdpAddressType, SdpLine, SdpMedia } from './sdp-types.ts';

export interface AnchorPorts {
  readonly rtp: number;
  /** Defaults to rtp + 1. */
  readonly rtcp?: number;
}

export interface RewriteOptions {
  /** Our media address, an IP literal. */
  readonly address: string;
  /**
   * One entry per m= line. `null` disables a stream in use (port 0): we relay it nowhere, and a
   * stream left pointing at the peer would bypass the relay. Streams already at port 0 stay so.
   */
  readonly ports: readonly (AnchorPorts | null)[];
  /**
   * Keep a 0.0.0.0 connection address (RFC 2543 hold) instead of replacing it, so the other leg
   * still sees the hold. Default true.
   */
  readonly keepHoldAddress?: boolean;
}

export function rewriteSdp(sdp: Sdp, options: RewriteOptions): Sdp {
  const addressType = addressTypeOf(options.address);
  if (addressType === undefined) throw new MediaError('MEDIA_BAD_REWRITE', 'rewrite address must be an IP literal');
  if (options.ports.length !== sdp.media.length) {
    throw new MediaError('MEDIA_BAD_REWRITE', `rewrite has ${options.ports.length} port entries for ${sdp.media.length} m= lines`);
  }
  const keepHold = options.keepHoldAddress ?? true;
  const ctx = { address: options.address, addressType, keepHold };
  return {
    origin: { ...sdp.origin, address: options.address, addressType },
    sessionName: sdp.sessionName,
    lines: sdp.lines.map((l) => rewriteConnection(l, ctx)),
    media: sdp.media.map((m, i) => rewriteMedia(m, options.ports[i] ?? null, ctx)),
  };
}

interface Ctx {
  readonly address: string;
  readonly addressType: SdpAddressType;
  readonly keepHold: boolean;
}

function rewriteConnection(line: SdpLine, ctx: Ctx): SdpLine {
  if (line.kind !== 'connection') return line;
  if (ctx.keepHold && isHoldAddress(line.address)) return line;
  // Our address is unicast: a multicast TTL or address count no longer applies.
  return { kind: 'connection', addressType: ctx.addressType, address: ctx.address };
}

function rewriteMedia(m: SdpMedia, ports: AnchorPorts | null, ctx: Ctx): SdpMedia {
  // A stream at port 0 is rejected or disabled and stays so (RFC 3264 §6, §8.2).
  if (m.port === 0) return m;
  if (ports === null) return { media: m.media, port: 0, proto: m.proto, formats: m.formats, lines: m.lines };
  checkPort(ports.rtp);
  const rtcp = ports.rtcp ?? ports.rtp + 1;
  checkPort(rtcp);
  let sawRtcp = false;
  const lines = m.lines.map((l): SdpLine => {
    if (l.kind === 'connection') return rewriteConnection(l, ctx);
    if (l.kind !== 'rtcp') return l;
    sawRtcp = true;
    return l.address === undefined
      ? { kind: 'rtcp', port: rtcp }
      : { kind: 'rtcp', port: rtcp, addressType: ctx.addressType, address: ctx.address };
  });
  // RFC 3605: when RTCP is not on the next port up, say where it is.
  if (!sawRtcp && rtcp !== ports.rtp + 1) lines.push({ kind: 'rtcp', port: rtcp });
  // One port each for RTP and RTCP: a layered-encoding port count does not carry over.
  return { media: m.media, port: ports.rtp, proto: m.proto, formats: m.formats, lines };
}

function checkPort(p: number): void {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new MediaError('MEDIA_BAD_REWRITE', `port ${p} out of range`);
}
