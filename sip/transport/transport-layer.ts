// The transport layer of a node (RFC 3261 §18): every UDP socket and TCP listener behind one object
// that the transaction layer talks to. It chooses the transport for a destination, writes the
// client's top Via (§18.1.1), works out where responses go (§18.2.2) and relays what was received.
import { silentLogger, type Logger } from '../../lib/log.ts';
import { serialize, type SipMessage, type SipParseError, type SipRequest } from '../message/index.ts';
import { Listeners } from './listeners.ts';
import { familyOf } from './local-address.ts';
import { UDP_REQUEST_SIZE_LIMIT } from './udp-transport.ts';
import {
  TransportError,
  type Destination,
  type HostPort,
  type Source,
  type Transport,
  type TransportProtocol,
} from './types.ts';
import { addTopVia, responseDestination } from './via-handling.ts';

export interface TransportLayerOptions {
  transports: readonly Transport[];
  logger?: Logger;
  /**
   * §18.1.1: send a request that would exceed 1300 bytes over UDP over TCP instead, when a TCP
   * transport is configured (the Via then says TCP). Default false: phones registered over UDP behind
   * NAT cannot take a connection from us, and the RFC's fall back to UDP after a failed connect is not
   * implemented (see NOTES.md).
   */
  switchLargeRequestsToTcp?: boolean;
}

interface LayerEvents {
  message: (message: SipMessage, source: Source) => void;
  parseError: (error: SipParseError, source: Source, answered: boolean) => void;
}

/** A generous allowance for the Via the layer adds (sent-by, branch, rport). */
const VIA_ALLOWANCE = 100;

export class TransportLayer {
  readonly transports: readonly Transport[];
  readonly #logger: Logger;
  readonly #events: Listeners<LayerEvents>;
  readonly #switchLarge: boolean;

  constructor(opts: TransportLayerOptions) {
    if (opts.transports.length === 0) throw new RangeError('the transport layer needs at least one transport');
    this.transports = [...opts.transports];
    this.#logger = (opts.logger ?? silentLogger).child('transport');
    this.#events = new Listeners<LayerEvents>(this.#logger);
    this.#switchLarge = opts.switchLargeRequestsToTcp ?? false;
    for (const t of this.transports) {
      t.on('message', (m, s) => this.#events.emit('message', m, s));
      t.on('parseError', (e, s, a) => this.#events.emit('parseError', e, s, a));
    }
  }

  /** Binds every transport. */
  async start(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.listen()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close()));
  }

  onMessage(handler: (message: SipMessage, source: Source) => void): () => void {
    return this.#events.on('message', handler);
  }

  onParseError(handler: (error: SipParseError, source: Source, answered: boolean) => void): () => void {
    return this.#events.on('parseError', handler);
  }

  /** Open stream connections over all transports. */
  get connectionCount(): number {
    return this.transports.reduce((n, t) => n + t.connectionCount, 0);
  }

  /**
   * The transport a destination is sent from: the one it names, else the first of its protocol
   * whose address family fits the destination (a wildcard IPv6 socket takes both).
   */
  select(destination: Destination): Transport | undefined {
    if (destination.transportId !== undefined) {
      const t = this.transports.find((x) => x.id === destination.transportId);
      if (t && t.protocol === destination.transport) return t;
    }
    const family = familyOf(destination.host);
    let fallback: Transport | undefined;
    for (const t of this.transports) {
      if (t.protocol !== destination.transport) continue;
      fallback ??= t;
      const tf = familyOf(t.local.host);
      const dual = t.local.host === '::';
      if (family === undefined || tf === family || (dual && family === 4)) return t;
    }
    return fallback;
  }

  /** The sent-by of the transport that would carry a destination. */
  sentBy(destination: Destination): HostPort | undefined {
    return this.select(destination)?.sentBy;
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    const t = this.select(destination);
    if (!t) {
      return Promise.reject(new TransportError('NO_TRANSPORT', `no ${destination.transport} transport for ${destination.host}:${destination.port}`));
    }
    return t.send(message, destination);
  }

  /** send without a Promise: a failure calls `onError`, always after this returns. */
  sendOr(message: SipMessage, destination: Destination, onError: (error: Error) => void): void {
    const t = this.select(destination);
    if (!t) {
      const err = new TransportError('NO_TRANSPORT', `no ${destination.transport} transport for ${destination.host}:${destination.port}`);
      queueMicrotask(() => onError(err));
    } else if (t.sendOr) t.sendOr(message, destination, onError);
    else t.send(message, destination).catch(onError);
  }

  /**
   * §18.1.1, §8.1.1.7, RFC 3581 §3: adds the top Via of a request we originate (our sent-by, the
   * transport, a fresh branch, `rport`) and returns the destination pinned to the transport chosen,
   * so that retransmissions, the ACK and a CANCEL leave from the same socket. With
   * `switchLargeRequestsToTcp`, a request over 1300 bytes bound for UDP goes over TCP. Never throws:
   * without a fitting transport the send fails later with NO_TRANSPORT.
   */
  prepareRequest(request: SipRequest, destination: Destination): Destination {
    let dest = destination;
    if (dest.transport === 'udp' && this.#switchLarge) {
      const tcp = this.select({ ...dest, transport: 'tcp', transportId: undefined });
      if (tcp && serialize(request).length + VIA_ALLOWANCE > UDP_REQUEST_SIZE_LIMIT) {
        this.#logger.debug('large request switched from UDP to TCP (§18.1.1)', { method: request.method });
        dest = { transport: 'tcp', host: dest.host, port: dest.port };
      }
    }
    const t = this.select(dest) ?? this.transports[0]!;
    addTopVia(request, { transport: dest.transport, sentBy: t.sentBy });
    return t.protocol === dest.transport ? { ...dest, transportId: t.id } : dest;
  }

  /** §18.2.2, RFC 3581 §4: where the responses to a received request go. */
  responseDestination(request: SipRequest, source: Source): Destination {
    const via = request.topVia;
    if (!via) return { transport: source.transport, host: source.host, port: source.port, transportId: source.transportId };
    return responseDestination(via, source);
  }

  /** Keeps a stream connection open while a transaction needs it; returns the release function. */
  hold(endpoint: { readonly transportId?: string; readonly connectionId?: string }): () => void {
    if (endpoint.connectionId === undefined) return () => {};
    const t = this.transports.find((x) => x.id === endpoint.transportId);
    return t ? t.hold(endpoint.connectionId) : () => {};
  }

  /** The protocols configured. */
  get protocols(): readonly TransportProtocol[] {
    return [...new Set(this.transports.map((t) => t.protocol))];
  }
}
