// SIP over UDP (RFC 3261 §18): one dgram socket per listen address. Each datagram is one message
// (§18.3), parsed with parseDatagram; responses and requests leave from the same socket, so a NAT
// in front of a phone sees one mapping (RFC 3581 §4).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import {
  SipParseError,
  isKeepalive,
  parseDatagram,
  resolveLimits,
  serialize,
  type SipLimits,
  type SipMessage,
} from '../message/index.ts';
import { Inbound, type InboundOptions } from './inbound.ts';
import { Listeners } from './listeners.ts';
import { advertisedHost } from './local-address.ts';
import { TransportError, type Destination, type HostPort, type Source, type Transport, type TransportEvents } from './types.ts';
import { isDottedQuad, normalizeHost } from './via-handling.ts';

/** The most a UDP datagram carries over IPv4 (65,535 - 8 - 20 bytes). */
export const MAX_DATAGRAM_BYTES = 65_507;

/**
 * §18.1.1: a request larger than 1300 bytes (path MTU unknown) must go over a congestion-controlled
 * transport such as TCP. The UDP transport sends it anyway (see NOTES.md); the transport layer can
 * switch to TCP before the Via is written.
 */
export const UDP_REQUEST_SIZE_LIMIT = 1300;

export interface UdpTransportOptions extends InboundOptions {
  /** Address to bind: an IPv4 or IPv6 literal, or a wildcard (0.0.0.0, ::). */
  host: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** The address and port written in Via sent-by, when not the bound ones (NAT, wildcard bind). */
  advertise?: { host: string; port?: number };
  id?: string;
  clock?: Clock;
  logger?: Logger;
  /** Parser limits; defaults to DATAGRAM_LIMITS. */
  limits?: Partial<SipLimits>;
}

/** STUN (RFC 5389) keep-alives share the port on UDP (RFC 5626 §3.5.2); they are not SIP. */
function isStun(buf: Buffer): boolean {
  return buf.length >= 20 && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === 0x2112a442;
}

/**
 * The socket's `lookup`. Destinations are nearly always IP literals (Via received/rport, contacts);
 * the default dns.lookup still checks its arguments and answers a tick later, on every send. An IP
 * literal is answered at once; a name still goes to dns.lookup.
 */
