// Parameters of the read routes: GET list, GET one, LOOKUP (and the LOOKUP keys that REFERREPLACES
// and REFERCONF take with a `slave` / `refer` prefix). These routes read the query string too, so
// string forms ("10", "true", a JSON text for filter) are turned into JSON values first: see
// coerceQueryValues.
import { z } from 'zod';
import { dialogFields, type DialogField } from '../store/dialog.ts';
import { parseJson } from './body.ts';
import { ApiError } from './errors.ts';
import { bool, intRange, msg, text } from './params.ts';

// ---- filter ---------------------------------------------------------------------------------------

/** The shape of a dialog as far as filter keys go: a leaf is scalar, `[]` marks an array. */
type Shape = 'scalar' | 'scalars' | { array: Record<string, Shape> } | { object: Record<string, Shape> };

const legShape: Record<string, Shape> = { callid: 'scalar', expirets: 'scalar', localuri: 'scalar', remoteuri: 'scalar', side: 'scalar' };

export const dialogShape: Record<DialogField, Shape> = {
  acallid: 'scalar',
  callids: 'scalars',
  dialogid: 'scalar',
  esgdlg: 'scalar',
  esgcallid: 'scalar',
  inviteid: 'scalar',
  status: 'scalar',
  legs: { array: legShape },
  localuri: 'scalar',
  remoteuri: 'scalar',
  site: 'scalar',
  startts: 'scalar',
  uris: 'scalars',
  opts: { object: { 'referred-by': 'scalar', bindings: 'scalars' } },
};

/**
 * Whether a dotted key names a scalar (or an array of scalars) of a dialog: `status`, `legs.side`,
 * `legs.0.callid`, `callids.1`, `opts.bindings`. Array indexes are optional; without one, any element
 * may match.
 */
export function isFilterKey(key: string): boolean {
  let shape: Shape | undefined = { object: dialogShape };
  const parts = key.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (shape === undefined || shape === 'scalar') return false;
    if (shape === 'scalars') return /^[0-9]+$/.test(part) && i === parts.length - 1;
    if ('array' in shape) {
      if (/^[0-9]+$/.test(part)) {
        shape = { object: shape.array };
        continue;
      }
      shape = Object.hasOwn(shape.array, part) ? shape.array[part] : undefined;
    } else {
      shape = Object.hasOwn(shape.object, part) ? shape.object[part] : undefined;
    }
  }
  return shape === 'scalar' || shape === 'scalars';
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const filterValueMessage = 'must be a string, number, boolean, null or {"$in": [values]}';
export const filterValueSchema = z.union([scalar, z.strictObject({ $in: z.array(scalar).max(1000) })], { error: filterValueMessage });

export const filterSchema = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON object, e.g. {"status":"dialog"}' })
  .superRefine((obj, ctx) => {
    for (const [key, value] of Object.entries(obj)) {
      if (!isFilterKey(key))
        ctx.addIssue({ code: 'custom', path: [key], message: 'is not a dialog field (dotted for nested ones: legs.side, opts.bindings)' });
      else if (!filterValueSchema.safeParse(value).success) ctx.addIssue({ code: 'custom', path: [key], message: filterValueMessage });
    }
  })
  .transform((obj) => obj as Filter);

export type FilterScalar = z.infer<typeof scalar>;
export type FilterValue = z.infer<typeof filterValueSchema>;
export type Filter = Record<string, FilterValue>;

// ---- mask, order ----------------------------------------------------------------------------------

/** Comma-separated field names (an array works too in a JSON body); unknown names are ignored. */
export const maskSchema = z
  .union([z.string(), z.array(z.string('must be a field name'))], msg('must be a comma-separated list of field names'))
  .transform((m): DialogField[] => {
    const names = (Array.isArray(m) ? m : m.split(',')).map((s) => s.trim());
    return dialogFields.filter((f) => names.includes(f));
  });

