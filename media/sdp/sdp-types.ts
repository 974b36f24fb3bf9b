// The parsed form of a session description (RFC 4566). Every section keeps its lines in arrival
// order; the lines we act on are typed, the rest are kept as they came so that a B2BUA passes on
// what it does not understand. All of it is read-only: helpers return new descriptions.

export type SdpAddressType = 'IP4' | 'IP6';
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** `o=<username> <sess-id> <sess-version> IN <addrtype> <address>` */
export interface SdpOrigin {
  readonly username: string;
  /** Kept as written: only its identity matters. */
  readonly sessionId: string;
  /** A bigint: some agents use 64-bit NTP-style numbers. */
  readonly sessionVersion: bigint;
  readonly addressType: SdpAddressType;
  readonly address: string;
}

/** `c=IN <addrtype> <address>[/<ttl>][/<count>]`: ttl and count only for multicast. */
export interface SdpConnectionLine {
  readonly kind: 'connection';
  readonly addressType: SdpAddressType;
  readonly address: string;
  readonly ttl?: number | undefined;
  readonly count?: number | undefined;
}

/** `a=rtpmap:<pt> <encoding>/<clock rate>[/<encoding parameters>]` */
export interface SdpRtpmapLine {
  readonly kind: 'rtpmap';
  readonly payloadType: number;
  readonly encoding: string;
  readonly clockRate: number;
  /** For audio, the channel count (RFC 4566 §6). */
  readonly parameters?: string | undefined;
}

/** `a=fmtp:<format> <parameters>`: parameters are kept as one string. */
export interface SdpFmtpLine {
  readonly kind: 'fmtp';
  readonly format: string;
  readonly parameters: string;
}

/** `a=rtcp:<port>[ IN <addrtype> <address>]` (RFC 3605). */
export interface SdpRtcpLine {
  readonly kind: 'rtcp';
  readonly port: number;
  readonly addressType?: SdpAddressType | undefined;
  readonly address?: string | undefined;
}

/** `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive` (RFC 4566 §6, RFC 3264 §5.1). */
export interface SdpDirectionLine {
  readonly kind: 'direction';
  readonly direction: SdpDirection;
}

/** `a=ptime:<milliseconds>` */
export interface SdpPtimeLine {
  readonly kind: 'ptime';
  readonly ms: number;
}

/** Any other `a=` line: `value` is undefined for a property attribute (`a=rtcp-mux`). */
export interface SdpAttributeLine {
  readonly kind: 'attribute';
  readonly name: string;
  readonly value?: string | undefined;
}

/** Any other line (t=, b=, i=, …) kept verbatim. */
export interface SdpFieldLine {
  readonly kind: 'field';
  readonly letter: string;
  readonly value: string;
}

export type SdpLine =
  | SdpConnectionLine
  | SdpRtpmapLine
  | SdpFmtpLine
  | SdpRtcpLine
  | SdpDirectionLine
  | SdpPtimeLine
  | SdpAttributeLine
  | SdpFieldLine;

/** `m=<media> <port>[/<count>] <proto> <fmt> …` and the lines of its section. */
export interface SdpMedia {
  readonly media: string;
  /** 0 marks a rejected or disabled stream (RFC 3264 §5.1, §6). */
  readonly port: number;
  readonly portCount?: number | undefined;
  readonly proto: string;
  readonly formats: readonly string[];
  readonly lines: readonly SdpLine[];
}

export interface Sdp {
  /** v= is always 0: the only version there is. */
  readonly origin: SdpOrigin;
  readonly sessionName: string;
  /** Session-level lines after s=, up to the first m=. */
  readonly lines: readonly SdpLine[];
  readonly media: readonly SdpMedia[];
}
