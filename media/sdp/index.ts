// The SDP toolkit in one import: parse, inspect, filter, anchor, stamp, serialize.
export { parseSdp, type SdpParseOptions } from './parse-sdp.ts';
export { serializeSdp, serializeMedia, serializeLine } from './serialize-sdp.ts';
export { SdpError, sdpStatusForCode, type SdpErrorCode, type SdpErrorStatus } from './sdp-error.ts';
export { SDP_DEFAULT_LIMITS, type SdpLimits } from './sdp-limits.ts';
export { rewriteSdp, type AnchorPorts, type RewriteOptions } from './rewrite-sdp.ts';
export { SessionVersion, type SessionVersionOptions } from './session-version.ts';
export { filterCodecs, codecsOf, DEFAULT_CODECS, type Codec, type CodecFilterOptions } from './codec-filter.ts';
export { holdStateOf, isOnHold, isHoldAddress, type HoldState } from './hold.ts';
export { mediaDirection, answerDirection } from './direction.ts';
export { mediaTarget, connectionOf, firstActiveAudio, type MediaTarget } from './media-target.ts';
export { withoutAttributes, ICE_ATTRIBUTES } from './strip-attributes.ts';
export type * from './sdp-types.ts';
