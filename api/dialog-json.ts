// The JSON of dialogs as UTF-8 bytes, kept per dialog object and per mask: an answer is then made of
// bytes encoded once (a list's are sent where they lie, in one writev), instead of being serialised,
// joined, measured and encoded again on every request (for a list of 100 those steps were a fifth of
// its CPU; JSON.stringify over 40 KB alone had been a third before anything was kept). A dialog keeps the bytes of the last two masks
// it was read with (the whole dialog of a GET, the fields of a list): more masks only cost a miss.
//
// Safe because of the store's contract: every change goes through store.put (the store's own indexes
// depend on it too), and followStore drops a dialog's bytes on every put. Values computed when read
// are never kept: a ringing b leg's `expirets` is a getter that counts down (b2bua/call-record.ts),
// so an answer with a field holding any getter is serialised afresh each time.
import { ByteParts } from '../lib/byte-parts.ts';
import type { CallStore } from '../store/call-store.ts';
import type { Dialog, DialogField } from '../store/dialog.ts';

interface Kept {
  /** The mask: field names joined by commas. */
  key: string;
  /** The dialog's JSON followed by a comma, as it stands in a list before the next one. */
  listed: Buffer;
}

/** Masks kept per dialog, the most recently used first. */
const SLOTS = 2;
const kept = new WeakMap<Dialog, Kept[]>();
const followed = new WeakSet<CallStore>();

/** Call once per store the API reads (idempotent): puts drop the bytes of the dialog put. */
export function followStore(store: CallStore): void {
  if (followed.has(store)) return;
  followed.add(store);
  store.subscribe((change) => {
    if (change.op === 'put') kept.delete(change.entry.dialog);
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

/** The key dialogBytes takes for `fields`: compute it once per request, not once per dialog. */
export const maskKey = (fields: readonly DialogField[]): string => fields.join(',');

/** JSON.stringify of the dialog's `fields` (in that order) as one object, as UTF-8 bytes. */
export function dialogBytes(dialog: Dialog, fields: readonly DialogField[], key = maskKey(fields)): Buffer {
  return withoutComma(keptJson(dialog, fields, key));
}

/** A view of the kept bytes without their comma. */
const withoutComma = (slot: Kept): Buffer => slot.listed.subarray(0, slot.listed.length - 1);

function keptJson(dialog: Dialog, fields: readonly DialogField[], key: string): Kept {
  const slots = kept.get(dialog);
  if (slots) {
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      if (slot.key !== key) continue;
      if (i > 0) {
        slots.splice(i, 1);
        slots.unshift(slot);
      }
      return slot;
    }
  }
  const picked: Record<string, unknown> = {};
  let plain = true;
  for (const f of fields) {
    const value = dialog[f];
    picked[f] = value;
    if (plain && value !== undefined && !isPlainData(value)) plain = false;
  }
  const text = JSON.stringify(picked);
  const length = Buffer.byteLength(text);
  // Not from Buffer's shared pool when kept: a kept slice would hold a whole pool slab alive.
  const listed = plain ? Buffer.allocUnsafeSlow(length + 1) : Buffer.allocUnsafe(length + 1);
  listed.write(text);
  listed[length] = COMMA;
  const slot = { key, listed };
  if (!plain) return slot;
  if (!slots) kept.set(dialog, [slot]);
  else {
    slots.unshift(slot);
    if (slots.length > SLOTS) slots.pop();
  }
  return slot;
}

const COMMA = 0x2c;
const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');

/**
 * A JSON array of dialogBytes(dialog, fields) for each dialog: the kept bytes themselves, each but
 * the last with its comma (one chunk per dialog for the writev), between brackets.
 */
export function listParts(dialogs: readonly Dialog[], fields: readonly DialogField[]): ByteParts {
  const key = maskKey(fields);
  const n = dialogs.length;
  const parts = new Array<Uint8Array>(n + 2);
  parts[0] = OPEN;
  for (let k = 0; k < n; k++) {
    const slot = keptJson(dialogs[k]!, fields, key);
    parts[k + 1] = k < n - 1 ? slot.listed : withoutComma(slot);
  }
  parts[n + 1] = CLOSE;
  return new ByteParts(parts);
}

/** dialogBytes as text (tests, callers that want a string). */
export function dialogJson(dialog: Dialog, fields: readonly DialogField[]): string {
  return dialogBytes(dialog, fields).toString('utf8');
}
