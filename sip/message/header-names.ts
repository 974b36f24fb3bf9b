// Header names: compact forms (RFC 3261 §7.3.3 and the extensions that define one), the canonical
// spelling we write, and which headers are comma-separated lists.

/** Compact forms, expanded on parsing. Keys and values are lower case. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = Object.freeze({
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event', // RFC 6665
  r: 'refer-to', // RFC 3515
  b: 'referred-by', // RFC 3892
  x: 'session-expires', // RFC 4028
  u: 'allow-events', // RFC 6665
  a: 'accept-contact', // RFC 3841
  j: 'reject-contact', // RFC 3841
  d: 'request-disposition', // RFC 3841
  y: 'identity', // RFC 8224
  n: 'identity-info', // RFC 4474
});

const canonical = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow',
  'Allow-Events', 'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact',
  'Content-Disposition', 'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type',
  'CSeq', 'Date', 'Diversion', 'Error-Info', 'Event', 'Expires', 'Feature-Caps', 'From',
  'Geolocation', 'History-Info', 'Identity', 'Identity-Info', 'In-Reply-To', 'Info-Package', 'Join',
  'Max-Forwards', 'MIME-Version', 'Min-Expires', 'Min-SE', 'Organization', 'P-Asserted-Identity',
  'P-Charging-Vector', 'P-Preferred-Identity', 'Path', 'Priority', 'Privacy', 'Proxy-Authenticate',
  'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Recv-Info', 'Refer-Sub',
  'Refer-To', 'Referred-By', 'Reject-Contact', 'Replaces', 'Reply-To', 'Request-Disposition',
  'Require', 'Retry-After', 'Route', 'RSeq', 'Security-Client', 'Security-Server', 'Security-Verify',
  'Server', 'Service-Route', 'Session-Expires', 'SIP-ETag', 'SIP-If-Match', 'Subject',
  'Subscription-State', 'Supported', 'Target-Dialog', 'Timestamp', 'To', 'Unsupported',
  'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
];

const CANONICAL = new Map<string, string>(canonical.map((n) => [n.toLowerCase(), n]));

/**
 * Headers whose grammar is `value *(COMMA value)` (§7.3.1: only those may be combined or split).
 * Everything else, unknown headers included, is one value per line: the authentication headers,
 * Date, Subject, User-Agent and the like contain commas that do not separate values.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'alert-info', 'allow',
  'allow-events', 'call-info', 'contact', 'content-encoding', 'content-language', 'diversion',
  'error-info', 'history-info', 'in-reply-to', 'p-asserted-identity', 'p-preferred-identity', 'path',
  'proxy-require', 'reason', 'record-route', 'recv-info', 'reject-contact', 'request-disposition',
  'require', 'route', 'security-client', 'security-server', 'security-verify', 'service-route',
  'supported', 'unsupported', 'via', 'warning',
]);

/** The lower-case long name a header line's name stands for. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.length === 1 ? (COMPACT_FORMS[lower] ?? lower) : lower;
}

/** How we write a header: the canonical long form when known, else the name as received. */
export function canonicalName(key: string, original: string): string {
  return CANONICAL.get(key) ?? original;
}

/** The canonical spelling for a name given in any case or compact form. */
export function displayName(name: string): string {
  return canonicalName(headerKey(name), name);
}
