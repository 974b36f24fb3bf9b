// A call as the call store holds it: the spec's dialog representation ("The dialog representation")
// plus the participants used for scoping. Built anew from the call's state on every change.
import type { Clock } from '../lib/clock.ts';
import type { SipAccount } from '../sip/registrar/index.ts';
import type { NameAddr, Uri } from '../sip/message/index.ts';
import type { DialogOpts, DialogStatus, Leg, Participant, StoredDialog } from '../store/dialog.ts';

/** One `b` leg: a fork while ringing, the answered leg afterwards. */
export interface BLegView {
  readonly callid: string;
  readonly localuri: string;
  readonly remoteuri: string;
  /** When the fork times out (ms since the epoch, the clock's): set while it rings. */
  readonly expiresAt: number | undefined;
}

export interface CallView {
  readonly dialogid: string;
  readonly inviteid: string;
  readonly acallid: string;
  readonly startts: number;
  readonly site: string;
  readonly status: DialogStatus;
  /** The a leg: localuri = To of the received INVITE, remoteuri = its From. */
  readonly a: { readonly localuri: string; readonly remoteuri: string };
  readonly b: readonly BLegView[];
  readonly participants: readonly Participant[];
}

/**
 * A URI in the spec's format `<sip:user@domain>`: scheme, user and host only. Port, parameters and
 * display name say where a device is, not who takes part.
 */
export function storeUri(target: NameAddr | Uri): string {
  const uri = 'uri' in target ? target.uri : target;
  if (uri.kind !== 'sip') return `<${uri.scheme}:${uri.value}>`;
  if (uri.scheme === 'tel') return `<tel:${uri.user ?? ''}>`;
  return `<${uri.scheme}:${uri.user !== undefined ? `${uri.user}@` : ''}${uri.host}>`;
}

export function participantOf(account: SipAccount): Participant {
  return { domain: account.domain, sipuserId: account.id, login: account.login, phonenumber: account.phonenumber };
}

/**
 * The stored form. `legs` lists the a leg first, then the b legs (as the seed's example does);
 * `callids` and `uris` list the b legs first, then a (as the spec says). A ringing b leg's
 * `expirets` is live: a getter that gives the milliseconds left whenever it is read (JSON.stringify
 * and structuredClone read it too), so a client polling the call sees it count down. `opts` is kept
 * from the stored entry: the API writes bindings there itself.
 */
export function storedDialog(view: CallView, clock: Clock, opts: DialogOpts): StoredDialog {
  const aLeg: Leg = { callid: view.acallid, expirets: 'undefined', localuri: view.a.localuri, remoteuri: view.a.remoteuri, side: 'a' };
  const bLegs: Leg[] = view.b.map((b) => {
    const at = b.expiresAt;
    if (at === undefined) return { callid: b.callid, expirets: 'undefined', localuri: b.localuri, remoteuri: b.remoteuri, side: 'b' };
    // An accessor in the literal (enumerable and configurable, like a defined one) keeps the object's
    // shape fast; defineProperty on a built object made it a slow dictionary, once per put.
    return {
      callid: b.callid,
      get expirets() {
        return Math.max(0, at - clock.now());
      },
      localuri: b.localuri,
      remoteuri: b.remoteuri,
      side: 'b',
    };
  });
  return {
    dialog: {
      acallid: view.acallid,
      callids: [...bLegs.map((l) => l.callid), view.acallid],
      dialogid: view.dialogid,
      esgdlg: '',
      esgcallid: '',
      inviteid: view.inviteid,
      status: view.status,
      legs: [aLeg, ...bLegs],
      localuri: aLeg.localuri,
      remoteuri: aLeg.remoteuri,
      site: view.site,
      startts: view.startts,
      uris: [...bLegs, aLeg].flatMap((l) => [l.localuri, l.remoteuri]),
      opts,
    },
    participants: [...view.participants],
  };
}
