// RTP/RTCP port pairs from the configured range. RTP takes the even port and RTCP the next one up
// (RFC 3550 §11: RTP on an even port, RTCP on the odd port above it, the convention RFC 3605 keeps
// when a=rtcp is absent). Sockets are bound on allocation, not up front: the whole range would be
// 10,000 files against a 20,000 limit, and idle sockets cost memory for nothing.
//
// The free pairs wait in a FIFO ring, so allocate and release are O(1) and a released pair goes to
// the back: late packets of a finished call die on a closed port instead of reaching the next
// call. A pair whose bind fails because something else holds one of its ports is skipped and
// goes to the back too (its holder may let go later); it is never handed out half bound.
//
// With `idlePairs`, a released pair is not closed but kept bound in an idle queue (up to that many
// pairs) and handed out again: binding and closing four sockets was most of a call's media set-up
// cost. The session's listeners are removed on release, so nothing reaches the old call; what
// still arrives is read and dropped. A pair is handed out again only after `reuseAfterMs` of
// silence (no stray packet since its release for that long), the job the closed port does in the
// ring: late packets of a finished call must not latch the next one. A pair that keeps receiving is
// closed instead. Idle pairs older than `idleCloseMs` are closed (one timer for the oldest), so a quiet
// server returns to no open media files; close() closes them all at once.
import dgram from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { ipLiteralLookup } from './ip-literal-lookup.ts';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/log.ts';
import { MediaError } from './media-error.ts';

export interface PortPair {
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
}

export interface PortPoolOptions {
  /** The address sockets bind to and SDP names: an IP literal. */
  readonly host: string;
  /** Inclusive range; pairs start at its first even port. */
  readonly ports: readonly [number, number];
  /**
   * Kernel socket buffers. 50 packets/s of ~200 bytes need little; the margin is for event-loop
   * pauses (a GC, a burst of signalling) during which packets must wait in the kernel, not drop.
   * Linux caps these at net.core.rmem_max / wmem_max.
   */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  readonly logger?: Logger;
  /** Released pairs kept bound for reuse, at most. Default 0: every pair is closed on release. */
  readonly idlePairs?: number;
  /** Silence an idle pair needs (since its release and its last stray packet) before reuse. Default 500 ms. */
  readonly reuseAfterMs?: number;
  /** Idle pairs not reused for this long are closed. Default 30 s. */
  readonly idleCloseMs?: number;
  /** For the idle times; default the system clock. */
  readonly clock?: Clock;
}

const DEFAULT_BUFFER = 256 * 1024;
const DEFAULT_REUSE_AFTER_MS = 500;
const DEFAULT_IDLE_CLOSE_MS = 30_000;

/** A released pair waiting, bound, in the idle queue. */
interface IdlePair {
  readonly index: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
  readonly releasedAt: number;
  /** When the last packet arrived since the release (-Infinity: none). */
  strayAt: number;
  readonly onStray: () => void;
}

export class PortPool {
  readonly host: string;
  readonly type: 'udp4' | 'udp6';
  /** Pairs in the range. */
  readonly capacity: number;
  readonly #firstPort: number;
  readonly #recvBufferSize: number;
  readonly #sendBufferSize: number;
  readonly #log: Logger;

  /** Ring of free pair indexes: #count entries from #head. */
  readonly #ring: Int32Array;
  #head = 0;
  #count = 0;
  /** The pair handed out at each index, for release checks. */
  readonly #out: (PortPair | undefined)[];
  readonly #issued = new WeakSet<PortPair>();
  readonly #releasing = new Map<PortPair, Promise<void>>();
  #sockets = 0;
  #bindFailures = 0;
  readonly #idleMax: number;
  readonly #reuseAfterMs: number;
  readonly #idleCloseMs: number;
  readonly #clock: Clock;
  /** Released pairs kept bound, oldest first. */
  #idle: IdlePair[] = [];
  #idleHead = 0;
  /** Fires when the oldest idle pair reaches idleCloseMs; set only while pairs are idle. */
  #sweepTimer: TimerHandle | undefined;
  #closed = false;

  constructor(options: PortPoolOptions) {
    const family = isIP(options.host);
    if (family === 0) throw new MediaError('MEDIA_BAD_HOST', `media host ${JSON.stringify(options.host)} is not an IP address`);
    const [lo, hi] = options.ports;
    const first = lo % 2 === 0 ? lo : lo + 1;
    const capacity = Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi <= 65535 && hi > first ? Math.floor((hi - first + 1) / 2) : 0;
    if (capacity < 1) throw new MediaError('MEDIA_BAD_RANGE', `port range ${lo}-${hi} holds no RTP/RTCP pair`);
    this.host = options.host;
    this.type = family === 6 ? 'udp6' : 'udp4';
    this.capacity = capacity;
    this.#firstPort = first;
    this.#recvBufferSize = options.recvBufferSize ?? DEFAULT_BUFFER;
    this.#sendBufferSize = options.sendBufferSize ?? DEFAULT_BUFFER;
    this.#log = options.logger ?? silentLogger;
    this.#idleMax = Math.max(0, Math.floor(options.idlePairs ?? 0));
    this.#reuseAfterMs = options.reuseAfterMs ?? DEFAULT_REUSE_AFTER_MS;
    this.#idleCloseMs = options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS;
    this.#clock = options.clock ?? systemClock;
    this.#ring = new Int32Array(capacity);
    this.#out = new Array<PortPair | undefined>(capacity).fill(undefined);
    for (let i = 0; i < capacity; i++) this.#push(i);
  }

