// The headers of transfers built from a leg of ours: Replaces (RFC 3891) for an INVITE that takes a
// leg over, Refer-To with an embedded Replaces (RFC 3515 §2.1, RFC 3891 §3) for a REFER whose
// referred INVITE takes one over, and Referred-By (RFC 3892).
import type { DialogId } from '../sip/dialog/index.ts';
import { formatNameAddr, formatReplaces, parseNameAddr, parseUri, sipUri, type Uri } from '../sip/message/index.ts';
import { B2buaError } from './b2bua-error.ts';

/**
 * The Replaces value naming one of our legs as the device at its far end holds it. RFC 3891 §3: the
 * recipient compares to-tag with its local tag and from-tag with its remote tag. The device's local
 * tag is our remote tag on that leg (and its remote tag ours), whether we are the leg's UAS (an a
 * leg) or its UAC (a b leg).
 */
export function replacesValue(leg: DialogId): string {
  return formatReplaces({ callId: leg.callId, toTag: leg.remoteTag, fromTag: leg.localTag, earlyOnly: false });
}

/**
 * A target as the operations give it (Refer-To, the To of a call): a number or login of `domain`
 * becomes `sip:<it>@<domain>`, a `sip:` URI stays as given (angle brackets allowed). Bad input throws
 * B2BUA_BAD_REQUEST and never reaches the wire.
 */
export function targetUri(target: string, domain: string, header: string): Uri {
  const value = target.trim().replace(/^<(.*)>$/, '$1');
  try {
    if (/^sips?:/i.test(value)) return parseUri(value, header);
    return sipUri({ user: value, host: domain });
  } catch (e) {
    throw new B2buaError('B2BUA_BAD_REQUEST', `not a ${header} target: ${JSON.stringify(target)}`, { cause: e });
  }
}

/**
 * `Refer-To: <target?Replaces=…>`: RFC 3515 §2.1 lets the Refer-To URI carry headers for the referred
 * request; the Replaces value is escaped as a URI header value (RFC 3261 §19.1.1: `;` `=` `@` become
 * %3B %3D %40), which formatUri does. The leg is named as the device receiving the referred INVITE
 * holds it (see replacesValue).
 */
export function referToValue(target: Uri, replaces?: DialogId): string {
  if (target.kind !== 'sip' || replaces === undefined) return formatNameAddr({ uri: target });
  return formatNameAddr({ uri: { ...target, headers: [...target.headers.filter(([n]) => n.toLowerCase() !== 'replaces'), ['Replaces', replacesValue(replaces)]] } });
}

/** The URI of a Referred-By given as a URI or name-addr (`sip:x@d`, `<sip:x@d>`, `"X" <sip:x@d>`). */
export function referrerUri(value: string): Uri {
  try {
    const na = parseNameAddr(value.trim(), 'Referred-By');
    if (na.uri.kind === 'sip' && na.uri.scheme !== 'tel') return na.uri;
  } catch (e) {
    throw new B2buaError('B2BUA_BAD_REQUEST', `not a Referred-By URI: ${JSON.stringify(value)}`, { cause: e });
  }
  throw new B2buaError('B2BUA_BAD_REQUEST', `not a SIP Referred-By URI: ${JSON.stringify(value)}`);
}

/** The URI parameter of our Referred-By that names one REFER of ours (referred-call-matcher.ts). */
export const REFERRAL_TOKEN_PARAM = 'callctl-ref';

/**
 * `Referred-By: <uri;callctl-ref=token>`. RFC 3892 §3 asks the referee to copy Referred-By into the
 * referred request, so the token comes back in the referred INVITE and names the REFER it answers.
 */
export function referredByValue(uri: Uri, token?: string): string {
  if (token === undefined || uri.kind !== 'sip') return formatNameAddr({ uri });
  const params = new Map(uri.params);
  params.set(REFERRAL_TOKEN_PARAM, token);
  return formatNameAddr({ uri: { ...uri, params, headers: [] } });
}

/** The token of a Referred-By value, if it carries ours (inside or outside the angle brackets). */
export function referralToken(referredBy: string | undefined): string | undefined {
  if (referredBy === undefined) return undefined;
  try {
    const na = parseNameAddr(referredBy, 'Referred-By');
    const inUri = na.uri.kind === 'sip' ? na.uri.params.get(REFERRAL_TOKEN_PARAM) : undefined;
    const token = inUri ?? na.params.get(REFERRAL_TOKEN_PARAM);
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    // A Referred-By we cannot read carries no token of ours.
    return undefined;
  }
}
