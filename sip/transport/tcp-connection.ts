// One TCP connection carrying SIP (RFC 3261 §18.3, RFC 5626 §3.5.1): framed by the stream parser
// under a buffer limit, answering double-CRLF pings with a CRLF pong, closed when idle unless a
// transaction holds it, and destroyed when the peer stops reading.
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import { SipStreamParser, serialize, type SipLimits, type SipResponse } from '../message/index.ts';
import type { Inbound } from './inbound.ts';
import { TransportError, type Source } from './types.ts';
import { normalizeHost } from './via-handling.ts';

/** What a connection needs from the transport that owns it. */
export interface ConnectionOwner {
  readonly transportId: () => string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: SipLimits;
  readonly inbound: Inbound;
  /** 0 or Infinity: never closed for idleness. */
  readonly idleTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxWriteBufferBytes: number;
  /** How long a graceful close waits for the peer's FIN before destroying the socket. */
  readonly closeGraceMs: number;
  /** Called once, when the connection is closed for good. */
  gone(conn: TcpConnection): void;
}

type State = 'connecting' | 'open' | 'closing' | 'closed';

interface PendingWrite {
  readonly buf: Buffer;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

const PONG = Buffer.from('\r\n');

export class TcpConnection {
  readonly id: string;
  readonly outbound: boolean;
  /** The keys the owner indexed this connection under (host:port of the peer). */
  readonly keys = new Set<string>();
  #remoteHost: string;
  #remotePort: number;
  readonly #socket: Socket;
  readonly #owner: ConnectionOwner;
  readonly #parser: SipStreamParser;
  #state: State;
  #queued: PendingWrite[] = [];
  /** Writes handed to the socket whose callback has not run: failed on close. */
  readonly #inFlight = new Set<PendingWrite>();
  #holds = 0;
  #lastActivity: number;
  #idleTimer: TimerHandle | undefined;
  #connectTimer: TimerHandle | undefined;
  #graceTimer: TimerHandle | undefined;

  constructor(opts: {
    id: string;
    socket: Socket;
    owner: ConnectionOwner;
    outbound: boolean;
    remoteHost: string;
    remotePort: number;
  }) {
    this.id = opts.id;
    this.outbound = opts.outbound;
    this.#socket = opts.socket;
    this.#owner = opts.owner;
    this.#remoteHost = normalizeHost(opts.remoteHost);
    this.#remotePort = opts.remotePort;
    this.#parser = new SipStreamParser(opts.owner.limits);
    this.#lastActivity = opts.owner.clock.now();
    const socket = opts.socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => {
      this.#owner.logger.debug('tcp connection error', { conn: this.id, err: err.message });
      this.#finish(new TransportError(this.#state === 'connecting' ? 'CONNECT_FAILED' : 'CONNECTION_CLOSED', `${this.id}: ${err.message}`, err));
    });
    socket.on('close', () => this.#finish(new TransportError('CONNECTION_CLOSED', `${this.id} closed`)));
    if (opts.outbound) {
      this.#state = 'connecting';
      socket.once('connect', () => this.#onConnect());
      this.#connectTimer = this.#owner.clock.setTimeout(() => {
        this.#connectTimer = undefined;
        if (this.#state !== 'connecting') return;
        this.#owner.logger.debug('tcp connect timed out', { conn: this.id });
        this.#finish(new TransportError('CONNECT_TIMEOUT', `${this.id}: connect timed out`));
      }, this.#owner.connectTimeoutMs);
    } else {
      this.#state = 'open';
      this.#armIdle(this.#owner.idleTimeoutMs);
    }
  }

  get remoteHost(): string {
    return this.#remoteHost;
  }
  get remotePort(): number {
    return this.#remotePort;
  }
  get state(): State {
    return this.#state;
  }
  /** Open or about to be: messages may be written to it. */
  get usable(): boolean {
    return this.#state === 'connecting' || this.#state === 'open';
  }
  /** Bytes held by the parser for a message not complete yet. */
  get buffered(): number {
    return this.#parser.buffered;
  }

  get source(): Source {
    return {
      transport: 'tcp',
      host: this.#remoteHost,
      port: this.#remotePort,
      transportId: this.#owner.transportId(),
      connectionId: this.id,
    };
  }

  /** Queues bytes; resolves once the socket took them. */
  write(buf: Buffer): Promise<void> {
    if (!this.usable) return Promise.reject(new TransportError('CONNECTION_CLOSED', `${this.id} is closed`));
    return new Promise<void>((resolve, reject) => {
      const w: PendingWrite = { buf, resolve, reject };
      if (this.#state === 'connecting') this.#queued.push(w);
      else this.#writeNow(w);
    });
  }

  /** Keeps the connection from idling out; returns the (idempotent) release function. */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holds === 0 && this.#state === 'open') {
        this.#lastActivity = this.#owner.clock.now();
        this.#armIdle(this.#owner.idleTimeoutMs);
      }
    };
  }

