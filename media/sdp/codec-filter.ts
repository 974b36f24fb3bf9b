// Codec filtering for the relay: it copies packets without decoding, so both legs must agree on a
// codec we allow; by default G.711 (PCMU, PCMA) and DTMF events (RFC 4733). Streams the relay
// cannot carry are disabled with port 0 (RFC 3264 §5.1 for an offer, §6 for an answer), which
// keeps the m= line count the other side expects.
import { SdpError } from './sdp-error.ts';
import { staticPayloadType } from './static-payload-types.ts';
import type { Sdp, SdpLine, SdpMedia } from './sdp-types.ts';

export interface Codec {
  readonly payloadType: number;
  readonly encoding: string;
  readonly clockRate: number;
  /** Channel count; 1 when not given (RFC 4566 §6 rtpmap). */
  readonly channels: number;
}

export interface CodecFilterOptions {
  /** Encoding names to keep, any case. Default PCMU, PCMA, telephone-event. */
  readonly keep?: readonly string[];
  /** Audio streams left in use; later ones are disabled. Default 1: a relay session carries one. */
  readonly maxAudioStreams?: number;
}

export const DEFAULT_CODECS: readonly string[] = Object.freeze(['PCMU', 'PCMA', 'telephone-event']);

/** Transports whose packets the relay passes unchanged: plain RTP, with or without feedback. */
const RELAYED_PROTOS = new Set(['RTP/AVP', 'RTP/AVPF']);

/**
 * The codecs of a media section, in m= order. A dynamic payload type without an rtpmap has no
 * known codec and is left out.
 */
export function codecsOf(m: SdpMedia): Codec[] {
  const maps = new Map<number, Codec>();
  for (const l of m.lines) {
    if (l.kind !== 'rtpmap') continue;
    const channels = l.parameters === undefined ? 1 : Number(l.parameters);
    maps.set(l.payloadType, { payloadType: l.payloadType, encoding: l.encoding, clockRate: l.clockRate, channels: Number.isInteger(channels) ? channels : 0 });
  }
  const out: Codec[] = [];
  for (const f of m.formats) {
    if (!/^[0-9]{1,3}$/.test(f)) continue;
    const pt = Number(f);
    // An rtpmap overrides the static table (RFC 3551 §3 lets static types be remapped this way).
    const c = maps.get(pt) ?? staticCodec(pt);
    if (c) out.push(c);
  }
  return out;
}

function staticCodec(pt: number): Codec | undefined {
  const s = staticPayloadType(pt);
  return s && { payloadType: pt, encoding: s.encoding, clockRate: s.clockRate, channels: s.channels };
}

const isEvent = (c: Codec) => c.encoding.toLowerCase() === 'telephone-event';

/**
 * Keeps only allowed codecs in each audio stream and disables what the relay cannot carry.
 * Throws SDP_NO_COMMON_CODEC (488) when no audio stream is left in use.
 */
export function filterCodecs(sdp: Sdp, options: CodecFilterOptions = {}): Sdp {
  const keep = new Set((options.keep ?? DEFAULT_CODECS).map((n) => n.toLowerCase()));
  const maxAudio = options.maxAudioStreams ?? 1;
  let audioInUse = 0;
  const media = sdp.media.map((m) => {
    if (m.port === 0) return m;
    if (m.media !== 'audio' || !RELAYED_PROTOS.has(m.proto) || audioInUse >= maxAudio) return disable(m);
    const filtered = filterMedia(m, keep);
    if (filtered === undefined) return disable(m);
    audioInUse++;
    return filtered;
  });
  if (audioInUse === 0) throw new SdpError('SDP_NO_COMMON_CODEC', 'no common codec');
  return { ...sdp, media };
}

function disable(m: SdpMedia): SdpMedia {
  return { media: m.media, port: 0, proto: m.proto, formats: m.formats, lines: m.lines };
}

function filterMedia(m: SdpMedia, keep: ReadonlySet<string>): SdpMedia | undefined {
  const allowed = codecsOf(m).filter((c) => keep.has(c.encoding.toLowerCase()) && c.channels === 1);
  const audio = allowed.filter((c) => !isEvent(c));
  if (audio.length === 0) return undefined;
  // RFC 4733 §7.1.1: telephone-event uses the clock rate of the audio it goes with.
  const rates = new Set(audio.map((c) => c.clockRate));
  const kept = new Set(allowed.filter((c) => !isEvent(c) || rates.has(c.clockRate)).map((c) => c.payloadType));
  const formats = m.formats.filter((f) => kept.has(Number(f)) && /^[0-9]{1,3}$/.test(f));
  const lines = m.lines.filter((l) => keepLine(l, kept));
  return { ...m, formats, lines };
}

/** Drops the rtpmap, fmtp and rtcp-fb lines of payload types no longer offered. */
function keepLine(l: SdpLine, kept: ReadonlySet<number>): boolean {
  if (l.kind === 'rtpmap') return kept.has(l.payloadType);
  if (l.kind === 'fmtp') return kept.has(Number(l.format));
  if (l.kind === 'attribute' && l.name === 'rtcp-fb' && l.value !== undefined) {
    const pt = l.value.split(' ', 1)[0]!;
    return pt === '*' || kept.has(Number(pt));
  }
  return true;
}
