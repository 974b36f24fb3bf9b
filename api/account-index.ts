// The store's dialogs by SIP account, as entries rather than ids: a list then walks the user's own
// dialogs without one store lookup per id (those lookups were a sixth of a list's CPU over 10,000
// dialogs). Kept in step through the store's change feed, like any other follower of the store;
// the store's own byAccount index stays the source of truth for LOOKUP.
import { accountKey, type CallStore } from '../store/call-store.ts';
import type { StoredDialog } from '../store/dialog.ts';

const indexes = new WeakMap<CallStore, AccountIndex>();

export class AccountIndex {
  #byAccount = new Map<string, Map<string, StoredDialog>>();
  /** dialogid → the account keys it is filed under. */
  #keys = new Map<string, string[]>();

  /** One index per store, built on first use from what the store holds, then followed. */
  static of(store: CallStore): AccountIndex {
    let index = indexes.get(store);
    if (!index) indexes.set(store, (index = new AccountIndex(store)));
    return index;
  }

  private constructor(store: CallStore) {
    for (const entry of store.all()) this.#put(entry);
    // A Map update per change: nothing the SIP node's write path would notice.
    store.subscribe((change) => (change.op === 'put' ? this.#put(change.entry) : this.#remove(change.dialogid)));
  }

  /** The dialogs one account takes part in (a live view: do not keep it across a store change). */
  entries(domain: string, sipuserId: number): Iterable<StoredDialog> {
    return this.#byAccount.get(accountKey(domain, sipuserId))?.values() ?? [];
  }

  #put(entry: StoredDialog): void {
    const id = entry.dialog.dialogid;
    this.#remove(id);
    const keys = [...new Set(entry.participants.map((p) => accountKey(p.domain, p.sipuserId)))];
    for (const key of keys) {
      let map = this.#byAccount.get(key);
      if (!map) this.#byAccount.set(key, (map = new Map()));
      map.set(id, entry);
    }
    this.#keys.set(id, keys);
  }

  #remove(dialogid: string): void {
    const keys = this.#keys.get(dialogid);
    if (!keys) return;
    for (const key of keys) {
      const map = this.#byAccount.get(key);
      map?.delete(dialogid);
      if (map?.size === 0) this.#byAccount.delete(key);
    }
    this.#keys.delete(dialogid);
  }
}
