// The Contact the node puts in what it sends (RFC 3261 §8.1.1.8, §12.1.1): a URI that reaches this
// node over the transport the message leaves on, so in-dialog requests come back the same way.
import type { Destination, TransportLayer } from '../sip/transport/index.ts';
import { hostForVia } from '../sip/transport/index.ts';

/** The user part of our Contact URIs; only a name, in-dialog requests are matched by their dialog id. */
export const CONTACT_USER = 'callctl';

export function ourContact(transport: TransportLayer, destination: Destination): string {
  const sentBy = transport.sentBy(destination) ?? transport.transports[0]!.sentBy;
  const tcp = destination.transport === 'tcp' ? ';transport=tcp' : '';
  return `<sip:${CONTACT_USER}@${hostForVia(sentBy.host)}:${sentBy.port}${tcp}>`;
}
