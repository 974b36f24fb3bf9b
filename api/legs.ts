// Naming a party of a dialog: by side, by a leg's Call-ID, or by a participant's URI, number or
// login. For side a the party's own URI is the a leg's remote URI (its From) and the b legs' local
// URI (the From the server sent); for side b, the a leg's local URI (the To) and the b legs' remote URI.
import type { DomainConfig } from '../config/schema.ts';
import { bareUri } from '../store/call-store.ts';
import type { Dialog, Side } from '../store/dialog.ts';
import { ApiError } from './errors.ts';
import { accountsNamed } from './scope.ts';

/** The legs a request addresses: one when named by Call-ID, every leg of the side otherwise. */
export interface LegTarget {
  side: Side;
  callids: string[];
}

export const opposite = (s: Side): Side => (s === 'a' ? 'b' : 'a');

const uriRe = /^<?sips?:(?:([^@;>]*)@)?([^;>?]*)/i;

/** The user part of `<sip:user@host;params>` (undefined when there is none). */
export function uriUser(uri: string): string | undefined {
  const m = uriRe.exec(uri.trim());
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1]; // a stray % is kept as is: it then simply matches nobody
  }
}

export function uriHost(uri: string): string | undefined {
  const m = uriRe.exec(uri.trim());
  return m?.[2] ? m[2].replace(/:[0-9]+$/, '').toLowerCase() : undefined;
}

export const isUri = (s: string): boolean => /^<?sips?:/i.test(s.trim());

function sidesNaming(dialog: Dialog, match: (uri: string) => boolean): Side[] {
  const sides = new Set<Side>();
  for (const leg of dialog.legs) {
    // A leg's remote URI is its own side's party; its local URI is the party across.
    if (match(leg.remoteuri)) sides.add(leg.side);
    if (match(leg.localuri)) sides.add(opposite(leg.side));
  }
  return [...sides];
}

/** Resolves `by` (or masterby, slaveby) to a side of the dialog; 1400 naming `param` when it cannot. */
export function resolveBy(dialog: Dialog, domain: DomainConfig, by: string, param: string): Side {
  if (by === 'a' || by === 'b') return by;
  const leg = dialog.legs.find((l) => l.callid === by);
  if (leg) return leg.side;
  let sides: Side[] = [];
  if (isUri(by)) sides = sidesNaming(dialog, (u) => bareUri(u) === bareUri(by));
  if (sides.length === 0) {
    const user = isUri(by) ? uriUser(by) : by;
    if (user !== undefined) {
      // A number and a login of one account name the same party.
      const aliases = new Set([user, ...accountsNamed(domain, user).flatMap((s) => [s.login, s.phonenumber])]);
      sides = sidesNaming(dialog, (u) => {
        const x = uriUser(u);
        return x !== undefined && aliases.has(x);
      });
    }
  }
  if (sides.length === 1) return sides[0]!;
  if (sides.length > 1) throw new ApiError(1400, `${param}: names both parties of the dialog; give a side (a, b) or a Call-ID`);
  throw new ApiError(1400, `${param}: names no party of the dialog (give a, b, a leg's Call-ID, or a participant's URI or number)`);
}

export function legsOn(dialog: Dialog, side: Side): string[] {
  return dialog.legs.filter((l) => l.side === side).map((l) => l.callid);
}

/** The target of NOTIFY, SEND_DTMF, SETUP_ASR, SETUP_RECORD: `callid` wins over `side`. */
export function legTarget(dialog: Dialog, p: { callid?: string | undefined; side?: Side | undefined; opposite?: boolean }): LegTarget | undefined {
  let target: LegTarget | undefined;
  if (p.callid !== undefined) {
    const leg = dialog.legs.find((l) => l.callid === p.callid);
    if (!leg) throw new ApiError(1400, 'callid: is not a leg of this dialog');
    target = { side: leg.side, callids: [leg.callid] };
  } else if (p.side !== undefined) {
    target = { side: p.side, callids: legsOn(dialog, p.side) };
  }
  if (target && p.opposite) target = { side: opposite(target.side), callids: legsOn(dialog, opposite(target.side)) };
  if (target && target.callids.length === 0) throw new ApiError(1409, `the dialog has no leg on side ${target.side}`);
  return target;
}

/** A conference taking part in the dialog: a leg URI whose user part starts with `conf-`. */
export function conferenceUri(dialog: Dialog): string | undefined {
  for (const leg of dialog.legs)
    for (const u of [leg.localuri, leg.remoteuri]) if (uriUser(u)?.toLowerCase().startsWith('conf-')) return u;
  return undefined;
}
