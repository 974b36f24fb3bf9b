// The media relay of one call. Two endpoints, each a socket pair of ours facing one phone: what
// arrives on leg a's RTP socket leaves from leg b's RTP socket towards phone B, and the other way
// round; RTCP likewise on the +1 sockets. Payloads are never decoded or copied: the Buffer dgram
// hands to the 'message' handler is the one given to send().
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/log.ts';
import { DirectionCounters, type DirectionStats } from './direction-counters.ts';
import { DEFAULT_LATCH_POLICY, FOREIGN, LATCHED, UNARMED, type LatchMode, type LatchPolicy, type Verdict } from './latch.ts';
import { MediaError } from './media-error.ts';
import type { PortPool } from './port-pool.ts';
import { RelayEndpoint, type RemoteMedia, type Side, type SourceAddress } from './relay-endpoint.ts';

export type { RemoteMedia, Side } from './relay-endpoint.ts';

export interface MediaTimeoutEvent {
  readonly id: string;
  /** Milliseconds since the last RTP packet (or since the timer started). */
  readonly idleMs: number;
  readonly onHold: boolean;
}

export interface RelaySessionOptions {
  /** The dialog id: in logs and events. */
  readonly id: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** 'any' (default) latches to the first source; 'sdp-address' only to the SDP's IP address. */
  readonly latchMode?: LatchMode;
  /** After a new SDP, how long a new source with a new SSRC may take over. Default 5 s. */
  readonly relearnWindowMs?: number;
  /** Silence of the latched source after which its SSRC may move to a new source. Default 1 s. */
  readonly rebindAfterMs?: number;
  /** No RTP from either leg for this long ends the call. Default 60 s; 0 disables. */
  readonly mediaTimeoutMs?: number;
  /** The same while on hold, when silence is normal. Default 0: never. */
  readonly holdTimeoutMs?: number;
  /** Called once when the media timeout expires; the B2BUA hangs up and closes the session. */
  readonly onTimeout?: (event: MediaTimeoutEvent) => void;
  /** Called once the session's sockets are closed and its ports are back in the pool. */
  readonly onClosed?: (session: RelaySession) => void;
}

export interface LocalMedia {
  readonly address: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
}

export interface EndpointStats {
  readonly local: LocalMedia;
  /** The leg's SDP, as last set (undefined before, or while it names a hold address). */
  readonly remote: { address: string; rtpPort: number; rtcpPort: number; rtcpAddress: string } | undefined;
  readonly latched: { rtp: SourceAddress | undefined; rtcp: SourceAddress | undefined };
  /** Times the RTP latch moved, the first latch included. */
  readonly relatches: number;
}

export interface RelaySessionStats {
  readonly id: string;
  readonly closed: boolean;
  readonly a: EndpointStats;
  readonly b: EndpointStats;
  /** Packets from phone A towards phone B. */
  readonly aToB: DirectionStats;
  readonly bToA: DirectionStats;
}

const DEFAULT_MEDIA_TIMEOUT_MS = 60_000;

/** RFC 3550 §5.1, §6.4: version 2 in the two top bits; RTP's fixed header is 12 bytes, RTCP's 8. */
const RTP_MIN = 12;
const RTCP_MIN = 8;

export class RelaySession {
  readonly id: string;
  readonly #pool: PortPool;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #a: RelayEndpoint;
  readonly #b: RelayEndpoint;
  readonly #aToB = new DirectionCounters();
  readonly #bToA = new DirectionCounters();
  readonly #mediaTimeoutMs: number;
  readonly #holdTimeoutMs: number;
  readonly #onTimeout: ((e: MediaTimeoutEvent) => void) | undefined;
  readonly #onClosed: ((s: RelaySession) => void) | undefined;

  #lastRtpAt = -Infinity;
  #watching = false;
  #watchSince = 0;
  #onHold = false;
  #timer: TimerHandle | undefined;
  #timedOut = false;
  #closing: Promise<void> | undefined;

  /** Allocates both legs' port pairs and starts listening. */
  static async open(pool: PortPool, options: RelaySessionOptions): Promise<RelaySession> {
    const a = await pool.allocate();
    let b;
    try {
      b = await pool.allocate();
    } catch (err) {
      await pool.release(a);
      throw err;
    }
    return new RelaySession(pool, a, b, options);
  }

