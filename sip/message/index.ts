// The SIP message layer: parse, inspect, build and write SIP messages.
export { SipParseError, type PartialMessage, type SipErrorCode, type SipErrorStatus } from './errors.ts';
export { DATAGRAM_LIMITS, STREAM_LIMITS, resolveLimits, sipLimitsSchema, type SipLimits } from './limits.ts';
export { SipHeaders, splitList, type HeaderField, type HeaderSpec } from './headers.ts';
export { COMPACT_FORMS, LIST_HEADERS, displayName, headerKey } from './header-names.ts';
export { H } from './header-forms.ts';
export { SipRequest, SipResponse, SIP_VERSION, type SipMessage } from './message.ts';
export { isKeepalive, parseDatagram } from './parser.ts';
export { SipStreamParser, type StreamEvent } from './stream-parser.ts';
export { serialize } from './serializer.ts';
export {
  REASON_PHRASES,
  createRequest,
  createResponse,
  generateBranch,
  generateCallId,
  generateTag,
  reasonPhrase,
  type RequestInit,
  type ResponseOptions,
} from './builders.ts';
export { validateRequest, validateResponse, type ValidateOptions } from './validate.ts';
export { formatUri, isValidHost, parseUri, sipUri, type AbsoluteUri, type SipUri, type Uri } from './uri.ts';
export { formatNameAddr, parseContact, parseNameAddr, withParam, type Contact, type NameAddr } from './name-addr.ts';
export { MAGIC_COOKIE, formatVia, isRfc3261Branch, isUnicastHost, parseVia, type Via } from './via.ts';
export { MAX_CSEQ, formatCSeq, parseCSeq, type CSeq } from './cseq.ts';
export { parseCallId, parseContentLength, parseMaxForwards, parseRetryAfter, type RetryAfter } from './scalar-headers.ts';
export { formatContentType, parseContentType, type ContentType } from './content-type.ts';
export { formatSipDate, parseSipDate } from './date.ts';
export { parseWarning, type Warning } from './warning.ts';
export { formatChallenge, formatCredentials, parseAuth, type AuthValue } from './auth.ts';
export { formatReplaces, parseReplaces, type Replaces } from './replaces.ts';
export {
  formatEvent,
  parseAllowEvent,
  parseEvent,
  parseReferSub,
  parseSubscriptionState,
  type EventHeader,
  type ReferSub,
  type SubscriptionState,
} from './event.ts';
export { parseInfo, type InfoValue } from './info.ts';
export { escapeUri, quote, unescapeUri, unquote, type Params } from './grammar.ts';
