import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parseJson, parseJsonObject, withParams } from './body.ts';
import { ApiError } from './errors.ts';
import type { AppEnv } from './types.ts';

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

describe('withParams', () => {
  // A Hono app with one route, so the Context is the real one; env stands for the front end's.
  const probe = () => {
    const app = new Hono<AppEnv>();
    let seen: { sync: boolean; params: unknown } | undefined;
    app.on(['GET', 'POST'], '/p', (c) => {
      const r = withParams(c, (params) => params);
      seen = { sync: !(r instanceof Promise), params: undefined };
      return Promise.resolve(r).then((params) => ((seen!.params = params), c.text('ok')));
    });
    return { app, seen: () => seen };
  };

  it('with the body in env (the front end): in the same turn, the body winning over the query string', async () => {
    const { app, seen } = probe();
    const env = { rawBody: new TextEncoder().encode('{"a":"body","b":2}') };
    await app.request('/p?a=query&c=3', { method: 'POST' }, env);
    expect(seen()).toEqual({ sync: true, params: { a: 'body', b: 2, c: '3' } });
  });

  it('without it (app.request in tests): read from the request, the same merge', async () => {
    const { app, seen } = probe();
    await app.request('/p?a=query&c=3', { method: 'POST', body: '{"a":"body","b":2}' });
    expect(seen()).toEqual({ sync: false, params: { a: 'body', b: 2, c: '3' } });
  });

  it('a body that is not a JSON object is 1415 either way', async () => {
    const { app } = probe();
    app.onError((err, c) => c.text(String(err instanceof ApiError ? err.code : 500), 400));
    const viaEnv = await app.request('/p', { method: 'POST' }, { rawBody: new TextEncoder().encode('[1]') });
    const viaBody = await app.request('/p', { method: 'POST', body: '[1]' });
    expect([await viaEnv.text(), await viaBody.text()]).toEqual(['1415', '1415']);
  });
});
