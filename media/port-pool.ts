// RTP/RTCP port pairs from the configured range. RTP takes the even port and RTCP the next one up
// (RFC 3550 §11: RTP on an even port, RTCP on the odd port above it, the convention RFC 3605 keeps
// when a=rtcp is absent). Sockets are bound on allocation, not up front: the whole range would be
// 10,000 files against a 20,000 limit, and idle sockets cost memory for nothing.
//
// The free pairs wait in a FIFO ring, so allocate and release are O(1) and a released pair goes to
// the back: late packets of a finished call die on a closed port instead of reaching the next
// call. A pair whose bind fails because something else holds one of its ports is skipped and
// goes to the back too (its holder may let go later); it is never handed out half bound.
import dgram from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { ipLiteralLookup } from './ip-literal-lookup.ts';
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
}

const DEFAULT_BUFFER = 256 * 1024;

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
    this.#ring = new Int32Array(capacity);
    this.#out = new Array<PortPair | undefined>(capacity).fill(undefined);
    for (let i = 0; i < capacity; i++) this.#push(i);
  }

  /** Pairs ready to hand out. */
  get free(): number {
    return this.#count;
  }

  /** Pairs not free: handed out, being bound, or being closed. */
  get inUse(): number {
    return this.capacity - this.#count;
  }

  /** Sockets created and not yet closed, across all pairs. */
  get socketsOpen(): number {
    return this.#sockets;
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
    const done = Promise.all([this.#close(pair.rtp), this.#close(pair.rtcp)]).then(() => {
      // The ports return only now that the kernel has let go of them.
      this.#out[index] = undefined;
      this.#releasing.delete(pair);
      this.#push(index);
    });
    this.#releasing.set(pair, done);
    return done;
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
