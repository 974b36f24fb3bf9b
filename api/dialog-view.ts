// What GET list and GET one do to dialogs on the way out: filter, order, mask, flatten.
import { dialogFields, type Dialog, type DialogField } from '../store/dialog.ts';
import type { ByteParts } from '../lib/byte-parts.ts';
import { dialogBytes, listParts } from './dialog-json.ts';
import { dialogShape, type Filter, type FilterScalar } from './schema-query.ts';

const isIndex = (part: string): boolean => /^[0-9]+$/.test(part);

/** The leaf values at a dotted path; arrays fan out unless the next part is an index. */
export function valuesAt(root: unknown, parts: readonly string[]): unknown[] {
  return collect(root, parts, parts.map(isIndex));
}

function collect(root: unknown, parts: readonly string[], index: readonly boolean[]): unknown[] {
  let current: unknown[] = [root];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next: unknown[] = [];
    for (const v of current) {
      if (Array.isArray(v)) {
        if (index[i]) {
          if (Number(part) < v.length) next.push(v[Number(part)]);
        } else {
          for (const el of v) if (el !== null && typeof el === 'object' && Object.hasOwn(el, part)) next.push((el as Record<string, unknown>)[part]);
        }
      } else if (v !== null && typeof v === 'object' && Object.hasOwn(v, part)) {
        next.push((v as Record<string, unknown>)[part]);
      }
    }
    current = next;
  }
  // A leaf that is an array of scalars matches when any element does (`opts.bindings`, `callids`).
  const out: unknown[] = [];
  for (const v of current) {
    if (Array.isArray(v)) for (const el of v) out.push(el);
    else out.push(v);
  }
  return out;
}

function matchesValue(candidates: unknown[], wanted: readonly FilterScalar[]): boolean {
  return wanted.some((w) =>
    // null stands for "absent" too, so {"opts.referred-by": null} finds dialogs made without a transfer.
    w === null ? candidates.length === 0 || candidates.includes(null) : candidates.includes(w),
  );
}

/**
 * A filter turned into one test, once per request: keys split once, and a top-level scalar field
 * (status, startts, …: the usual filters) compared directly. Over thousands of dialogs per list, the
 * general path (valuesAt per key per dialog) was a fifth of the list's CPU.
 */
export function compileFilter(filter: Filter | undefined): (dialog: Dialog) => boolean {
  if (!filter) return () => true;
  const tests = Object.entries(filter).map(([key, want]): ((d: Dialog) => boolean) => {
    const wanted: FilterScalar[] = want !== null && typeof want === 'object' ? want.$in : [want];
    if (Object.hasOwn(dialogShape, key) && dialogShape[key as DialogField] === 'scalar') {
      const field = key as DialogField;
      // Scalar fields are always present: null matches nothing there, as in the general path.
      if (wanted.length === 1) {
        const only = wanted[0];
        return (d) => d[field] === only;
      }
      return (d) => wanted.includes(d[field] as FilterScalar);
    }
    const parts = key.split('.');
    const index = parts.map(isIndex);
    return (d) => matchesValue(collect(d, parts, index), wanted);
  });
  if (tests.length === 1) return tests[0]!;
  return (d) => tests.every((t) => t(d));
}

/** Every key of the filter must match (AND); `$in` is an OR within one key. */
export function matchesFilter(dialog: Dialog, filter: Filter | undefined): boolean {
  return compileFilter(filter)(dialog);
}

export function compareBy(field: string): (x: Dialog, y: Dialog) => number {
  const desc = field.startsWith('-');
  const name = (desc ? field.slice(1) : field) as DialogField;
  return (x, y) => {
    const a = x[name];
    const b = y[name];
    let r = 0;
    if (typeof a === 'number' && typeof b === 'number') r = a - b;
    else r = String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    if (desc) r = -r;
    // Ties in dialog id order, so paging with offset is stable.
    return r !== 0 ? r : x.dialogid < y.dialogid ? -1 : x.dialogid > y.dialogid ? 1 : 0;
  };
}

/**
 * `items` sorted by `cmp`, from `offset`, at most `limit`: what sort + slice give, without sorting
 * the whole list when the page is a small part of it (a page of 100 out of a user's thousand
 * dialogs). `cmp` must be a total order (compareBy breaks ties by dialogid), so the result is the same.
 */
export function sortedPage<T>(items: T[], cmp: (x: T, y: T) => number, offset: number, limit: number): T[] {
  const k = offset + limit;
  if (k * 4 >= items.length) return items.sort(cmp).slice(offset, k);
  // The k smallest, kept sorted: an item goes in only when it beats the largest kept so far.
  const kept = items.slice(0, k).sort(cmp);
  for (let i = k; i < items.length; i++) {
    const x = items[i]!;
    if (cmp(x, kept[k - 1]!) >= 0) continue;
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(kept[mid]!, x) <= 0) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, x);
    kept.pop();
  }
  return kept.slice(offset);
}

/** The fields to answer with, in the spec's order: those of the mask, or all when it is empty. */
const maskedFields = (mask: readonly DialogField[] | undefined): readonly DialogField[] =>
  mask && mask.length > 0 ? dialogFields.filter((f) => mask.includes(f)) : dialogFields;

function pick(dialog: Dialog, fields: readonly DialogField[]): Record<string, unknown> {
  // Values are shared with the store, not copied: every answer is serialised before the handler
  // returns, so nothing can change them in between. A structuredClone per field was the largest
  // cost of a GET.
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = dialog[f];
  return out;
}

/** The dialog's fields in the spec's order, only those in the mask (all when the mask is empty). */
export function applyMask(dialog: Dialog, mask: readonly DialogField[] | undefined): Record<string, unknown> {
  return pick(dialog, maskedFields(mask));
}

/** Composite values become dotted keys: legs.0.callid, opts.referred-by. Empty composites vanish. */
export function flatten(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (prefix: string, v: unknown): void => {
    if (v !== null && typeof v === 'object') {
      const entries = Array.isArray(v) ? v.map((el, i) => [String(i), el] as const) : Object.entries(v);
      for (const [k, el] of entries) walk(prefix ? `${prefix}.${k}` : k, el);
    } else {
      out[prefix] = v;
    }
  };
  walk('', obj);
  return out;
}

export interface PresentOptions {
  mask?: readonly DialogField[] | undefined;
  flat?: boolean;
}

/** present() for many dialogs: the mask is resolved once. */
export function presenter(opts: PresentOptions): (dialog: Dialog) => Record<string, unknown> {
  const fields = maskedFields(opts.mask);
  return opts.flat ? (d) => flatten(pick(d, fields)) : (d) => pick(d, fields);
}

export function present(dialog: Dialog, opts: PresentOptions): Record<string, unknown> {
  return presenter(opts)(dialog);
}

/** JSON.stringify(present(dialog, opts)) as UTF-8 bytes: from the kept bytes unless flat. */
export function jsonBytes(dialog: Dialog, opts: PresentOptions): Buffer {
  const fields = maskedFields(opts.mask);
  return opts.flat ? Buffer.from(JSON.stringify(flatten(pick(dialog, fields)))) : dialogBytes(dialog, fields);
}

/**
 * JSON.stringify(dialogs.map(presenter(opts))): the kept bytes, unjoined, unless flat; flat, the
 * text, which the front end encodes as it writes (no buffer of its own outside V8's heap).
 */
export function jsonListBody(dialogs: readonly Dialog[], opts: PresentOptions): ByteParts | string {
  const fields = maskedFields(opts.mask);
  if (!opts.flat) return listParts(dialogs, fields);
  return JSON.stringify(dialogs.map((d) => flatten(pick(d, fields))));
}

