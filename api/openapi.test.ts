// The OpenAPI document: served without a token, equal to the committed docs/openapi.json, covering
// every route the app registers, structurally sound (3.1.0, every $ref resolves), and its request
// schemas agree with what the routes accept.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openApiText, OPENAPI_FILE } from './openapi-write.ts';
import { buildOpenApi, openApiPath } from './openapi.ts';
import { CALLS_PATH, callPath, ids, makeApp, send } from './test-helpers.ts';

type Json = Record<string, unknown>;

const doc = buildOpenApi();
const paths = doc.paths as Record<string, Record<string, Json>>;

describe('the OpenAPI document', () => {
  it('is served at /rest/v1/openapi.json without a token, and equals the committed docs/openapi.json', async () => {
    const { app } = makeApp();
    const res = await app.request('/rest/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const served = (await res.json()) as Json;
    // Out of step? Run `npx tsx api/openapi-write.ts` and commit docs/openapi.json.
    expect(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))).toEqual(served);
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
    // A wrong token does not matter there either.
    expect((await send(app, 'GET', '/rest/v1/openapi.json', { token: 'nope' })).status).toBe(200);
    expect((await send(app, 'POST', '/rest/v1/openapi.json')).code).toBe(1405);
  });

  it('describes every route the app registers, extension verbs as POST + X-HTTP-Method-Override + x-http-method', () => {
    const { app } = makeApp();
    const registered = app.routes.filter((r) => r.method !== 'ALL');
    expect(registered.length).toBeGreaterThanOrEqual(18);
    for (const r of registered) {
      const item = paths[openApiPath(r.path, r.method)];
      expect(item, `${r.method} ${r.path}`).toBeDefined();
      const standard = ['GET', 'POST', 'DELETE'].includes(r.method);
      const op = item![standard ? r.method.toLowerCase() : 'post'];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      if (!standard) {
        expect(op!['x-http-method']).toBe(r.method);
        const override = (op!.parameters as Json[]).find((p) => p.name === 'X-HTTP-Method-Override');
        expect(override).toMatchObject({ in: 'header', required: true, schema: { const: r.method } });
        expect(op!.description).toContain(`curl -X ${r.method}`);
      }
    }
    // And nothing the app does not serve.
    const described = Object.entries(paths).flatMap(([p, item]) =>
      Object.entries(item).map(([m, op]) => `${(op['x-http-method'] as string | undefined) ?? m.toUpperCase()} ${p.replace(/#.*/, '')}`),
    );
    const served = registered.map((r) => `${r.method} ${r.path.replace(/:([a-z]+)/g, '{$1}')}`);
    expect(described.sort()).toEqual([...new Set(served)].sort());
  });

  it('is an OpenAPI 3.1 document whose every $ref resolves', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toHaveProperty('info.title');
    expect(doc).toHaveProperty('info.version');
    const components = doc.components as Json;
    expect(Object.keys(components).sort()).toEqual(['parameters', 'responses', 'schemas', 'securitySchemes']);
    expect(components.securitySchemes).toHaveProperty('bearer', expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    const ops = Object.values(paths).flatMap((item) => Object.values(item));
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
    for (const o of ops) expect(Object.keys(o.responses as Json).length).toBeGreaterThan(0);
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref') refs.push(x as string);
          else walk(x);
        }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(50);
    for (const r of new Set(refs)) {
      expect(r).toMatch(/^#\/components\//);
      const target = r.slice(2).split('/').reduce<unknown>((o, k) => (o as Json | undefined)?.[k], doc);
      expect(target, r).toBeDefined();
    }
  });

  it('has the error schema and the codes table', () => {
    const schemas = (doc.components as { schemas: Record<string, Json> }).schemas;
    expect(schemas.Error).toMatchObject({ type: 'object', required: ['error_code', 'error_message'] });
    expect((schemas.Error!.properties as Json).error_code).toMatchObject({ enum: [1400, 1401, 1403, 1404, 1405, 1409, 1413, 1415, 1429, 1500, 1503] });
    expect((doc.info as Json).description).toContain('| 1413 | 404 |');
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Dialog', 'ClickToCallAnswer', 'TransferAnswer', 'SwitchConfAnswer', 'EventMessage', 'ReferBody']));
  });

  it('the events path documents SSE, WebSocket and access_token', () => {
    const get = paths['/rest/v1/user/sip/events']!.get!;
    expect(get.security).toEqual([{ bearer: [] }, { accessToken: [] }]);
    expect(Object.keys(get.responses as Json)).toEqual(expect.arrayContaining(['101', '200']));
    expect(get.description).toMatch(/access_token/);
  });

  it('a GET answer matches the Dialog schema as the code builds it (required fields)', async () => {
    const { app } = makeApp();
    const one = (await send(app, 'GET', callPath(ids.CF))).body as Json;
    const dialog = (doc.components as { schemas: Record<string, Json> }).schemas.Dialog!;
    expect(Object.keys(one)).toEqual(Object.keys(dialog.properties as Json));
    expect(Object.keys(one).sort()).toEqual([...(dialog.required as string[])].sort());
    expect(((await send(app, 'LOOKUP', CALLS_PATH, { body: { dialogid: ids.CF } })).body as string[])[0]).toMatch(/^rDlg-/);
  });
});
