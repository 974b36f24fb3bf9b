// The call store: every live dialog, indexed for the LOOKUP keys. The SIP node writes it on every
// state change; the API reads it. In one process it is shared memory; a split API role reads it
// through the node later.
import type { Dialog, Participant, StoredDialog } from './dialog.ts';

/** Strips the angle brackets of a name-addr so `<sip:a@b>` and `sip:a@b` find the same legs. */
export function bareUri(uri: string): string {
  const s = uri.trim();
  return s.startsWith('<') && s.endsWith('>') ? s.slice(1, -1) : s;
}

type Index = Map<string, Set<string>>;

/** One change of the store, as followers (API replicas, the event stream) see it. */
export type StoreChange = { op: 'put'; entry: StoredDialog } | { op: 'delete'; dialogid: string };
export type StoreListener = (change: StoreChange) => void;

function add(index: Index, key: string, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function remove(index: Index, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}

export class CallStore {
  #dialogs = new Map<string, StoredDialog>();
  #byInviteId: Index = new Map();
  #byCallId: Index = new Map();
  #byUri: Index = new Map();
  /** `domain/sipuserId` → dialog ids. */
  #byAccount: Index = new Map();
  #listeners = new Set<StoreListener>();

  get size(): number {
    return this.#dialogs.size;
  }

  get(dialogid: string): StoredDialog | undefined {
    return this.#dialogs.get(dialogid);
  }

  all(): IterableIterator<StoredDialog> {
    return this.#dialogs.values();
  }

  /**
   * Inserts or replaces a dialog, keeping every index in step. A call is put on each state change
   * with mostly the same keys: only the keys that changed are moved.
   */
  put(entry: StoredDialog): void {
    const id = entry.dialog.dialogid;
    const old = this.#dialogs.get(id);
    this.#dialogs.set(id, entry);
    if (old) {
      this.#reindex(this.#byInviteId, id, [old.dialog.inviteid], [entry.dialog.inviteid]);
      this.#reindex(this.#byCallId, id, old.dialog.callids, entry.dialog.callids);
      this.#reindex(this.#byUri, id, uriKeys(old), uriKeys(entry));
      this.#reindex(this.#byAccount, id, accountKeys(old), accountKeys(entry));
    } else this.#index(entry, id, add);
    this.#emit({ op: 'put', entry });
  }

  delete(dialogid: string): boolean {
    if (!this.#unindex(dialogid)) return false;
    this.#emit({ op: 'delete', dialogid });
    return true;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #unindex(dialogid: string): boolean {
    const entry = this.#dialogs.get(dialogid);
    if (!entry) return false;
    this.#index(entry, dialogid, remove);
    this.#dialogs.delete(dialogid);
    return true;
  }

  /** Adds (or removes) every key of an entry. */
  #index(entry: StoredDialog, id: string, op: (index: Index, key: string, id: string) => void): void {
    const d: Dialog = entry.dialog;
    op(this.#byInviteId, d.inviteid, id);
    for (const c of d.callids) op(this.#byCallId, c, id);
    for (const u of d.uris) op(this.#byUri, bareUri(u), id);
    for (const p of entry.participants) op(this.#byAccount, accountKey(p.domain, p.sipuserId), id);
  }

  /** Moves a dialog from the keys it had to the keys it has, touching only those that differ. */
  #reindex(index: Index, id: string, before: readonly string[], after: readonly string[]): void {
    for (const k of before) if (!after.includes(k)) remove(index, k, id);
    for (const k of after) if (!before.includes(k)) add(index, k, id);
  }

  #emit(change: StoreChange): void {
    // A failing follower must not stop the SIP node's write, nor the other followers.
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch {
        /* the follower's own problem */
      }
    }
  }

  byInviteId(inviteid: string): string[] {
    return [...(this.#byInviteId.get(inviteid) ?? [])];
  }

  byCallId(callid: string): string[] {
    return [...(this.#byCallId.get(callid) ?? [])];
  }

  byUri(uri: string): string[] {
    return [...(this.#byUri.get(bareUri(uri)) ?? [])];
  }

  byAccount(domain: string, sipuserId: number): string[] {
    return [...(this.#byAccount.get(accountKey(domain, sipuserId)) ?? [])];
  }
}

function uriKeys(entry: StoredDialog): string[] {
  return entry.dialog.uris.map(bareUri);
}

function accountKeys(entry: StoredDialog): string[] {
  return entry.participants.map((p) => accountKey(p.domain, p.sipuserId));
}

export function accountKey(domain: string, sipuserId: number): string {
  return `${domain.toLowerCase()}/${sipuserId}`;
}

export type { Dialog, Participant, StoredDialog };
