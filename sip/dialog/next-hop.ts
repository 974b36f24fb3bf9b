// Where a request goes when nothing better is known (RFC 3261 §8.1.2, §12.2.1.1): the first Route
// if there is one, else the Request-URI; its maddr, port and transport parameters name the hop.
// RFC 3263 DNS (NAPTR/SRV) is not done: a host name is left to the resolver at send time.
import type { Uri } from '../message/index.ts';
import { DEFAULT_SIP_PORT, normalizeHost, type Endpoint } from '../transport/index.ts';

/**
 * The transport endpoint a SIP URI names: `transport=tcp` means TCP, anything else UDP (§18.1.1);
 * `maddr` replaces the host (§19.1.1); the port defaults to 5060. Undefined for a URI that is not
 * sip: (sips: needs TLS, which the stack does not have), or that asks for a transport we lack.
 */
export function uriEndpoint(uri: Uri): Endpoint | undefined {
  if (uri.kind !== 'sip' || uri.scheme !== 'sip' || uri.host === '') return undefined;
  const t = uri.params.get('transport')?.toLowerCase();
  if (t !== undefined && t !== 'udp' && t !== 'tcp') return undefined;
  const maddr = uri.params.get('maddr');
  const host = maddr !== undefined && maddr !== null ? maddr : uri.host;
  return { transport: t === 'tcp' ? 'tcp' : 'udp', host: normalizeHost(host), port: uri.port ?? DEFAULT_SIP_PORT };
}
