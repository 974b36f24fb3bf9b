// The exported schemas: each converts to JSON Schema (for the OpenAPI document to come), and whatever
// a client sends, a failure is a 1400 whose every part names a parameter in our words, never zod's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from './errors.ts';
import { parseParams } from './params.ts';
import { bindingsSchema } from './schema-bindings.ts';
import { asrSchema, notifySchema, recordSchema, sendDtmfSchema } from './schema-control.ts';
import { clickToCallSchema, referConfSchema, referReplacesSchema, referSchema, switchConfSchema } from './schema-operations.ts';
import { getParamsSchema, listParamsSchema, lookupParamsSchema } from './schema-query.ts';

const schemas: Record<string, z.ZodType> = {
  list: listParamsSchema,
  get: getParamsSchema,
  lookup: lookupParamsSchema,
  clickToCall: clickToCallSchema,
  refer: referSchema,
  referReplaces: referReplacesSchema,
  switchConf: switchConfSchema,
  referConf: referConfSchema,
  notify: notifySchema,
  sendDtmf: sendDtmfSchema,
  asr: asrSchema,
  record: recordSchema,
  bindings: bindingsSchema,
};

const keysOf = (name: string): string[] => {
  const js = z.toJSONSchema(schemas[name]!, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
  return Object.keys(js.properties ?? {});
};

describe('exported schemas', () => {
  for (const name of Object.keys(schemas)) {
    it(`${name} converts to a JSON Schema object with properties`, () => {
      expect(keysOf(name).length).toBeGreaterThan(0);
    });
  }

  it('the click-to-call schema documents bounds and defaults', () => {
    const js = z.toJSONSchema(clickToCallSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, Record<string, unknown>> };
    expect(js.properties.calltimeout).toMatchObject({ minimum: 1, maximum: 600, default: 30 });
    expect(js.properties.response_mode).toMatchObject({ minimum: 0, maximum: 5, default: 2 });
  });
});

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -5, max: 2000 }),
    fc.double({ noNaN: true }),
    fc.string({ maxLength: 12 }),
    fc.constantFrom('a', 'b', '11', 'start', 'stop', 'add', 'list', 'rfc2833', 'number', 'uri', 'rDlg-001-Alice1', 'status', '*99'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('$in', 'status', 'legs.side', 'x'), tie('value'), { maxKeys: 2 }),
  ),
})).value;

describe('1400 messages', () => {
  for (const name of Object.keys(schemas)) {
    it(`${name}: every failure names a parameter, in our words`, () => {
      const keys = keysOf(name);
      fc.assert(
        fc.property(fc.dictionary(fc.constantFrom(...keys), json, { maxKeys: keys.length }), (body) => {
          try {
            parseParams(schemas[name]!, body);
          } catch (err) {
            expect(err).toBeInstanceOf(ApiError);
            const e = err as ApiError;
            expect(e.code).toBe(1400);
            for (const part of e.message.split('; ')) {
              const param = part.slice(0, part.indexOf(':')).split('.')[0]!;
              expect(keys, part).toContain(param);
              expect(part).not.toMatch(/Invalid input|expected|Too (small|big)|Invalid (string|option)/);
            }
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
