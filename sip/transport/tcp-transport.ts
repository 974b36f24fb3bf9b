// SIP over TCP (RFC 3261 §18): a listening server plus outbound connections, one table of both.
// §18.2.2: a response goes back over the connection its request came on; §18.1.1 (and RFC 5923's
// spirit): a request to a host:port reuses an open connection to it, whichever side opened it.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { isIPv6 } from 'node:net';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import { resolveLimits, serialize, type SipLimits, type SipMessage } from '../message/index.ts';
import { Inbound, type InboundOptions } from './inbound.ts';
import { Listeners } from './listeners.ts';
import { advertisedHost } from './local-address.ts';
import { TcpConnection, type ConnectionOwner } from './tcp-connection.ts';
import { TransportError, type Destination, type HostPort, type Transport, type TransportEvents } from './types.ts';
import { hostPortKey, normalizeHost } from './via-handling.ts';

export interface TcpTransportOptions extends InboundOptions {
  /** Address to listen on: an IPv4 or IPv6 literal, or a wildcard (0.0.0.0, ::). */
  host: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** The address and port written in Via sent-by, when not the bound ones. */
  advertise?: { host: string; port?: number };
  id?: string;
  clock?: Clock;
  logger?: Logger;
  /** Parser limits (STREAM_LIMITS by default): maxMessageBytes bounds each connection's buffer. */
  limits?: Partial<SipLimits>;
  /** Open connections, both directions. Inbound ones past it are refused, outbound sends fail. Default 1024. */
  maxConnections?: number;
  /**
   * A connection with no traffic and no transaction holding it is closed after this long. Default
   * 180 s: longer than the 95-120 s CRLF keep-alive interval RFC 5626 §4.4.1 suggests for TCP flows.
   */
  idleTimeoutMs?: number;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Bytes queued for a peer that does not read before its connection is destroyed. Default 1 MiB. */
  maxWriteBufferBytes?: number;
  /** How long a graceful close waits for the peer's FIN. Default 5 s. */
  closeGraceMs?: number;
}

export class TcpTransport implements Transport {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  readonly limits: SipLimits;
  readonly #opts: TcpTransportOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #events: Listeners<TransportEvents>;
  readonly #owner: ConnectionOwner;
  readonly #maxConnections: number;
  readonly #conns = new Map<string, TcpConnection>();
  readonly #byPeer = new Map<string, TcpConnection>();
  #server: Server | undefined;
  #local: HostPort;
  #id: string | undefined;
  #closed = false;
  #next = 1;

