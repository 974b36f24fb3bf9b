// Realistic live dialogs for the read benchmark, put straight into a CallStore: what the SIP node
// would hold for N calls of one domain. Every dialog has an a leg and one b leg (one fork), URIs in
// the spec's forms, ids made by store/ids.ts, and participants spread over 50 accounts of the
// domain: the demo config's four (alice: 1, 2; bob: 3, 4) and 46 others nobody in it logs in as.
// Deterministic (seeded), so runs compare.
import type { CallStore } from '../../store/call-store.ts';
import type { Dialog, DialogStatus, Leg, Participant, StoredDialog } from '../../store/dialog.ts';
import { bLegCallId } from '../../store/ids.ts';
import { seededRandom } from '../../lib/seeded-random.ts';

export const DOMAIN = 'test.rootdomain.ru';
const ACCOUNTS = 50;
const demo: Record<number, { login: string; phonenumber: string }> = {
  1: { login: 'sip1', phonenumber: '11' },
  2: { login: 'sip2', phonenumber: '12' },
  3: { login: 'sip3', phonenumber: '13' },
  4: { login: 'sip4', phonenumber: '14' },
};


const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function account(id: number): Participant {
  const d = demo[id] ?? { login: `user${id}`, phonenumber: String(1000 + id) };
  return { domain: DOMAIN, sipuserId: id, ...d };
}

export interface BenchDialogs {
  /** Dialogs by index; ids are unique. */
  ids: string[];
}

/** Inserts `n` dialogs; returns their ids in insertion order. */
export function insertDialogs(store: CallStore, n: number, seed = 42): string[] {
  const r = seededRandom(seed);
  const pick = (s: string, len: number) => Array.from({ length: len }, () => s[Math.floor(r() * s.length)]).join('');
  const ids: string[] = [];
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    let dialogid: string;
    do dialogid = `rDlg-001-${pick(ALNUM, 6)}`;
    while (store.get(dialogid));
    const caller = account(1 + Math.floor(r() * ACCOUNTS));
    // Half the calls go out to the public network, half to another account of the domain.
    const callee = r() < 0.5 ? undefined : account(1 + Math.floor(r() * ACCOUNTS));
    const calleeUser = callee ? (r() < 0.5 ? callee.login : callee.phonenumber) : `7916${pick('0123456789', 7)}`;
    const x = r();
    const status: DialogStatus = x < 0.85 ? 'dialog' : x < 0.95 ? 'forking' : 'closing';
    const acallid = `${pick('0123456789abcdef', 16)}@10.0.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`;
    const from = `<sip:${caller.login}@${DOMAIN}>`;
    const to = `<sip:${calleeUser}@${DOMAIN}>`;
    const a: Leg = { callid: acallid, expirets: 'undefined', localuri: to, remoteuri: from, side: 'a' };
    const b: Leg = {
      callid: bLegCallId('001', dialogid, 1, acallid),
      expirets: status === 'forking' ? Math.floor(r() * 30_000) : 'undefined',
      localuri: from,
      remoteuri: to,
      side: 'b',
    };
    const opts: Dialog['opts'] = {};
    if (r() < 0.05) opts['referred-by'] = `<sip:${account(1 + Math.floor(r() * ACCOUNTS)).login}@${DOMAIN}>`;
    if (r() < 0.2) opts.bindings = [`crm-${pick('0123456789', 6)}`];
    const dialog: Dialog = {
      acallid,
      callids: [b.callid, a.callid],
      dialogid,
      esgdlg: '',
      esgcallid: '',
      inviteid: crypto.randomUUID(),
      status,
      legs: [a, b],
      localuri: a.localuri,
      remoteuri: a.remoteuri,
      site: 'SITE1',
      startts: t0 + i * 37,
      uris: [b.localuri, b.remoteuri, a.localuri, a.remoteuri],
      opts,
    };
    const entry: StoredDialog = { dialog, participants: callee ? [caller, callee] : [caller] };
    store.put(entry);
    ids.push(dialogid);
  }
  return ids;
}
