// Who sees what: a user sees a dialog when one of its participants is one of the user's SIP accounts.
// Everything else is "not found" (1413), so the API never reveals that a dialog exists.
import type { DomainConfig, SipUserConfig } from '../config/schema.ts';
import type { CallStore } from '../store/call-store.ts';
import type { Dialog, Participant, StoredDialog } from '../store/dialog.ts';
import { AccountIndex } from './account-index.ts';
import type { Principal } from './auth.ts';
import { dialogNotFound } from './errors.ts';
import { dialogIdPattern } from './params.ts';
import type { LookupQuery, UserMode } from './schema-query.ts';

/** The rule itself: one of the participants is one of the user's accounts, in the user's domain. */
export function seesParticipants(principal: Principal, participants: readonly Participant[]): boolean {
  const domain = principal.domain.name.toLowerCase();
  return participants.some((p) => p.domain.toLowerCase() === domain && principal.sipusers.some((s) => s.id === p.sipuserId));
}

export function canSee(principal: Principal, entry: StoredDialog): boolean {
  return seesParticipants(principal, entry.participants);
}

/** The dialog behind a path's id, when the user may see it; 1413 otherwise (malformed ids too). */
export function visibleDialog(store: CallStore, principal: Principal, dialogid: string): StoredDialog {
  const entry = dialogIdPattern.test(dialogid) ? store.get(dialogid) : undefined;
  if (!entry || !canSee(principal, entry)) throw dialogNotFound();
  return entry;
}

/** Through the account index: a list costs the user's own dialogs, not the whole store. */
export function visibleDialogs(store: CallStore, principal: Principal): StoredDialog[] {
  const out: StoredDialog[] = [];
  const index = AccountIndex.of(store);
  const domain = principal.domain.name.toLowerCase();
  const accounts = principal.sipusers;
  for (let i = 0; i < accounts.length; i++) {
    for (const entry of index.entries(domain, accounts[i]!.id)) if (i === 0 || !listedEarlier(entry.participants, accounts, i, domain)) out.push(entry);
  }
  return out;
}

/**
 * The user's dialogs that pass `keep` (a list's filter), tested on the way through the account
 * index rather than after copying out everything visible: a list touches each entry once.
 */
export function visibleDialogsWhere(store: CallStore, principal: Principal, keep: (dialog: Dialog) => boolean): Dialog[] {
  const out: Dialog[] = [];
  const index = AccountIndex.of(store);
  const domain = principal.domain.name.toLowerCase();
  const accounts = principal.sipusers;
  for (let i = 0; i < accounts.length; i++) {
    for (const entry of index.entries(domain, accounts[i]!.id)) {
      if (keep(entry.dialog) && (i === 0 || !listedEarlier(entry.participants, accounts, i, domain))) out.push(entry.dialog);
    }
  }
  return out;
}

/**
 * A call between two of the user's own accounts is filed under both: it is listed under the first.
 * Checking its few participants is cheaper than a set of everything listed.
 */
function listedEarlier(participants: readonly Participant[], accounts: readonly SipUserConfig[], i: number, domain: string): boolean {
  for (const p of participants) {
    for (let j = 0; j < i; j++) if (accounts[j]!.id === p.sipuserId && p.domain.toLowerCase() === domain) return true;
  }
  return false;
}

/** Accounts of a domain named by phone number and/or login. */
export function accountsNamed(domain: DomainConfig, name: string, mode: UserMode = 'any'): SipUserConfig[] {
  return domain.users.flatMap((u) =>
    u.sipusers.filter((s) => (mode !== 'login' && s.phonenumber === name) || (mode !== 'number' && s.login === name)),
  );
}

function idsOfAccounts(store: CallStore, domain: string, accounts: readonly SipUserConfig[]): string[] {
  return accounts.flatMap((s) => store.byAccount(domain, s.id));
}

/** Dialog ids for a LOOKUP key (see the spec's priority list), only those the user may see. */
export function lookupDialogIds(store: CallStore, principal: Principal, q: LookupQuery): string[] {
  const domain = principal.domain;
  const value = String(q.value);
  let ids: string[];
  switch (q.key) {
    case 'dialogid':
      ids = store.get(value) ? [value] : [];
      break;
    case 'inviteid':
      ids = store.byInviteId(value);
      break;
    case 'callid':
      ids = store.byCallId(value);
      break;
    case 'uri':
      ids = store.byUri(value);
      break;
    case 'user':
      ids = idsOfAccounts(store, domain.name, accountsNamed(domain, value, q.userMode));
      break;
    case 'sipuserid':
      ids = store.byAccount(domain.name, Number(q.value));
      break;
    case 'login':
      ids = idsOfAccounts(store, domain.name, accountsNamed(domain, value, 'login'));
      break;
    case 'phonenumber':
      ids = idsOfAccounts(store, domain.name, accountsNamed(domain, value, 'number'));
      break;
  }
  const entries = [...new Set(ids)]
    .map((id) => store.get(id))
    .filter((e): e is StoredDialog => e !== undefined && canSee(principal, e));
  entries.sort((x, y) => x.dialog.startts - y.dialog.startts || (x.dialog.dialogid < y.dialog.dialogid ? -1 : 1));
  return entries.map((e) => e.dialog.dialogid);
}