function literalFirstLookup(
  hostname: string,
  options: LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isDottedQuad(hostname) ? 4 : isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else if (typeof options === 'number') dnsLookup(hostname, options, callback);
  else dnsLookup(hostname, options, callback);
}

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly limits: SipLimits;
  readonly #opts: UdpTransportOptions;
  readonly #logger: Logger;
  readonly #events: Listeners<TransportEvents>;
  readonly #inbound: Inbound;
  #socket: Socket | undefined;
  #local: HostPort;
  #id: string | undefined;
  #closed = false;

  constructor(opts: UdpTransportOptions) {
    this.#opts = opts;
    this.limits = resolveLimits('datagram', opts.limits);
    this.#logger = (opts.logger ?? silentLogger).child('udp');
    this.#events = new Listeners<TransportEvents>(this.#logger);
    this.#local = { host: normalizeHost(opts.host), port: opts.port };
    this.#inbound = new Inbound({
      events: this.#events,
      logger: this.#logger,
      clock: opts.clock ?? systemClock,
      options: opts,
      sentBy: () => this.sentBy,
    });
  }

  get id(): string {
    return this.#id ?? this.#opts.id ?? `udp:${this.#local.host}:${this.#local.port}`;
  }

  get local(): HostPort {
    return this.#local;
  }

  get sentBy(): HostPort {
    const a = this.#opts.advertise;
    return { host: a ? normalizeHost(a.host) : advertisedHost(this.#local.host), port: a?.port ?? this.#local.port };
  }

  get connectionCount(): number {
    return 0;
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  hold(): () => void {
    return () => {};
  }

  listen(): Promise<HostPort> {
    if (this.#socket) return Promise.reject(new Error(`${this.id} is already listening`));
    const socket = createSocket({ type: isIPv6(this.#local.host) ? 'udp6' : 'udp4', lookup: literalFirstLookup });
    this.#socket = socket;
    return new Promise<HostPort>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('message', (buf, rinfo) => this.#receive(buf, rinfo));
      socket.bind(this.#opts.port, this.#local.host, () => {
        // The default ~208 KiB holds only tens of ms of signalling at hundreds of calls/s: a busy
        // event loop then loses requests at the socket (measured in bench/sip).
        try {
          socket.setRecvBufferSize(4 << 20);
          socket.setSendBufferSize(1 << 20);
        } catch {
          /* the kernel may cap it; the default still works */
        }
        socket.off('error', reject);
        socket.on('error', (err) => this.#logger.error('udp socket error', { id: this.id, err: err.message }));
        const addr = socket.address();
        this.#local = { host: normalizeHost(addr.address), port: addr.port };
        // The id is fixed once the port is known (port 0 binds an ephemeral one).
        this.#id = this.#opts.id ?? `udp:${this.#local.host}:${this.#local.port}`;
        this.#logger.info('udp listening', { id: this.id, sentBy: `${this.sentBy.host}:${this.sentBy.port}` });
        resolve(this.#local);
      });
    });
  }

  close(): Promise<void> {
    const socket = this.#socket;
    if (!socket || this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#send(message, destination, reject, resolve));
  }

  sendOr(message: SipMessage, destination: Destination, onError: (error: Error) => void): void {
    this.#send(message, destination, onError, undefined);
  }

  /** Serializes and sends; `onError` is called later (a microtask or the socket's callback), never now. */
  #send(message: SipMessage, destination: Destination, onError: (error: Error) => void, onSent: (() => void) | undefined): void {
    const fail = (err: Error) => queueMicrotask(() => onError(err));
    const socket = this.#socket;
    if (!socket || this.#closed) return fail(new TransportError('CLOSED', `${this.id} is not open`));
    let buf: Buffer;
    try {
      buf = serialize(message);
    } catch (e) {
      return fail(e instanceof Error ? e : new Error(String(e)));
    }
    if (buf.length > MAX_DATAGRAM_BYTES) {
      return fail(new TransportError('MESSAGE_TOO_LARGE', `${buf.length} bytes do not fit in a UDP datagram`));
    }
    if (message.kind === 'request' && buf.length > UDP_REQUEST_SIZE_LIMIT) {
      this.#logger.debug('request over 1300 bytes sent over UDP (§18.1.1)', { bytes: buf.length, method: message.method });
    }
    const host = normalizeHost(destination.host);
    const port = destination.port;
    try {
      socket.send(buf, port, host, (err) => {
        if (err) onError(new TransportError('SEND_FAILED', `udp send to ${host}:${port} failed: ${err.message}`, err));
        else onSent?.();
      });
    } catch (e) {
      fail(new TransportError('SEND_FAILED', `udp send to ${host}:${port} failed`, e));
    }
  }

  #receive(buf: Buffer, rinfo: RemoteInfo): void {
    try {
      this.#handle(buf, rinfo);
    } catch (e) {
      // Nothing below promises to throw; should it, one datagram is lost, not the socket.
      this.#logger.error('udp input handling failed', { err: e instanceof Error ? e.message : String(e) });
    }
  }

  #handle(buf: Buffer, rinfo: RemoteInfo): void {
    const source: Source = { transport: 'udp', host: normalizeHost(rinfo.address), port: rinfo.port, transportId: this.id };
    // RFC 5626 §3.5.1: a datagram of CRLFs is a keep-alive; STUN keep-alives are not SIP either.
    if (isKeepalive(buf) || isStun(buf)) return;
    let msg: SipMessage;
    try {
      msg = parseDatagram(buf, this.limits);
    } catch (e) {
      const err = e instanceof SipParseError ? e : new SipParseError('SIP_BAD_HEADER', 400, 'Bad Request');
      this.#inbound.parseError(err, source, (res) => this.#reply(res, source));
      return;
    }
    this.#inbound.message(msg, source, (res) => this.#reply(res, source));
  }

  /** An answer to a refused request goes to the packet's source: its Via may be the broken part. */
  #reply(res: SipMessage, source: Source): void {
    this.send(res, source).catch((e: unknown) =>
      this.#logger.warn('answer to a malformed request not sent', { err: e instanceof Error ? e.message : String(e) }),
    );
  }
}