  /** Pairs ready to hand out: closed ones in the ring and bound ones in the idle queue. */
  get free(): number {
    return this.#count + this.idlePairs;
  }

  /** Pairs not free: handed out, being bound, or being closed. */
  get inUse(): number {
    return this.capacity - this.free;
  }

  /** Sockets of pairs in use (handed out, being bound, or being closed); idle ones are apart. */
  get socketsOpen(): number {
    return this.#sockets - 2 * this.idlePairs;
  }

  /** Released pairs kept bound for reuse. */
  get idlePairs(): number {
    return this.#idle.length - this.#idleHead;
  }

  /** Their sockets: open files the pool keeps on purpose. */
  get socketsIdle(): number {
    return 2 * this.idlePairs;
  }

  /** Binds skipped because a port was taken by someone else. */
  get bindFailures(): number {
    return this.#bindFailures;
  }

  /**
   * Binds the next free pair. Throws MEDIA_PORTS_EXHAUSTED when every free pair has been tried
   * (or none is free), MEDIA_BIND_FAILED for a bind error that no other port would avoid.
   */
  async allocate(): Promise<PortPair> {
    const idle = this.#takeIdle(this.#count === 0);
    if (idle) return idle;
    for (let attempts = this.#count; attempts > 0; attempts--) {
      const index = this.#shift();
      if (index === undefined) break;
      const rtpPort = this.#firstPort + 2 * index;
      try {
        const pair = await this.#bindPair(rtpPort);
        this.#out[index] = pair;
        this.#issued.add(pair);
        return pair;
      } catch (err) {
        this.#push(index);
        const code = (err as NodeJS.ErrnoException).code;
        // Only "taken" is worth trying another port for; EADDRNOTAVAIL or EACCES fail for all.
        if (code !== 'EADDRINUSE') {
          throw new MediaError('MEDIA_BIND_FAILED', `cannot bind ${this.host}:${rtpPort}: ${String(code ?? err)}`, { cause: err });
        }
        this.#bindFailures++;
        this.#log.debug('port pair taken, skipped', { port: rtpPort });
      }
    }
    throw new MediaError('MEDIA_PORTS_EXHAUSTED', `no free RTP/RTCP pair in ${this.#firstPort}-${this.#firstPort + 2 * this.capacity - 1}`);
  }