  get holds(): number {
    return this.#holds;
  }

  /** Graceful close: what is queued is written, then FIN; destroyed if the peer lingers. */
  close(): void {
    if (!this.usable) return;
    if (this.#state === 'connecting') {
      this.destroy();
      return;
    }
    this.#state = 'closing';
    this.#clearTimers();
    this.#socket.end();
    this.#graceTimer = this.#owner.clock.setTimeout(() => {
      this.#graceTimer = undefined;
      this.destroy();
    }, this.#owner.closeGraceMs);
  }

  destroy(): void {
    this.#socket.destroy();
    this.#finish(new TransportError('CONNECTION_CLOSED', `${this.id} closed`));
  }

  #writeNow(w: PendingWrite): void {
    const socket = this.#socket;
    if (socket.writableLength + w.buf.length > this.#owner.maxWriteBufferBytes) {
      w.reject(new TransportError('WRITE_BUFFER_FULL', `${this.id}: the peer does not read`));
      this.#owner.logger.warn('tcp peer does not read; connection destroyed', { conn: this.id, queued: socket.writableLength });
      this.destroy();
      return;
    }
    this.#touch();
    this.#inFlight.add(w);
    socket.write(w.buf, (err) => {
      if (!this.#inFlight.delete(w)) return;
      if (err) w.reject(new TransportError('SEND_FAILED', `${this.id}: ${err.message}`, err));
      else w.resolve();
    });
  }

  #onConnect(): void {
    this.#owner.clock.clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    if (this.#state !== 'connecting') return;
    this.#state = 'open';
    // The peer's address as connected (the destination may have been a name).
    if (this.#socket.remoteAddress) this.#remoteHost = normalizeHost(this.#socket.remoteAddress);
    if (this.#socket.remotePort) this.#remotePort = this.#socket.remotePort;
    this.#armIdle(this.#owner.idleTimeoutMs);
    const queued = this.#queued;
    this.#queued = [];
    for (const w of queued) {
      if (this.#state !== 'open') w.reject(new TransportError('CONNECTION_CLOSED', `${this.id} closed`));
      else this.#writeNow(w);
    }
  }

  #onData(chunk: Buffer): void {
    if (this.#state !== 'open') return;
    this.#touch();
    try {
      this.#frame(chunk);
    } catch (e) {
      // The parser and the inbound handling promise not to throw; should they, the connection goes,
      // not the process.
      this.#owner.logger.error('tcp input handling failed; connection destroyed', { conn: this.id, err: e instanceof Error ? e.message : String(e) });
      this.destroy();
    }
  }

  #frame(chunk: Buffer): void {
    const events = this.#parser.push(chunk);
    const source = this.source;
    const reply = (res: SipResponse): void => {
      let buf: Buffer;
      try {
        buf = serialize(res);
      } catch {
        return;
      }
      this.write(buf).catch(() => {});
    };
    for (const ev of events) {
      if (!this.usable) return;
      if (ev.type === 'message') this.#owner.inbound.message(ev.message, source, reply);
      else if (ev.type === 'keepalive') {
        // RFC 5626 §3.5.1: a double-CRLF ping is answered with a single-CRLF pong.
        this.#socket.write(PONG);
      } else {
        this.#owner.inbound.parseError(ev.error, source, reply);
        // The framing is lost: the answer (if any) is written, then the connection is closed.
        if (ev.fatal) {
          this.#owner.logger.debug('tcp framing lost; closing', { conn: this.id, code: ev.error.code });
          this.close();
          return;
        }
      }
    }
  }

  #touch(): void {
    this.#lastActivity = this.#owner.clock.now();
  }

  /** The idle timer is checked lazily: activity only moves #lastActivity, the timer re-arms itself. */
  #armIdle(ms: number): void {
    const limit = this.#owner.idleTimeoutMs;
    if (!(limit > 0) || limit === Infinity) return;
    this.#owner.clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = this.#owner.clock.setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#state !== 'open' || this.#holds > 0) return;
      const idle = this.#owner.clock.now() - this.#lastActivity;
      if (idle >= limit) {
        this.#owner.logger.debug('tcp connection idle; closing', { conn: this.id, idleMs: idle });
        this.close();
      } else this.#armIdle(limit - idle);
    }, ms);
  }

  #clearTimers(): void {
    const clock = this.#owner.clock;
    clock.clearTimeout(this.#idleTimer);
    clock.clearTimeout(this.#connectTimer);
    this.#idleTimer = this.#connectTimer = undefined;
  }

  /** The end of the connection, whatever the cause: timers cleared, waiting writes failed, owner told. */
  #finish(error: TransportError): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#clearTimers();
    this.#owner.clock.clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    for (const w of this.#queued) w.reject(error);
    this.#queued = [];
    for (const w of this.#inFlight) w.reject(error);
    this.#inFlight.clear();
    if (!this.#socket.destroyed) this.#socket.destroy();
    this.#owner.gone(this);
  }
}
