// Stream direction (RFC 4566 §6, RFC 3264 §5.1, §6.1): a media-level attribute overrides the
// session-level one, and with neither the stream is sendrecv.
import type { Sdp, SdpDirection, SdpLine } from './sdp-types.ts';

function directionIn(lines: readonly SdpLine[]): SdpDirection | undefined {
  for (const l of lines) if (l.kind === 'direction') return l.direction;
  return undefined;
}

/** The direction of media section `index`. */
export function mediaDirection(sdp: Sdp, index: number): SdpDirection {
  const m = sdp.media[index];
  return (m && directionIn(m.lines)) ?? directionIn(sdp.lines) ?? 'sendrecv';
}

/**
 * The direction an answerer uses when it can both send and receive (RFC 3264 §6.1): sendonly is
 * answered recvonly, recvonly sendonly, and inactive stays inactive.
 */
export function answerDirection(offered: SdpDirection): SdpDirection {
  switch (offered) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    default:
      return offered;
  }
}