  constructor(opts: TcpTransportOptions) {
    this.#opts = opts;
    this.limits = resolveLimits('stream', opts.limits);
    this.#logger = (opts.logger ?? silentLogger).child('tcp');
    this.#clock = opts.clock ?? systemClock;
    this.#events = new Listeners<TransportEvents>(this.#logger);
    this.#local = { host: normalizeHost(opts.host), port: opts.port };
    this.#maxConnections = opts.maxConnections ?? 1024;
    const inbound = new Inbound({
      events: this.#events,
      logger: this.#logger,
      clock: this.#clock,
      options: opts,
      sentBy: () => this.sentBy,
    });
    this.#owner = {
      transportId: () => this.id,
      clock: this.#clock,
      logger: this.#logger,
      limits: this.limits,
      inbound,
      idleTimeoutMs: opts.idleTimeoutMs ?? 180_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
      maxWriteBufferBytes: opts.maxWriteBufferBytes ?? 1024 * 1024,
      closeGraceMs: opts.closeGraceMs ?? 5_000,
      gone: (conn) => this.#gone(conn),
    };
  }

  get id(): string {
    return this.#id ?? this.#opts.id ?? `tcp:${this.#local.host}:${this.#local.port}`;
  }

  get local(): HostPort {
    return this.#local;
  }

  get sentBy(): HostPort {
    const a = this.#opts.advertise;
    return { host: a ? normalizeHost(a.host) : advertisedHost(this.#local.host), port: a?.port ?? this.#local.port };
  }

  get connectionCount(): number {
    return this.#conns.size;
  }

  /** The open connections (for tests and diagnostics). */
  connections(): readonly TcpConnection[] {
    return [...this.#conns.values()];
  }

  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void {
    return this.#events.on(event, listener);
  }

  hold(connectionId: string): () => void {
    const conn = this.#conns.get(connectionId);
    return conn ? conn.hold() : () => {};
  }

  listen(): Promise<HostPort> {
    if (this.#server) return Promise.reject(new Error(`${this.id} is already listening`));
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    return new Promise<HostPort>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.#opts.port, host: this.#local.host, ipv6Only: false }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.#logger.error('tcp server error', { id: this.id, err: err.message }));
        const addr = server.address();
        if (addr && typeof addr === 'object') this.#local = { host: normalizeHost(addr.address), port: addr.port };
        this.#id = this.#opts.id ?? `tcp:${this.#local.host}:${this.#local.port}`;
        this.#logger.info('tcp listening', { id: this.id, sentBy: `${this.sentBy.host}:${this.sentBy.port}` });
        resolve(this.#local);
      });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const c of [...this.#conns.values()]) c.destroy();
    const server = this.#server;
    if (!server) return Promise.resolve();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportError('CLOSED', `${this.id} is closed`));
    let buf: Buffer;
    try {
      buf = serialize(message);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    let conn: TcpConnection | undefined;
    // §18.2.2: the connection the request came on, while it is open.
    if (destination.connectionId !== undefined) {
      conn = this.#conns.get(destination.connectionId);
      if (conn && !conn.usable) conn = undefined;
    }
    // Otherwise any open connection to that host:port, opened by either side.
    if (!conn) {
      conn = this.#byPeer.get(hostPortKey(destination.host, destination.port));
      if (conn && !conn.usable) conn = undefined;
    }
    if (!conn) {
      if (this.#conns.size >= this.#maxConnections) {
        return Promise.reject(new TransportError('TOO_MANY_CONNECTIONS', `${this.id}: ${this.#conns.size} connections open`));
      }
      conn = this.#connect(destination.host, destination.port);
    }
    return conn.write(buf);
  }

  #accept(socket: Socket): void {
    if (this.#closed || !socket.remoteAddress || !socket.remotePort) {
      socket.destroy();
      return;
    }
    if (this.#conns.size >= this.#maxConnections) {
      this.#logger.warn('tcp connection refused: limit reached', { src: `${socket.remoteAddress}:${socket.remotePort}`, max: this.#maxConnections });
      socket.destroy();
      return;
    }
    const conn = new TcpConnection({
      id: `${this.id}#${this.#next++}`,
      socket,
      owner: this.#owner,
      outbound: false,
      remoteHost: socket.remoteAddress,
      remotePort: socket.remotePort,
    });
    this.#register(conn, hostPortKey(conn.remoteHost, conn.remotePort));
    this.#logger.debug('tcp connection accepted', { conn: conn.id, src: `${conn.remoteHost}:${conn.remotePort}` });
  }

  #connect(host: string, port: number): TcpConnection {
    const h = normalizeHost(host);
    const socket = connect({ host: h, port, family: isIPv6(h) ? 6 : undefined });
    const conn = new TcpConnection({ id: `${this.id}#${this.#next++}`, socket, owner: this.#owner, outbound: true, remoteHost: h, remotePort: port });
    this.#register(conn, hostPortKey(h, port));
    socket.once('connect', () => {
      // Also reachable under the address it connected to (the destination may have been a name).
      if (conn.usable) this.#index(conn, hostPortKey(conn.remoteHost, conn.remotePort));
    });
    this.#logger.debug('tcp connecting', { conn: conn.id, dst: `${h}:${port}` });
    return conn;
  }

  #register(conn: TcpConnection, key: string): void {
    this.#conns.set(conn.id, conn);
    this.#index(conn, key);
  }

  #index(conn: TcpConnection, key: string): void {
    conn.keys.add(key);
    this.#byPeer.set(key, conn);
  }

  #gone(conn: TcpConnection): void {
    if (this.#conns.get(conn.id) !== conn) return;
    this.#conns.delete(conn.id);
    for (const k of conn.keys) if (this.#byPeer.get(k) === conn) this.#byPeer.delete(k);
    this.#logger.debug('tcp connection closed', { conn: conn.id });
    this.#events.emit('connectionClosed', conn.id);
  }
}
