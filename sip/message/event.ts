// SIP-specific event notification headers: Event, Allow-Events and Subscription-State (RFC 6665
// §8.2), and Refer-Sub (RFC 4488 §4).
import { Cursor, MAX_UINT32, formatParams, isToken, parseDigits, readParams, type Params } from './grammar.ts';
import { malformed } from './errors.ts';

export interface EventHeader {
  /** The whole event-type: "dialog", "presence.winfo". */
  readonly type: string;
  /** The event-package, before any template: "presence". */
  readonly package: string;
  /** The id parameter telling subscriptions of one dialog apart. */
  readonly id: string | undefined;
  readonly params: Params;
}

/** event-type = event-package *( "." event-template ), tokens without dots. */
function isEventType(s: string): boolean {
  return isToken(s) && !s.startsWith('.') && !s.endsWith('.') && !s.includes('..');
}

/** Event = event-type *( SEMI event-param ). */
export function parseEvent(value: string): EventHeader {
  const c: Cursor = new Cursor(value, 'Event');
  c.sws();
  const type = c.token();
  if (!isEventType(type)) c.fail();
  const params = new Map<string, string | null>();
  readParams(c, params);
  c.end();
  const id = params.get('id');
  if (id === null) c.fail();
  return { type, package: type.split('.')[0] ?? type, id, params };
}

export function formatEvent(e: Pick<EventHeader, 'type' | 'params'>): string {
  return e.type + formatParams(e.params);
}

/** One Allow-Events value: an event-type. */
export function parseAllowEvent(value: string): string {
  if (!isEventType(value)) throw malformed('Allow-Events');
  return value;
}

export interface SubscriptionState {
  /** Lower case: active, pending, terminated, or an extension. */
  readonly state: string;
  readonly reason: string | undefined;
  readonly expires: number | undefined;
  readonly retryAfter: number | undefined;
  readonly params: Params;
}

/**
 * Subscription-State = substate-value *( SEMI subexp-params ).
 * The substate must be a token; malformed parameters are dropped instead of refusing the NOTIFY:
 * linphone sends `terminated;reason=reason=noresource`, and a subscriber that answers 400 there
 * loses the last NOTIFY of a transfer over a reason it does not need.
 */
export function parseSubscriptionState(value: string): SubscriptionState {
  const c: Cursor = new Cursor(value, 'Subscription-State');
  c.sws();
  const state = c.token().toLowerCase();
  const params = new Map<string, string | null>();
  try {
    readParams(c, params);
    c.end();
  } catch {
    return { state, reason: undefined, expires: undefined, retryAfter: undefined, params: new Map() };
  }
  const seconds = (name: string): number | undefined => {
    const v = params.get(name);
    if (v === undefined) return undefined;
    const n = v === null ? undefined : parseDigits(v, MAX_UINT32);
    if (n === undefined) c.fail();
    return n;
  };
  const reason = params.get('reason');
  if (reason === null) c.fail();
  return { state, reason, expires: seconds('expires'), retryAfter: seconds('retry-after'), params };
}

export interface ReferSub {
  /** false: the REFER creates no implicit subscription (no NOTIFYs). */
  readonly value: boolean;
  readonly params: Params;
}

/** Refer-Sub = refer-sub-value *(SEMI exten); refer-sub-value = "true" / "false". */
export function parseReferSub(value: string): ReferSub {
  const c: Cursor = new Cursor(value, 'Refer-Sub');
  c.sws();
  const v = c.token().toLowerCase();
  if (v !== 'true' && v !== 'false') c.fail();
  const params = new Map<string, string | null>();
  readParams(c, params);
  c.end();
  return { value: v === 'true', params };
}
