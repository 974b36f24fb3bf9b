// The `lookup` given to media sockets. Relay destinations are IP literals by construction (the
// session refuses anything else), so the default dns.lookup only adds its argument checks and a
// process.nextTick hop to every send. This answers synchronously. (In relay-bench the saving is
// within the noise; it is kept because it is free and keeps sends off the next-tick queue.)
import type { LookupOneOptions } from 'node:dns';

export function ipLiteralLookup(
  hostname: string,
  _options: LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  // Only IPv6 literals contain a colon: cheaper than a full isIP() per packet.
  callback(null, hostname, hostname.includes(':') ? 6 : 4);
}
