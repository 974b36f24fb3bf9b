// Counters of one direction of a relay session (packets arriving on one leg, sent out of the
// other). Plain mutable fields: they are bumped for every packet, and a snapshot is only taken
// when someone asks.
import { LossEstimator } from './loss-estimator.ts';

export interface DirectionStats {
  /** RTP packets admitted (valid, from the latched source). */
  readonly packets: number;
  readonly bytes: number;
  /** RTP packets sent on to the other leg. */
  readonly forwarded: number;
  readonly rtcpPackets: number;
  readonly rtcpBytes: number;
  readonly rtcpForwarded: number;
  /** Everything dropped, RTP and RTCP: the sum of the four reasons below. */
  readonly dropped: number;
  /** Not RTP/RTCP version 2, or too short. */
  readonly malformed: number;
  /** From a source other than the latched one. */
  readonly foreign: number;
  /** Arrived before the leg's SDP was known. */
  readonly unarmed: number;
  /** Admitted, but the other leg has no address to send to yet. */
  readonly noDestination: number;
  /** Clock time of the last admitted RTP packet; undefined before the first. */
  readonly lastSeenAt: number | undefined;
  /** From RTP sequence numbers: packets the sender sent, and those that never reached the relay. */
  readonly expected: number;
  readonly lost: number;
}

export class DirectionCounters {
  packets = 0;
  bytes = 0;
  forwarded = 0;
  rtcpPackets = 0;
  rtcpBytes = 0;
  rtcpForwarded = 0;
  malformed = 0;
  foreign = 0;
  unarmed = 0;
  noDestination = 0;
  lastSeenAt: number | undefined = undefined;
  readonly loss = new LossEstimator();

  snapshot(): DirectionStats {
    return {
      packets: this.packets,
      bytes: this.bytes,
      forwarded: this.forwarded,
      rtcpPackets: this.rtcpPackets,
      rtcpBytes: this.rtcpBytes,
      rtcpForwarded: this.rtcpForwarded,
      dropped: this.malformed + this.foreign + this.unarmed + this.noDestination,
      malformed: this.malformed,
      foreign: this.foreign,
      unarmed: this.unarmed,
      noDestination: this.noDestination,
      lastSeenAt: this.lastSeenAt,
      expected: this.loss.expected,
      lost: this.loss.lost,
    };
  }
}
