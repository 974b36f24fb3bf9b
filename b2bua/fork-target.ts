// Where a fork of a call goes: one contact of the called account. A registered contact is reached
// at the address its REGISTER came from when that differs from the Contact (a phone behind NAT:
// the Contact names its private address, the flow is what the NAT opened); a static contact at
// the address its URI names.
import { parseUri, type Uri } from '../sip/message/index.ts';
import { uriEndpoint } from '../sip/dialog/index.ts';
import type { Binding } from '../sip/registrar/index.ts';
import { normalizeHost, type Destination, type TransportProtocol } from '../sip/transport/index.ts';

export interface ForkTarget {
  readonly binding: Binding;
  /** The Request-URI of the fork's INVITE: the contact itself (RFC 3261 §16.5, as a proxy would). */
  readonly requestUri: Uri;
  readonly destination: Destination;
}

const isProtocol = (t: string): t is TransportProtocol => t === 'udp' || t === 'tcp';

/** Undefined for a contact we cannot reach (not a sip: URI, or a transport we do not have). */
export function forkTarget(binding: Binding): ForkTarget | undefined {
  let requestUri: Uri;
  try {
    requestUri = parseUri(binding.contact, 'Contact');
  } catch {
    return undefined;
  }
  const endpoint = uriEndpoint(requestUri);
  if (!endpoint) return undefined;
  if (binding.kind === 'static') return { binding, requestUri, destination: endpoint };
  const flow = binding.flow;
  const transport = flow.transport.toLowerCase();
  if (!isProtocol(transport)) return { binding, requestUri, destination: endpoint };
  const via = { ...(flow.transportId !== undefined && { transportId: flow.transportId }), ...(flow.connectionId !== undefined && { connectionId: flow.connectionId }) };
  const differs = transport !== endpoint.transport || normalizeHost(flow.host) !== endpoint.host || flow.port !== endpoint.port;
  const destination: Destination = differs ? { transport, host: normalizeHost(flow.host), port: flow.port, ...via } : { ...endpoint, ...via };
  return { binding, requestUri, destination };
}
