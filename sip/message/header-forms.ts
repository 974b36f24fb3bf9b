// The typed forms the stack reads, one spec per header: `headers.one(H.cseq)`, `headers.all(H.via)`.
// Each is parsed on first use and cached by the header collection.
import type { HeaderSpec } from './headers.ts';
import { parseAuth, type AuthValue } from './auth.ts';
import { parseContentType, type ContentType } from './content-type.ts';
import { parseCSeq, type CSeq } from './cseq.ts';
import { parseSipDate } from './date.ts';
import { parseAllowEvent, parseEvent, parseReferSub, parseSubscriptionState, type EventHeader, type ReferSub, type SubscriptionState } from './event.ts';
import { parseInfo, type InfoValue } from './info.ts';
import { parseContact, parseNameAddr, type Contact, type NameAddr } from './name-addr.ts';
import { parseReplaces, type Replaces } from './replaces.ts';
import {
  parseCallId,
  parseContentLength,
  parseDeltaSeconds,
  parseMaxForwards,
  parseRetryAfter,
  type RetryAfter,
} from './scalar-headers.ts';
import { parseVia, type Via } from './via.ts';
import { parseWarning, type Warning } from './warning.ts';

function single<T>(name: string, parse: (v: string) => T): HeaderSpec<T> {
  return { key: name.toLowerCase(), name, list: false, parse };
}
function list<T>(name: string, parse: (v: string) => T): HeaderSpec<T> {
  return { key: name.toLowerCase(), name, list: true, parse };
}
function repeatable<T>(name: string, parse: (v: string) => T): HeaderSpec<T> {
  return { key: name.toLowerCase(), name, list: false, repeatable: true, parse };
}
const nameAddr = (name: string, addrSpec = true) => (v: string) => parseNameAddr(v, name, addrSpec);
const auth = (name: string) => (v: string) => parseAuth(v, name);
const info = (name: string) => (v: string) => parseInfo(v, name);

export const H = {
  via: list<Via>('Via', parseVia),
  from: single<NameAddr>('From', nameAddr('From')),
  to: single<NameAddr>('To', nameAddr('To')),
  callId: single<string>('Call-ID', parseCallId),
  cseq: single<CSeq>('CSeq', parseCSeq),
  maxForwards: single<number>('Max-Forwards', parseMaxForwards),
  contentLength: single<number>('Content-Length', parseContentLength),
  contentType: single<ContentType>('Content-Type', parseContentType),
  contact: list<Contact | '*'>('Contact', parseContact),
  // §20.30, §20.34: Route and Record-Route take the name-addr form only.
  route: list<NameAddr>('Route', nameAddr('Route', false)),
  recordRoute: list<NameAddr>('Record-Route', nameAddr('Record-Route', false)),
  path: list<NameAddr>('Path', nameAddr('Path', false)),
  serviceRoute: list<NameAddr>('Service-Route', nameAddr('Service-Route', false)),
  replyTo: single<NameAddr>('Reply-To', nameAddr('Reply-To')),
  referTo: single<NameAddr>('Refer-To', nameAddr('Refer-To')),
  referredBy: single<NameAddr>('Referred-By', nameAddr('Referred-By')),
  pAssertedIdentity: list<NameAddr>('P-Asserted-Identity', nameAddr('P-Asserted-Identity')),
  expires: single<number>('Expires', (v) => parseDeltaSeconds(v, 'Expires')),
  minExpires: single<number>('Min-Expires', (v) => parseDeltaSeconds(v, 'Min-Expires')),
  retryAfter: single<RetryAfter>('Retry-After', parseRetryAfter),
  date: single<Date>('Date', parseSipDate),
  warning: list<Warning>('Warning', parseWarning),
  wwwAuthenticate: repeatable<AuthValue>('WWW-Authenticate', auth('WWW-Authenticate')),
  proxyAuthenticate: repeatable<AuthValue>('Proxy-Authenticate', auth('Proxy-Authenticate')),
  authorization: repeatable<AuthValue>('Authorization', auth('Authorization')),
  proxyAuthorization: repeatable<AuthValue>('Proxy-Authorization', auth('Proxy-Authorization')),
  replaces: single<Replaces>('Replaces', parseReplaces),
  event: single<EventHeader>('Event', parseEvent),
  allowEvents: list<string>('Allow-Events', parseAllowEvent),
  subscriptionState: single<SubscriptionState>('Subscription-State', parseSubscriptionState),
  referSub: single<ReferSub>('Refer-Sub', parseReferSub),
  callInfo: list<InfoValue>('Call-Info', info('Call-Info')),
  alertInfo: list<InfoValue>('Alert-Info', info('Alert-Info')),
  errorInfo: list<InfoValue>('Error-Info', info('Error-Info')),
} as const;

/** Every spec, for checks that read all the typed headers of a message. */
export const ALL_SPECS: readonly HeaderSpec<unknown>[] = Object.values(H);
