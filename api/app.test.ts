// App-level behaviour: health, 1404, 1405 with Allow, 1415, the error shape, 1500 without a stack,
// where parameters come from (query string, env.rawBody, the request's own body).
import { describe, expect, it } from 'vitest';
import { ApiError } from './errors.ts';
import { CALLS_PATH, callPath, captureLogger, ids, makeApp, send, stubPorts, TOKENS } from './test-helpers.ts';

const collectionAllow = 'GET, HEAD, LOOKUP, POST, INVITE';
const dialogAllow = 'GET, HEAD, DELETE, REFER, REFERREPLACES, SWITCHCONF, REFERCONF, NOTIFY, SEND_DTMF, SETUP_ASR, SETUP_RECORD, SETUP_BINDINGS';
const allVerbs = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'LOOKUP', 'INVITE', 'REFER', 'REFERREPLACES', 'SWITCHCONF', 'REFERCONF', 'NOTIFY', 'SEND_DTMF', 'SETUP_ASR', 'SETUP_RECORD', 'SETUP_BINDINGS'];

describe('paths and verbs', () => {
  it('GET /healthz needs no token', async () => {
    const { app } = makeApp();
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  const table: [string, string, string][] = [
    [CALLS_PATH, collectionAllow, 'GET LOOKUP POST INVITE'],
    [callPath(ids.A1), dialogAllow, 'GET DELETE REFER REFERREPLACES SWITCHCONF REFERCONF NOTIFY SEND_DTMF SETUP_ASR SETUP_RECORD SETUP_BINDINGS'],
    ['/rest/v1/user/sip/events', 'GET, HEAD', 'GET'],
    ['/healthz', 'GET, HEAD', 'GET'],
  ];
  for (const [path, allow, defined] of table) {
    it(`every other verb on ${path} is 1405 with Allow: ${allow}`, async () => {
      const { app } = makeApp();
      const wrong = allVerbs.filter((v) => !defined.split(' ').includes(v));
      expect(wrong.length).toBeGreaterThan(0);
      for (const verb of wrong) {
        const a = await send(app, verb, path, { body: {} });
        expect([verb, a.status, a.code]).toEqual([verb, 405, 1405]);
        expect(a.headers.get('allow')).toBe(allow);
      }
    });
  }

  it('methods are case-sensitive tokens: lowercase "lookup" is not LOOKUP', async () => {
    const { app } = makeApp();
    const a = await send(app, 'lookup', CALLS_PATH, { body: { callid: 'x' } });
    expect(a.status).toBe(405);
  });

  it('an unknown path is 404 with our code 1404, under /rest after authentication', async () => {
    const { app } = makeApp();
    for (const path of ['/', '/rest/v1/user/sip/call', `${callPath(ids.A1)}/legs`, '/rest/v2/user/sip/calls', `${CALLS_PATH}/`]) {
      const a = await send(app, 'GET', path);
      expect([path, a.status, a.code, a.message]).toEqual([path, 404, 1404, 'no such resource']);
    }
    expect((await send(app, 'GET', '/rest/nothing', { who: null })).status).toBe(401);
    expect((await send(app, 'GET', '/nothing', { who: null })).code).toBe(1404);
  });

  it('HEAD on a GET route answers without a body', async () => {
    const { app } = makeApp();
    const res = await app.request(CALLS_PATH, { method: 'HEAD', headers: { authorization: `Bearer ${TOKENS.alice}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('bodies', () => {
  const notJson: [string, string | Uint8Array][] = [
    ['text', 'from=11&to=13'],
    ['truncated JSON', '{"command":"list"'],
    ['an array', '["list"]'],
    ['a string', '"list"'],
    ['a number', '42'],
    ['null', 'null'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
  ];
  const routes: [string, string][] = [
    ['GET', CALLS_PATH],
    ['LOOKUP', CALLS_PATH],
    ['POST', CALLS_PATH],
    ['INVITE', CALLS_PATH],
    ...['GET', 'DELETE', 'REFER', 'REFERREPLACES', 'SWITCHCONF', 'REFERCONF', 'NOTIFY', 'SEND_DTMF', 'SETUP_ASR', 'SETUP_RECORD', 'SETUP_BINDINGS'].map(
      (m): [string, string] => [m, callPath(ids.A1)],
    ),
  ];
  for (const [method, path] of routes) {
    it(`${method} ${path.endsWith('calls') ? 'calls' : 'calls/{id}'}: a body that is not a JSON object is 1415`, async () => {
      const s = stubPorts();
      const { app } = makeApp({ operations: s.ops, calls: s.control });
      for (const [what, raw] of notJson) {
        const a = await send(app, method, path, { raw });
        expect([what, a.status, a.code]).toEqual([what, 415, 1415]);
      }
      expect(s.operations.length + s.calls.length).toBe(0);
    });
  }

  it('an empty body is {} (whitespace too)', async () => {
    const { app } = makeApp();
    expect((await send(app, 'GET', CALLS_PATH, { raw: '' })).status).toBe(200);
    expect((await send(app, 'GET', CALLS_PATH, { raw: ' \r\n' })).status).toBe(200);
    expect((await send(app, 'SETUP_BINDINGS', callPath(ids.A1), { raw: '' })).code).toBe(1400); // command is required
  });

  it('without env.rawBody the body is read from the request itself', async () => {
    const { app } = makeApp();
    const res = await app.request(callPath(ids.A1), {
      method: 'SETUP_BINDINGS',
      headers: { authorization: `Bearer ${TOKENS.alice}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: '{"command":"set","label":"from-request"}',
    });
    expect(await res.json()).toEqual({ dialogid: ids.A1, bindings: ['from-request'] });
  });

  it('env.rawBody carries a GET body; unknown fields are ignored', async () => {
    const { app } = makeApp();
    const a = await send(app, 'GET', CALLS_PATH, { raw: '{"limit":1,"mask":"dialogid","futureparam":{"x":1}}' });
    expect(a.body).toEqual([{ dialogid: ids.A1 }]);
  });
});

describe('odd input never reaches 1500', () => {
  it('malformed percent-encoding in path, query and URIs', async () => {
    const s = stubPorts();
    const { app } = makeApp({ operations: s.ops });
    expect((await send(app, 'GET', `${CALLS_PATH}/%E0%A4%A`)).code).toBe(1413);
    expect((await send(app, 'GET', `${CALLS_PATH}?mask=%E0%A4%A&limit=%`)).code).toBe(1400);
    expect((await send(app, 'REFER', callPath(ids.A1), { body: { by: 'sip:%E0@x', referto: '1' } })).code).toBe(1400);
    expect((await send(app, 'POST', CALLS_PATH, { body: { mode: 'uri', from: 'sip:%E0@test.rootdomain.ru', to: '1' } })).code).toBe(1403);
  });

  it('deeply nested JSON is just a bad parameter', async () => {
    const { app } = makeApp();
    const deep = '{"filter":' + '{"status":'.repeat(500) + '1' + '}'.repeat(501);
    expect((await send(app, 'GET', CALLS_PATH, { raw: deep })).code).toBe(1400);
  });
});

describe('errors', () => {
  it('an unexpected exception is 1500, logged with method and path, with no stack for the client', async () => {
    const { logger, lines } = captureLogger();
    const s = stubPorts();
    s.control.hangup = async () => {
      throw new TypeError('boom in the SIP node');
    };
    const { app } = makeApp({ calls: s.control, logger });
    const a = await send(app, 'DELETE', callPath(ids.A1));
    expect(a).toMatchObject({ status: 500, code: 1500, message: 'internal error' });
    expect(JSON.stringify(a.body)).not.toMatch(/boom|at |\.ts/);
    expect(lines.some((l) => l.includes('error') && l.includes('method=DELETE') && l.includes(`path=${callPath(ids.A1)}`) && l.includes('boom'))).toBe(true);
  });

  it('an ApiError from a port passes through as is', async () => {
    const s = stubPorts();
    s.control.notify = async () => {
      throw new ApiError(1409, 'event "hold" not in the device\'s Allow-Events');
    };
    const { app } = makeApp({ calls: s.control });
    const a = await send(app, 'NOTIFY', callPath(ids.A1), { body: { side: 'b', event: 'hold' } });
    expect(a).toMatchObject({ status: 409, code: 1409, message: expect.stringContaining('Allow-Events') });
  });

  it('every error has the JSON content type and exactly two fields', async () => {
    const { app } = makeApp();
    const res = await app.request(callPath('rDlg-001-Nobody'), { headers: { authorization: `Bearer ${TOKENS.alice}` } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ error_code: 1413, error_message: 'Dialog not found' });
  });
});