/** Fields a list can be sorted by: the scalar ones. */
export const orderFields = dialogFields.filter((f) => dialogShape[f] === 'scalar');
const orderMessage = `must be a field name, - in front for descending: one of ${orderFields.join(', ')}`;
export const orderSchema = z
  .string(msg(orderMessage))
  .refine((s) => (orderFields as readonly string[]).includes(s.replace(/^-/, '')), orderMessage)
  .default('startts');

// ---- routes ---------------------------------------------------------------------------------------

export const listParamsSchema = z.object({
  filter: filterSchema.optional(),
  mask: maskSchema.optional(),
  offset: intRange(0, Number.MAX_SAFE_INTEGER).default(0),
  limit: intRange(1, 1000).default(100),
  order: orderSchema,
  flat: bool().default(false),
  countonly: bool().default(false),
});
export type ListParams = z.output<typeof listParamsSchema>;

export const getParamsSchema = z.object({
  mask: maskSchema.optional(),
  flat: bool().default(false),
});
export type GetParams = z.output<typeof getParamsSchema>;

/** LOOKUP keys in priority order: the first one present wins. */
export const lookupKeys = ['dialogid', 'inviteid', 'callid', 'uri', 'user', 'sipuserid', 'login', 'phonenumber'] as const;
export type LookupKey = (typeof lookupKeys)[number];
export type UserMode = 'any' | 'number' | 'login';

/** The LOOKUP parameters, each name with `prefix` in front (`slave`, `refer`, or none). */
export function lookupShape(prefix: string) {
  const shape: Record<string, z.ZodType> = {};
  for (const k of lookupKeys) shape[prefix + k] = (k === 'sipuserid' ? intRange(1, Number.MAX_SAFE_INTEGER) : text(256)).optional();
  shape[`${prefix}user_mode`] = z.enum(['any', 'number', 'login'], msg('must be one of any, number, login')).default('any');
  return shape;
}

export const lookupParamsSchema = z.object(lookupShape(''));

export interface LookupQuery {
  key: LookupKey;
  value: string | number;
  userMode: UserMode;
}

/** The first LOOKUP key present in validated params (with the given prefix), or undefined. */
export function pickLookupQuery(params: Record<string, unknown>, prefix = ''): LookupQuery | undefined {
  for (const key of lookupKeys) {
    const value = params[prefix + key];
    if (typeof value === 'string' || typeof value === 'number') {
      const mode = params[`${prefix}user_mode`];
      return { key, value, userMode: mode === 'number' || mode === 'login' ? mode : 'any' };
    }
  }
  return undefined;
}

// ---- query-string values --------------------------------------------------------------------------

export interface Coercions {
  ints?: readonly string[];
  bools?: readonly string[];
  json?: readonly string[];
}

export const listCoercions: Coercions = { ints: ['offset', 'limit'], bools: ['flat', 'countonly'], json: ['filter'] };
export const getCoercions: Coercions = { bools: ['flat'] };
export const lookupCoercions: Coercions = { ints: ['sipuserid'] };

/**
 * Turns the string forms of a query string into JSON values: integers, true/false/1/0, JSON text.
 * A string that does not fit is left alone, so the schema reports it with its usual message. The same
 * forms are accepted in a body (a client may copy a query string into JSON).
 */
export function coerceQueryValues(params: Record<string, unknown>, how: Coercions): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const k of how.ints ?? []) {
    const v = out[k];
    if (typeof v === 'string' && /^-?[0-9]{1,16}$/.test(v.trim())) out[k] = Number(v.trim());
  }
  for (const k of how.bools ?? []) {
    const v = out[k];
    if (typeof v !== 'string') continue;
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1') out[k] = true;
    else if (s === 'false' || s === '0') out[k] = false;
  }
  for (const k of how.json ?? []) {
    const v = out[k];
    if (typeof v !== 'string') continue;
    try {
      out[k] = parseJson(v);
    } catch (err) {
      if (err instanceof ApiError) throw new ApiError(1400, `${k}.${err.message}`);
      throw new ApiError(1400, `${k}: is not valid JSON`);
    }
  }
  return out;
}