  private constructor(pool: PortPool, a: RelayEndpoint['pair'], b: RelayEndpoint['pair'], options: RelaySessionOptions) {
    this.id = options.id;
    this.#pool = pool;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child('relay', { dialog: options.id });
    const policy: LatchPolicy = {
      mode: options.latchMode ?? DEFAULT_LATCH_POLICY.mode,
      relearnWindowMs: options.relearnWindowMs ?? DEFAULT_LATCH_POLICY.relearnWindowMs,
      rebindAfterMs: options.rebindAfterMs ?? DEFAULT_LATCH_POLICY.rebindAfterMs,
    };
    this.#a = new RelayEndpoint('a', a, policy);
    this.#b = new RelayEndpoint('b', b, policy);
    this.#mediaTimeoutMs = options.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
    this.#holdTimeoutMs = options.holdTimeoutMs ?? 0;
    this.#onTimeout = options.onTimeout;
    this.#onClosed = options.onClosed;
    this.#listen(this.#a, this.#b, this.#aToB);
    this.#listen(this.#b, this.#a, this.#bToA);
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Our address and ports facing a leg: what the SDP sent to that leg's phone must name. */
  local(side: Side): LocalMedia {
    const p = this.#endpoint(side).pair;
    return { address: this.#pool.host, rtpPort: p.rtpPort, rtcpPort: p.rtcpPort };
  }

  /**
   * The leg's SDP (offer or answer, and again on every re-INVITE/UPDATE): arms latching for the
   * leg and gives its media a destination until latching learns the real one. A 0.0.0.0 address
   * (RFC 2543 hold) arms without a destination.
   */
  setRemote(side: Side, remote: RemoteMedia): void {
    if (this.closed) throw new MediaError('MEDIA_SESSION_CLOSED', `session ${this.id} is closed`);
    const hold = remote.address === '0.0.0.0' || remote.address === '::';
    if (!hold) {
      this.#checkAddress(remote.address);
      if (remote.rtcpAddress !== undefined) this.#checkAddress(remote.rtcpAddress);
    }
    for (const port of [remote.rtpPort, remote.rtcpPort ?? remote.rtpPort + 1]) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new MediaError('MEDIA_BAD_REMOTE', `bad remote port ${port}`);
    }
    const ep = this.#endpoint(side);
    ep.setRemote(remote, !hold, this.#clock.now());
    this.#log.debug('remote set', { side, address: remote.address, port: remote.rtpPort });
  }

  /**
   * Starts the media timeout: call when the call is answered (ringing without early media is
   * silent and must not time out). Idempotent.
   */
  startMediaTimer(): void {
    if (this.#watching || this.closed) return;
    this.#watching = true;
    this.#watchSince = this.#clock.now();
    this.#schedule();
  }

  /** While on hold the hold timeout applies instead (silence is expected). */
  setOnHold(onHold: boolean): void {
    if (onHold === this.#onHold) return;
    this.#onHold = onHold;
    // The other limit counts from now: the hold change itself is activity.
    this.#watchSince = this.#clock.now();
    if (this.#watching) this.#schedule();
  }

  /**
   * Sends a packet of our own (RFC 4733 DTMF events) to the phone on `side`, from that side's RTP
   * socket, where relayed RTP for it goes: the latched source, else its SDP. False when neither is
   * known (a hold SDP names none), or the session is closed. Not counted as relayed traffic.
   */
  inject(side: Side, packet: Buffer): boolean {
    if (this.closed) return false;
    const ep = this.#endpoint(side);
    if (ep.rtpDestPort === 0) return false;
    ep.pair.rtp.send(packet, ep.rtpDestPort, ep.rtpDestAddress);
    return true;
  }

  stats(): RelaySessionStats {
    return {
      id: this.id,
      closed: this.closed,
      a: this.#endpointStats(this.#a),
      b: this.#endpointStats(this.#b),
      aToB: this.#aToB.snapshot(),
      bToA: this.#bToA.snapshot(),
    };
  }

  /** Stops the timer, closes all four sockets and returns the ports. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#closing = Promise.all([this.#pool.release(this.#a.pair), this.#pool.release(this.#b.pair)]).then(() => {
      this.#log.debug('closed', { aToB: this.#aToB.forwarded, bToA: this.#bToA.forwarded });
      this.#onClosed?.(this);
    });
    return this.#closing;
  }

  #endpoint(side: Side): RelayEndpoint {
    return side === 'a' ? this.#a : this.#b;
  }

  #checkAddress(address: string): void {
    // The sockets are of one family; a destination of the other cannot be reached from them.
    const family = isIP(address);
    if (family === 0 || (family === 6) !== (this.#pool.type === 'udp6')) {
      throw new MediaError('MEDIA_BAD_REMOTE', `remote address ${JSON.stringify(address)} is not an IPv${this.#pool.type === 'udp6' ? 6 : 4} literal`);
    }
  }

  #listen(src: RelayEndpoint, dst: RelayEndpoint, c: DirectionCounters): void {
    const onError = (err: Error) => this.#log.warn('media socket error', { side: src.side, err: err.message });
    const rtp: Socket = src.pair.rtp;
    const rtcp: Socket = src.pair.rtcp;
    rtp.on('error', onError);
    rtcp.on('error', onError);
    rtp.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.#onRtp(src, dst, c, msg, rinfo));
    rtcp.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.#onRtcp(src, dst, c, msg, rinfo));
  }

  // The per-packet paths below: no allocation, no closures, a handful of field reads.

  #onRtp(src: RelayEndpoint, dst: RelayEndpoint, c: DirectionCounters, msg: Buffer, rinfo: RemoteInfo): void {
    const len = msg.length;
    // RFC 3550 §5.1: version 2, or it is not RTP.
    if (len < RTCP_MIN || (msg[0]! & 0xc0) !== 0x80) {
      c.malformed++;
      return;
    }
    const pt = msg[1]! & 0x7f;
    // RFC 5761 §4: with rtcp-mux, RTCP arrives on the RTP port; its packet types 192–223 read as
    // RTP payload types 64–95 with the marker bit. Passed on as RTCP, on the RTP sockets.
    if (pt >= 64 && pt <= 95) {
      if (!this.#admit(src, src.rtpLatch.admit(rinfo.address, rinfo.port, msg.readUInt32BE(4), this.#clock.now()), c)) return;
      c.rtcpPackets++;
      c.rtcpBytes += len;
      if (dst.rtpDestPort === 0) {
        c.noDestination++;
        return;
      }
      dst.pair.rtp.send(msg, dst.rtpDestPort, dst.rtpDestAddress);
      c.rtcpForwarded++;
      return;
    }
    if (len < RTP_MIN) {
      c.malformed++;
      return;
    }
    const ssrc = msg.readUInt32BE(8);
    const now = this.#clock.now();
    if (!this.#admit(src, src.rtpLatch.admit(rinfo.address, rinfo.port, ssrc, now), c)) return;
    c.packets++;
    c.bytes += len;
    c.lastSeenAt = now;
    this.#lastRtpAt = now;
    c.loss.update(ssrc, (msg[2]! << 8) | msg[3]!);
    if (dst.rtpDestPort === 0) {
      c.noDestination++;
      return;
    }
    dst.pair.rtp.send(msg, dst.rtpDestPort, dst.rtpDestAddress);
    c.forwarded++;
  }

  #onRtcp(src: RelayEndpoint, dst: RelayEndpoint, c: DirectionCounters, msg: Buffer, rinfo: RemoteInfo): void {
    const len = msg.length;
    // RFC 3550 §6.4: version 2 and at least the 8-byte header with the sender's SSRC.
    if (len < RTCP_MIN || (msg[0]! & 0xc0) !== 0x80) {
      c.malformed++;
      return;
    }
    if (!this.#admit(src, src.rtcpLatch.admit(rinfo.address, rinfo.port, msg.readUInt32BE(4), this.#clock.now()), c)) return;
    c.rtcpPackets++;
    c.rtcpBytes += len;
    if (dst.rtcpDestPort === 0) {
      c.noDestination++;
      return;
    }
    dst.pair.rtcp.send(msg, dst.rtcpDestPort, dst.rtcpDestAddress);
    c.rtcpForwarded++;
  }

  /** Applies a latch verdict: counts drops, and recomputes destinations when the latch moved. */
  #admit(src: RelayEndpoint, verdict: Verdict, c: DirectionCounters): boolean {
    if (verdict === UNARMED) {
      c.unarmed++;
      return false;
    }
    if (verdict === FOREIGN) {
      c.foreign++;
      return false;
    }
    if (verdict === LATCHED) {
      src.refresh();
      this.#log.debug('latched', { side: src.side, rtp: `${src.rtpLatch.address}:${src.rtpLatch.port}`, rtcp: `${src.rtcpLatch.address}:${src.rtcpLatch.port}` });
    }
    return true;
  }

  #schedule(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const limit = this.#onHold ? this.#holdTimeoutMs : this.#mediaTimeoutMs;
    if (limit <= 0 || this.#timedOut || this.closed) return;
    const idle = this.#clock.now() - Math.max(this.#lastRtpAt, this.#watchSince);
    this.#timer = this.#clock.setTimeout(this.#check, Math.max(0, limit - idle));
  }

  /**
   * One timer per session, not one reset per packet: when it fires it compares the last packet
   * time with the limit and either reports or sleeps for the remainder.
   */
  readonly #check = (): void => {
    this.#timer = undefined;
    if (this.#timedOut || this.closed) return;
    const limit = this.#onHold ? this.#holdTimeoutMs : this.#mediaTimeoutMs;
    if (limit <= 0) return;
    const idle = this.#clock.now() - Math.max(this.#lastRtpAt, this.#watchSince);
    if (idle < limit) {
      this.#timer = this.#clock.setTimeout(this.#check, limit - idle);
      return;
    }
    this.#timedOut = true;
    this.#log.info('media timeout', { idleMs: idle, onHold: this.#onHold });
    try {
      this.#onTimeout?.({ id: this.id, idleMs: idle, onHold: this.#onHold });
    } catch (err) {
      this.#log.error('media timeout handler failed', { err: (err as Error).message });
    }
  };

  #endpointStats(ep: RelayEndpoint): EndpointStats {
    return {
      local: this.local(ep.side),
      remote: ep.sdp && { ...ep.sdp },
      latched: ep.latched(),
      relatches: ep.rtpLatch.changes,
    };
  }
}
