// One leg of a relay session: our RTP/RTCP socket pair facing one phone, what that phone's SDP
// says, what latching learned, and from those the addresses packets for this phone go to. The
// destinations are plain fields recomputed only when SDP or a latch changes, so the per-packet
// path reads two fields and allocates nothing.
import { Latch, type LatchPolicy } from './latch.ts';
import type { PortPair } from './port-pool.ts';

export type Side = 'a' | 'b';

/** Where a leg's SDP says its media goes (see `mediaTarget` in sdp/media-target.ts). */
export interface RemoteMedia {
  readonly address: string;
  readonly rtpPort: number;
  /** Defaults to rtpPort + 1 (RFC 3550 §11). */
  readonly rtcpPort?: number;
  /** Defaults to `address` (RFC 3605 lets a=rtcp name another one). */
  readonly rtcpAddress?: string;
}

export interface SourceAddress {
  readonly address: string;
  readonly port: number;
}

export class RelayEndpoint {
  readonly side: Side;
  readonly pair: PortPair;
  readonly rtpLatch: Latch;
  readonly rtcpLatch: Latch;
  /** The leg's SDP, with a usable address; undefined before setRemote or while it names 0.0.0.0. */
  sdp: { address: string; rtpPort: number; rtcpPort: number; rtcpAddress: string } | undefined = undefined;

  // Where packets for this leg's phone go; port 0 while unknown.
  rtpDestAddress = '';
  rtpDestPort = 0;
  rtcpDestAddress = '';
  rtcpDestPort = 0;

  constructor(side: Side, pair: PortPair, policy: LatchPolicy) {
    this.side = side;
    this.pair = pair;
    this.rtpLatch = new Latch(policy);
    this.rtcpLatch = new Latch(policy);
  }

  /** Records the leg's SDP and arms both latches. `usable` is false for a hold address. */
  setRemote(remote: RemoteMedia, usable: boolean, now: number): void {
    const rtcpPort = remote.rtcpPort ?? remote.rtpPort + 1;
    const rtcpAddress = remote.rtcpAddress ?? remote.address;
    this.sdp = usable ? { address: remote.address, rtpPort: remote.rtpPort, rtcpPort, rtcpAddress } : undefined;
    this.rtpLatch.arm(usable ? remote.address : undefined, remote.rtpPort, now);
    this.rtcpLatch.arm(usable ? rtcpAddress : undefined, rtcpPort, now);
    this.refresh();
  }

  /** Recomputes the destinations after SDP or a latch changed. */
  refresh(): void {
    const rtp = this.rtpLatch;
    const rtcp = this.rtcpLatch;
    const sdp = this.sdp;
    // Latched source first (symmetric RTP), else what SDP says.
    if (rtp.address !== undefined) {
      this.rtpDestAddress = rtp.address;
      this.rtpDestPort = rtp.port;
    } else if (sdp) {
      this.rtpDestAddress = sdp.address;
      this.rtpDestPort = sdp.rtpPort;
    } else {
      this.rtpDestAddress = '';
      this.rtpDestPort = 0;
    }
    if (rtcp.address !== undefined) {
      this.rtcpDestAddress = rtcp.address;
      this.rtcpDestPort = rtcp.port;
    } else if (rtp.address !== undefined && (!sdp || rtp.address !== sdp.address) && rtp.port < 65535) {
      // RTP came through a NAT (latched address is not the SDP's): the SDP's RTCP address is a
      // private one we cannot reach, and the NAT's RTP port plus one is the best guess until the
      // phone's own RTCP arrives and latches.
      this.rtcpDestAddress = rtp.address;
      this.rtcpDestPort = rtp.port + 1;
    } else if (sdp) {
      this.rtcpDestAddress = sdp.rtcpAddress;
      this.rtcpDestPort = sdp.rtcpPort;
    } else {
      this.rtcpDestAddress = '';
      this.rtcpDestPort = 0;
    }
  }

  latched(): { rtp: SourceAddress | undefined; rtcp: SourceAddress | undefined } {
    const src = (l: Latch) => (l.address === undefined ? undefined : { address: l.address, port: l.port });
    return { rtp: src(this.rtpLatch), rtcp: src(this.rtcpLatch) };
  }
}
