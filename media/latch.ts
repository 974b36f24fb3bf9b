// Symmetric RTP latching (RFC 4961: a device sends from the port it receives on). A phone behind
// NAT writes its private address into SDP, so the relay answers to where its packets really come
// from. One latch per socket (RTP and RTCP each), policy:
//
//  - unarmed until the SDP of that leg is known: packets are dropped, nothing is learned;
//  - armed, not latched: the first packet latches its source (in 'sdp-address' mode only a packet
//    from the SDP's IP address, any port: NAT may change the port, never the host we expect);
//  - latched: packets from any other source are dropped, so a stranger spraying the port cannot
//    steal the stream (the "RTP bleed" attack). Three ways out:
//      1. a new SDP for the leg (re-INVITE/UPDATE) naming another address or port forgets the
//         latch; the next packet latches afresh;
//      2. for `relearnWindowMs` after any new SDP, a new source takes over if its SSRC differs
//         from the latched one (the re-INVITE brought another device or media server) or if it is
//         exactly the address and port the SDP names;
//      3. at any time, a new source carrying the latched SSRC takes over once the latched source
//         has been silent for `rebindAfterMs`: the same stream behind a NAT that changed mapping.
//         A stranger cannot do this without knowing the 32-bit SSRC.

export type LatchMode = 'any' | 'sdp-address';

export interface LatchPolicy {
  readonly mode: LatchMode;
  readonly relearnWindowMs: number;
  readonly rebindAfterMs: number;
}

export const DEFAULT_LATCH_POLICY: LatchPolicy = Object.freeze({
  mode: 'any',
  relearnWindowMs: 5_000,
  rebindAfterMs: 1_000,
});

/** admit() verdicts. Numbers, not strings: this runs for every packet. */
export const ADMITTED = 0;
/** Admitted, and the packet moved the latch: destinations need recomputing. */
export const LATCHED = 1;
export const UNARMED = 2;
export const FOREIGN = 3;
export type Verdict = typeof ADMITTED | typeof LATCHED | typeof UNARMED | typeof FOREIGN;

export class Latch {
  /** The latched source; undefined until the first admitted packet. */
  address: string | undefined = undefined;
  port = 0;
  /** SSRC last seen from the latched source; -1 for none. */
  ssrc = -1;
  /** When the latched source last sent. */
  lastAt = -Infinity;
  /** Times the latch moved, the first latch included. */
  changes = 0;
  armed = false;

  readonly #policy: LatchPolicy;
  #sdpAddress: string | undefined = undefined;
  #sdpPort = 0;
  #relearnUntil = -Infinity;

  constructor(policy: LatchPolicy) {
    this.#policy = policy;
  }

  /**
   * Called with each new SDP of the leg. `sdpAddress` is undefined when the SDP names no usable
   * address (RFC 2543 hold).
   */
  arm(sdpAddress: string | undefined, sdpPort: number, now: number): void {
    const reoffer = this.armed;
    const moved = reoffer && (sdpAddress !== this.#sdpAddress || sdpPort !== this.#sdpPort);
    this.armed = true;
    this.#sdpAddress = sdpAddress;
    this.#sdpPort = sdpPort;
    // Rule 2 applies after a re-offer only: the first SDP has nothing to replace.
    if (reoffer) this.#relearnUntil = now + this.#policy.relearnWindowMs;
    // Rule 1: the peer says its media moved; what we learned before no longer applies.
    if (moved && sdpAddress !== undefined) {
      this.address = undefined;
      this.port = 0;
    }
  }

  admit(address: string, port: number, ssrc: number, now: number): Verdict {
    if (port === this.port && address === this.address) {
      this.ssrc = ssrc;
      this.lastAt = now;
      return ADMITTED;
    }
    if (!this.armed) return UNARMED;
    if (this.#policy.mode === 'sdp-address' && this.#sdpAddress !== undefined && address !== this.#sdpAddress) return FOREIGN;
    if (this.address !== undefined) {
      const inWindow = now <= this.#relearnUntil;
      const relearn = inWindow && (ssrc !== this.ssrc || (address === this.#sdpAddress && port === this.#sdpPort));
      const rebind = ssrc === this.ssrc && now - this.lastAt >= this.#policy.rebindAfterMs;
      if (!relearn && !rebind) return FOREIGN;
    }
    this.address = address;
    this.port = port;
    this.ssrc = ssrc;
    this.lastAt = now;
    this.changes++;
    return LATCHED;
  }
}
