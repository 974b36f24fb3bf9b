import { describe, expect, it } from 'vitest';
import { parseJson, parseJsonObject } from './body.ts';
import { ApiError } from './errors.ts';

const refused = (text: string) => {
  try {
    parseJson(text);
  } catch (err) {
    return err instanceof ApiError && err.message === '__proto__: is not allowed as a key';
  }
  return false;
};

describe('parseJson', () => {
  it('refuses a __proto__ key, spelled out or escaped, at any depth', () => {
    expect(refused('{"__proto__":1}')).toBe(true);
    expect(refused('{"\\u005f_proto__":1}')).toBe(true);
    expect(refused('{"a":{"__pro\\u0074o__":{"b":1}}}')).toBe(true);
    expect(refused('[{"__proto__":null}]')).toBe(true);
  });

  it('takes __proto__ as a value and other escapes as they are', () => {
    expect(parseJson('{"a":"__proto__"}')).toEqual({ a: '__proto__' });
    expect(parseJson('{"name":"\\u00e9t\\u00e9"}')).toEqual({ name: 'été' });
    expect(parseJson('{"callid":"a@b"}')).toEqual({ callid: 'a@b' });
  });

  it('keeps JSON.parse errors for text that is not JSON', () => {
    expect(() => parseJson('{"a":')).toThrow(SyntaxError);
    expect(() => parseJson('{"a\\u":1}')).toThrow(SyntaxError);
  });
});

describe('parseJsonObject', () => {
  it('answers 1415 for bodies that are not a JSON object', () => {
    for (const body of ['[1]', '"x"', 'null', '{', 'ÿ']) {
      let code: number | undefined;
      try {
        parseJsonObject(new TextEncoder().encode(body));
      } catch (err) {
        code = err instanceof ApiError ? err.code : undefined;
      }
      expect(code, body).toBe(1415);
    }
  });

  it('reads an empty or blank body as {}', () => {
    expect(parseJsonObject(new Uint8Array())).toEqual({});
    expect(parseJsonObject(new TextEncoder().encode('  \n'))).toEqual({});
  });
});
