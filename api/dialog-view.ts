// What GET list and GET one do to dialogs on the way out: filter, order, mask, flatten.
import { dialogFields, type Dialog, type DialogField } from '../store/dialog.ts';
import type { Filter, FilterScalar, FilterValue } from './schema-query.ts';

/** The leaf values at a dotted path; arrays fan out unless the next part is an index. */
export function valuesAt(root: unknown, parts: readonly string[]): unknown[] {
  let current: unknown[] = [root];
  for (const part of parts) {
    const next: unknown[] = [];
    for (const v of current) {
      if (Array.isArray(v)) {
        if (/^[0-9]+$/.test(part)) {
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
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

function matchesValue(candidates: unknown[], want: FilterValue): boolean {
  const wanted: FilterScalar[] = want !== null && typeof want === 'object' ? want.$in : [want];
  return wanted.some((w) =>
    // null stands for "absent" too, so {"opts.referred-by": null} finds dialogs made without a transfer.
    w === null ? candidates.length === 0 || candidates.includes(null) : candidates.includes(w),
  );
}

/** Every key of the filter must match (AND); `$in` is an OR within one key. */
export function matchesFilter(dialog: Dialog, filter: Filter | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, want]) => matchesValue(valuesAt(dialog, key.split('.')), want));
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

/** The dialog's fields in the spec's order, only those in the mask (all when the mask is empty). */
export function applyMask(dialog: Dialog, mask: readonly DialogField[] | undefined): Record<string, unknown> {
  const fields = mask && mask.length > 0 ? mask : dialogFields;
  const out: Record<string, unknown> = {};
  for (const f of dialogFields) if (fields.includes(f)) out[f] = structuredClone(dialog[f]);
  return out;
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

export function present(dialog: Dialog, opts: { mask?: readonly DialogField[] | undefined; flat?: boolean }): Record<string, unknown> {
  const masked = applyMask(dialog, opts.mask);
  return opts.flat ? flatten(masked) : masked;
}
