// A dialog's labels (SETUP_BINDINGS) live in its opts.bindings, absent when there are none. Written
// in place, since in one process the SIP node holds this same object, then put, so the store's
// followers (the feed, replicas, the event stream) see the change.
import type { CallStore } from './call-store.ts';
import type { StoredDialog } from './dialog.ts';

export function putLabels(store: CallStore, entry: StoredDialog, labels: readonly string[]): void {
  if (labels.length > 0) entry.dialog.opts.bindings = [...labels];
  else delete entry.dialog.opts.bindings;
  store.put(entry);
}
