// The JSON text of dialog fields, kept per dialog object: a list of 100 dialogs is then mostly
// string concatenation instead of JSON.stringify over 40 KB (which was a third of the list's CPU).
//
// Safe because of the store's contract: every change goes through store.put (the store's own indexes
// depend on it too), and followStore drops a dialog's texts on every put. Values computed when read
// are never kept: a ringing b leg's `expirets` is a getter that counts down (b2bua/call-record.ts),
// so a field holding any getter is serialised afresh each time.
import type { CallStore } from '../store/call-store.ts';
import { dialogFields, type Dialog, type DialogField } from '../store/dialog.ts';

/** false: the field holds a value computed when read; never kept. */
type Texts = Partial<Record<DialogField, string | false>>;

const texts = new WeakMap<Dialog, Texts>();
const followed = new WeakSet<CallStore>();
const keyText = Object.fromEntries(dialogFields.map((f) => [f, `${JSON.stringify(f)}:`])) as Record<DialogField, string>;

/** Call once per store the API reads (idempotent): puts drop the texts of the dialog put. */
export function followStore(store: CallStore): void {
  if (followed.has(store)) return;
  followed.add(store);
  store.subscribe((change) => {
    if (change.op === 'put') texts.delete(change.entry.dialog);
  });
}

/** Plain JSON data all the way down: no getters, no toJSON, no class instances. */
export function isPlainData(v: unknown): boolean {
  if (v === null) return true;
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== Array.prototype) return false;
  for (const key of Object.keys(v as object)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    if (d.get || d.set || !isPlainData(d.value)) return false;
  }
  return true;
}

/** JSON.stringify(dialog[field]), from the kept text when there is one. */
export function fieldJson(dialog: Dialog, field: DialogField): string | undefined {
  let t = texts.get(dialog);
  if (!t) texts.set(dialog, (t = {}));
  const kept = t[field];
  if (typeof kept === 'string') return kept;
  const value = dialog[field];
  const text = JSON.stringify(value);
  if (kept === undefined) t[field] = text !== undefined && isPlainData(value) ? text : false;
  return text;
}

/** JSON.stringify of the dialog's `fields` (in that order) as one object: the same text, faster. */
export function dialogJson(dialog: Dialog, fields: readonly DialogField[]): string {
  let s = '{';
  for (const f of fields) {
    const t = fieldJson(dialog, f);
    if (t === undefined) continue;
    s += s.length === 1 ? keyText[f] + t : `,${keyText[f]}${t}`;
  }
  return `${s}}`;
}
