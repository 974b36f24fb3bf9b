// The contract between the SIP transports (RFC 3261 §18) and the transaction layer above them:
// where a message came from, where one goes, and what a transport reports.
import type { SipMessage, SipParseError } from '../message/index.ts';

/** The transports this stack speaks; lower case as in the config file, upper case in Via. */
export type TransportProtocol = 'udp' | 'tcp';

/** §17.1.1.2, §17.2.1: TCP (like TLS and SCTP) is reliable, UDP is not; the transaction timers depend on it. */
export function isReliable(transport: TransportProtocol): boolean {
  return transport !== 'udp';
}

/** An address and port reached over one transport. Hosts are written without IPv6 brackets. */
export interface Endpoint {
  readonly transport: TransportProtocol;
  readonly host: string;
  readonly port: number;
}

/** Where a received message came from. */
export interface Source extends Endpoint {
  /** The local transport (listen address) it arrived on: responses leave from it (RFC 3581 §4). */
  readonly transportId: string;
  /** Stream transports: the connection it arrived on (§18.2.2: responses go back on it). */
  readonly connectionId?: string;
}

/** Where a message is to be sent. */
export interface Destination extends Endpoint {
  /** Use this connection while it is open, whatever host and port say (§18.2.2). */
  readonly connectionId?: string;
  /** Send from this local transport; otherwise one of the right protocol and address family is chosen. */
  readonly transportId?: string;
}

/** A host and port as written in a Via sent-by (§18.1.1). IPv6 hosts without brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type TransportErrorCode =
  /** No transport of the destination's protocol (or address family) is configured. */
  | 'NO_TRANSPORT'
  /** The message does not fit in a datagram. */
  | 'MESSAGE_TOO_LARGE'
  | 'CONNECT_FAILED'
  | 'CONNECT_TIMEOUT'
  | 'CONNECTION_CLOSED'
  | 'TOO_MANY_CONNECTIONS'
  /** The peer does not read: more than the write buffer limit is queued on its connection. */
  | 'WRITE_BUFFER_FULL'
  | 'SEND_FAILED'
  /** The transport is closed or not listening yet. */
  | 'CLOSED';

/** A send that failed: §8.1.3.1 makes the client transaction treat it as a 503, §17.2.4 informs the TU. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

export interface TransportEvents {
  /** A message that parsed and validated; a request's top Via has received/rport filled in (§18.2.1). */
  message: (message: SipMessage, source: Source) => void;
  /** A message refused; `answered` when a 4xx/5xx went back to the source. */
  parseError: (error: SipParseError, source: Source, answered: boolean) => void;
  /** A stream connection closed (for leak checks and logs). */
  connectionClosed: (connectionId: string) => void;
}

/** One listen address of one protocol (RFC 3261 §18). */
export interface Transport {
  /** Unique among the transports of a node, e.g. "udp:127.0.0.1:5060". */
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  /** The bound address (the port is known after listen()). */
  readonly local: HostPort;
  /** What requests sent from here carry as Via sent-by (§18.1.1): the advertised address. */
  readonly sentBy: HostPort;
  /** Binds the socket. Resolves with the bound address. */
  listen(): Promise<HostPort>;
  /** Closes the socket and every connection; pending sends fail with CLOSED. */
  close(): Promise<void>;
  /** Serializes and sends; rejects with a TransportError. Never throws synchronously. */
  send(message: SipMessage, destination: Destination): Promise<void>;
  /**
   * send without a Promise, for the transaction layer's many sends: a failure calls `onError` with
   * the TransportError, always after the call has returned (as a rejection would). Optional.
   */
  sendOr?(message: SipMessage, destination: Destination, onError: (error: Error) => void): void;
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): () => void;
  /** Open stream connections; always 0 for a datagram transport. */
  readonly connectionCount: number;
  /**
   * Keeps a connection from being closed as idle while a transaction needs it. Returns the release
   * function (idempotent). A no-op for datagram transports and unknown connections.
   */
  hold(connectionId: string): () => void;
}
