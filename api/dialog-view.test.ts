// Filter matching, masking and flattening, with properties over generated dialogs: every flat key
// is a valid filter key, and filtering by it finds the dialog it came from.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dialogFields, type Dialog } from '../store/dialog.ts';
import { ByteParts } from '../lib/byte-parts.ts';
import { applyMask, flatten, jsonBytes, jsonListBody, matchesFilter, present, sortedPage, valuesAt } from './dialog-view.ts';
import { filterSchema, isFilterKey } from './schema-query.ts';
import { acct, conf, ext, fixtureSpecs, makeDialog } from './test-helpers.ts';

const dialogs = fixtureSpecs().map((s) => makeDialog(s).dialog);
const cf = dialogs.find((d) => d.dialogid === 'rDlg-001-Conf01')!;

describe('valuesAt', () => {
  it('fans out over arrays unless given an index', () => {
    expect(valuesAt(cf, ['legs', 'side'])).toEqual(['a', 'b']);
    expect(valuesAt(cf, ['legs', '1', 'side'])).toEqual(['b']);
    expect(valuesAt(cf, ['legs', '9', 'side'])).toEqual([]);
    expect(valuesAt(cf, ['opts', 'bindings'])).toEqual(['vip']);
    expect(valuesAt(cf, ['opts', 'nothing'])).toEqual([]);
    expect(valuesAt(cf, ['callids', '0'])).toEqual([cf.callids[0]]);
  });
});

describe('isFilterKey', () => {
  it.each(['status', 'startts', 'legs.side', 'legs.0.callid', 'callids', 'callids.3', 'uris', 'opts.bindings', 'opts.referred-by', 'opts.bindings.0'])('accepts %s', (k) => {
    expect(isFilterKey(k)).toBe(true);
  });
  it.each(['', 'legs', 'opts', 'legs.0', 'legs.x', 'status.0', 'callids.x', 'opts.x', 'password', 'legs.side.x', 'constructor', 'toString', '__proto__', 'legs.constructor'])(
    'refuses %s',
    (k) => {
      expect(isFilterKey(k)).toBe(false);
    },
  );
});

describe('matchesFilter', () => {
  it('null matches an absent field', () => {
    expect(matchesFilter(cf, { 'opts.referred-by': null })).toBe(false);
    expect(matchesFilter(dialogs[0]!, { 'opts.referred-by': null })).toBe(true);
  });
  it('$in is an OR, keys are an AND', () => {
    expect(matchesFilter(cf, { status: { $in: ['x', 'dialog'] }, startts: 5000 })).toBe(true);
    expect(matchesFilter(cf, { status: { $in: ['x', 'dialog'] }, startts: 5001 })).toBe(false);
    expect(matchesFilter(cf, { status: { $in: [] } })).toBe(false);
  });
});

describe('mask and flat', () => {
  it('mask keeps the spec order; values are the dialog\'s own (answers are serialised at once)', () => {
    const m = applyMask(cf, ['uris', 'dialogid']);
    expect(Object.keys(m)).toEqual(['dialogid', 'uris']);
    expect(m.uris).toBe(cf.uris);
    expect(Object.keys(applyMask(cf, []))).toEqual([...dialogFields]);
  });
  it('flat has only scalar values', () => {
    expect(flatten({ a: { b: [1, { c: 2 }] }, d: null, e: [] })).toEqual({ 'a.b.0': 1, 'a.b.1.c': 2, d: null });
  });
});

// ---- properties -----------------------------------------------------------------------------------

const suffix = fc.stringMatching(/^[A-Za-z0-9]{6}$/);
const party = fc.oneof(
  fc.constantFrom('sip1', 'sip2', 'sip3', 'sip4', 'carol').map((n) => acct(n as 'sip1')),
  fc.stringMatching(/^[0-9]{2,11}$/).map((n) => ext(n)),
  fc.stringMatching(/^[0-9]{3,8}$/).map((n) => conf(n)),
);
const dialogArb = fc
  .record({
    suffix,
    a: party,
    b: fc.array(party, { minLength: 1, maxLength: 3 }),
    status: fc.constantFrom('forking', 'dialog', 'closing' as const),
    startts: fc.nat(),
    bindings: fc.option(fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 3 }), { nil: undefined }),
    referredBy: fc.option(fc.constant('<sip:sip2@test.rootdomain.ru>'), { nil: undefined }),
  })
  .map(
    (r): Dialog =>
      makeDialog({
        ...r,
        opts: { ...(r.referredBy ? { 'referred-by': r.referredBy } : {}), ...(r.bindings ? { bindings: r.bindings } : {}) },
      }).dialog,
  );

describe('properties', () => {
  it('every flat key is a filter key, and filtering by its value finds the dialog', () => {
    fc.assert(
      fc.property(dialogArb, (d) => {
        for (const [key, value] of Object.entries(present(d, { flat: true }))) {
          expect(isFilterKey(key)).toBe(true);
          const filter = filterSchema.parse({ [key]: value });
          expect(matchesFilter(d, filter)).toBe(true);
        }
      }),
    );
  });

  it('a mask yields exactly the known fields it names', () => {
    fc.assert(
      fc.property(dialogArb, fc.subarray([...dialogFields]), (d, fields) => {
        const out = present(d, { mask: fields });
        const expected = fields.length === 0 ? dialogFields : fields;
        expect(Object.keys(out).sort()).toEqual([...expected].sort());
      }),
    );
  });
});

describe('sortedPage', () => {
  it('gives what sort + slice give, for any order, offset and limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), fc.nat(120), fc.integer({ min: 1, max: 120 }), (xs, offset, limit) => {
        // Pairs (value, position) make a total order, as compareBy's dialogid tie-break does.
        const items = xs.map((v, i) => [v, i] as const);
        const cmp = (a: readonly [number, number], b: readonly [number, number]) => a[0] - b[0] || a[1] - b[1];
        const want = [...items].sort(cmp).slice(offset, offset + limit);
        expect(sortedPage([...items], cmp, offset, limit)).toEqual(want);
      }),
    );
  });
});

describe('jsonBytes and jsonListBody', () => {
  const joined = (b: ByteParts | string): Buffer => (b instanceof ByteParts ? b.join() : Buffer.from(b));
  it('give exactly the bytes of the text JSON.stringify gives, for any mask, flat or not, read once or twice', () => {
    fc.assert(
      fc.property(dialogArb, fc.subarray([...dialogFields]), fc.boolean(), (d, mask, flat) => {
        const want = JSON.stringify(present(d, { mask, flat }));
        expect(jsonBytes(d, { mask, flat }).toString('utf8')).toBe(want);
        expect(jsonBytes(d, { mask, flat }).toString('utf8')).toBe(want); // from kept bytes
      }),
    );
  });

  it('a list is the array of the same objects, for any mask, flat or not', () => {
    fc.assert(
      fc.property(fc.array(dialogArb, { maxLength: 5 }), fc.subarray([...dialogFields]), fc.boolean(), (ds, mask, flat) => {
        const want = JSON.stringify(ds.map((d) => present(d, { mask, flat })));
        expect(joined(jsonListBody(ds, { mask, flat })).toString('utf8')).toBe(want);
        expect(joined(jsonListBody(ds, { mask, flat })).toString('utf8')).toBe(want);
      }),
    );
  });
});