  /**
   * Closes both sockets, then puts the pair back. Idempotent: a second call returns the same
   * promise (or resolves at once when the pair is already back).
   */
  release(pair: PortPair): Promise<void> {
    if (!this.#issued.has(pair)) return Promise.reject(new MediaError('MEDIA_FOREIGN_PAIR', 'pair not allocated by this pool'));
    const pending = this.#releasing.get(pair);
    if (pending) return pending;
    const index = (pair.rtpPort - this.#firstPort) / 2;
    if (this.#out[index] !== pair) return Promise.resolve();
    if (!this.#closed && this.idlePairs < this.#idleMax) {
      this.#out[index] = undefined;
      this.#keepIdle(index, pair);
      return Promise.resolve();
    }
    const done = Promise.all([this.#close(pair.rtp), this.#close(pair.rtcp)]).then(() => {
      // The ports return only now that the kernel has let go of them.
      this.#out[index] = undefined;
      this.#releasing.delete(pair);
      this.#push(index);
    });
    this.#releasing.set(pair, done);
    return done;
  }

  /**
   * Closes the idle pairs and stops keeping released ones (the pool still hands out pairs, bound
   * afresh). Pairs in use are released by their owners, and then closed. For shutdown and leak checks.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    const idle = this.#idle.slice(this.#idleHead);
    this.#idle = [];
    this.#idleHead = 0;
    await Promise.all(idle.map((p) => this.#closeIdle(p)));
  }

  /** Strips the call's listeners and queues the pair; what still arrives is read and dropped. */
  #keepIdle(index: number, pair: PortPair): void {
    const { rtp, rtcp } = pair;
    const entry: IdlePair = {
      index,
      rtp,
      rtcp,
      releasedAt: this.#clock.now(),
      strayAt: -Infinity,
      onStray: () => {
        entry.strayAt = this.#clock.now();
      },
    };
    for (const s of [rtp, rtcp]) {
      s.removeAllListeners('message');
      s.removeAllListeners('error');
      s.on('error', (e) => this.#log.warn('media socket error', { port: s === rtp ? pair.rtpPort : pair.rtcpPort, err: e.message }));
      s.on('message', entry.onStray);
    }
    this.#idle.push(entry);
    this.#sweep();
  }

  /**
   * The oldest idle pair once it has been silent for reuseAfterMs (or at once when `urgent`: the
   * ring has nothing left, and a quiet pair beats a 503). Pairs that still receive are closed.
   */
  #takeIdle(urgent: boolean): PortPair | undefined {
    this.#sweep();
    while (this.idlePairs > 0) {
      const entry = this.#idle[this.#idleHead]!;
      const now = this.#clock.now();
      const quietSince = Math.max(entry.releasedAt, entry.strayAt);
      if (now - quietSince < this.#reuseAfterMs) {
        // Something still sends to it: it is not handed out, and closing it returns the ports to the ring.
        if (entry.strayAt !== -Infinity) {
          this.#shiftIdle();
          void this.#closeIdle(entry);
          continue;
        }
        if (!urgent) return undefined;
      }
      this.#shiftIdle();
      for (const s of [entry.rtp, entry.rtcp]) {
        s.removeAllListeners('message');
        s.removeAllListeners('error');
        s.on('error', (e) => this.#log.warn('media socket error', { err: e.message }));
      }
      const rtpPort = this.#firstPort + 2 * entry.index;
      // A new object: a second release of the old one (a finished session) must not touch this call.
      const pair: PortPair = { rtpPort, rtcpPort: rtpPort + 1, rtp: entry.rtp, rtcp: entry.rtcp };
      this.#out[entry.index] = pair;
      this.#issued.add(pair);
      return pair;
    }
    return undefined;
  }

  /** Closes idle pairs kept longer than idleCloseMs (the oldest are at the head); rearms the timer. */
  #sweep(): void {
    const now = this.#clock.now();
    while (this.idlePairs > 0) {
      const entry = this.#idle[this.#idleHead]!;
      if (now - entry.releasedAt < this.#idleCloseMs) break;
      this.#shiftIdle();
      void this.#closeIdle(entry);
    }
    // One timer for the whole queue, set while it is not empty: the oldest pair's deadline.
    if (this.idlePairs === 0 || this.#closed) {
      this.#clock.clearTimeout(this.#sweepTimer);
      this.#sweepTimer = undefined;
    } else if (this.#sweepTimer === undefined) {
      const due = this.#idle[this.#idleHead]!.releasedAt + this.#idleCloseMs - now;
      this.#sweepTimer = this.#clock.setTimeout(this.#onSweepTimer, Math.max(0, due));
    }
  }

  readonly #onSweepTimer = (): void => {
    this.#sweepTimer = undefined;
    this.#sweep();
  };

  #shiftIdle(): void {
    this.#idleHead++;
    // Compact now and then, so the array does not grow with every pair ever kept.
    if (this.#idleHead > 1024 && this.#idleHead * 2 > this.#idle.length) {
      this.#idle = this.#idle.slice(this.#idleHead);
      this.#idleHead = 0;
    }
  }

  /** Closes an idle pair's sockets (already out of the queue) and returns its ports to the ring. */
  async #closeIdle(entry: IdlePair): Promise<void> {
    await Promise.all([this.#close(entry.rtp), this.#close(entry.rtcp)]);
    this.#push(entry.index);
  }

  async #bindPair(rtpPort: number): Promise<PortPair> {
    const rtp = await this.#bind(rtpPort);
    let rtcp: Socket;
    try {
      rtcp = await this.#bind(rtpPort + 1);
    } catch (err) {
      await this.#close(rtp);
      throw err;
    }
    return { rtpPort, rtcpPort: rtpPort + 1, rtp, rtcp };
  }

  #bind(port: number): Promise<Socket> {
    const socket = dgram.createSocket({ type: this.type, lookup: ipLiteralLookup });
    this.#sockets++;
    return new Promise<Socket>((resolve, reject) => {
      const onError = (err: Error) => {
        socket.off('listening', onListening);
        this.#close(socket).then(
          () => reject(err),
          () => reject(err),
        );
      };
      const onListening = () => {
        socket.off('error', onError);
        // Until a session takes over, an error must not crash the process as an unhandled event.
        socket.on('error', (e) => this.#log.warn('media socket error', { port, err: e.message }));
        this.#setBuffers(socket, port);
        resolve(socket);
      };
      socket.once('error', onError);
      socket.once('listening', onListening);
      socket.bind({ port, address: this.host, exclusive: true });
    });
  }

  #setBuffers(socket: Socket, port: number): void {
    try {
      socket.setRecvBufferSize(this.#recvBufferSize);
      socket.setSendBufferSize(this.#sendBufferSize);
    } catch (err) {
      this.#log.warn('cannot set socket buffer sizes', { port, err: (err as Error).message });
    }
  }

  #close(socket: Socket): Promise<void> {
    return new Promise<void>((resolve) => {
      socket.removeAllListeners('message');
      socket.close(() => {
        this.#sockets--;
        resolve();
      });
    });
  }

  #push(index: number): void {
    this.#ring[(this.#head + this.#count) % this.capacity] = index;
    this.#count++;
  }

  #shift(): number | undefined {
    if (this.#count === 0) return undefined;
    const index = this.#ring[this.#head]!;
    this.#head = (this.#head + 1) % this.capacity;
    this.#count--;
    return index;
  }
}
