// SIP transports (RFC 3261 §18, RFC 3581, RFC 5626 §3.5.1): UDP sockets and TCP connections behind
// one interface, and the transport layer the transaction layer sits on.
export {
  TransportError,
  isReliable,
  type Destination,
  type Endpoint,
  type HostPort,
  type Source,
  type Transport,
  type TransportErrorCode,
  type TransportEvents,
  type TransportProtocol,
} from './types.ts';
export { UdpTransport, MAX_DATAGRAM_BYTES, UDP_REQUEST_SIZE_LIMIT, type UdpTransportOptions } from './udp-transport.ts';
export { TcpTransport, type TcpTransportOptions } from './tcp-transport.ts';
export type { TcpConnection } from './tcp-connection.ts';
export { TransportLayer, type TransportLayerOptions } from './transport-layer.ts';
export { errorResponse, type InboundOptions } from './inbound.ts';
export {
  DEFAULT_SIP_PORT,
  addTopVia,
  hostForVia,
  hostPortKey,
  normalizeHost,
  responseDestination,
  sentByIsOurs,
  stampReceived,
} from './via-handling.ts';
export { advertisedHost, familyOf, isUnspecified } from './local-address.ts';
