// Hold detection. RFC 3264 §8.4: a party puts a stream on hold by offering sendonly (or inactive
// when it was recvonly). The older RFC 2543 way sets the connection address to 0.0.0.0, which
// some phones and gateways still send; both count as hold here.
import { mediaDirection } from './direction.ts';
import { connectionOf } from './media-target.ts';
import type { Sdp } from './sdp-types.ts';

export type HoldState = 'active' | 'sendonly' | 'inactive' | 'null-address';

/** The unspecified addresses: 0.0.0.0 is RFC 2543 hold; `::` is its IPv6 analogue seen in the wild. */
export function isHoldAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** Hold state of media section `index` as the sender of this description sets it. */
export function holdStateOf(sdp: Sdp, index: number): HoldState {
  const c = connectionOf(sdp, index);
  if (c && isHoldAddress(c.address)) return 'null-address';
  const dir = mediaDirection(sdp, index);
  return dir === 'sendonly' ? 'sendonly' : dir === 'inactive' ? 'inactive' : 'active';
}

/**
 * Whether the sender of this description holds the call: every stream in use (port not 0) is on
 * hold. A description with no stream in use is not a hold.
 */
export function isOnHold(sdp: Sdp): boolean {
  let inUse = 0;
  for (let i = 0; i < sdp.media.length; i++) {
    if (sdp.media[i]!.port === 0) continue;
    inUse++;
    if (holdStateOf(sdp, i) === 'active') return false;
  }
  return inUse > 0;
}
