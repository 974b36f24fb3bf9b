// Every verb of the spec with curl against the running server, as an integrator would first try it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from './helpers/server-process.ts';

const run = promisify(execFile);

interface CurlResult {
  status: number;
  body: unknown;
  headers: string;
}

async function curl(server: ServerProcess, method: string, path: string, opts: { body?: string; token?: string | null; headers?: string[] } = {}): Promise<CurlResult> {
  const args = ['-sS', '-D', '-', '-X', method, `${server.baseUrl}${path}`];
  if (opts.token !== null) args.push('-H', `Authorization: Bearer ${opts.token ?? 'alice-token'}`);
  for (const h of opts.headers ?? []) args.push('-H', h);
  if (opts.body !== undefined) args.push('-H', 'Content-Type: application/json; charset=utf-8', '--data-binary', opts.body);
  const { stdout } = await run('curl', args);
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split);
  const text = stdout.slice(split + 4);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  return { status, headers: head, body: text ? JSON.parse(text) : undefined };
}

const calls = '/rest/v1/user/sip/calls';
const nosuch = `${calls}/rDlg-001-nosuch`;

describe('the API with curl, every verb', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('GET list on an empty store: 200 []', async () => {
    expect(await curl(server, 'GET', calls)).toMatchObject({ status: 200, body: [] });
  });

  it('LOOKUP with a body and with a query string: 200 []', async () => {
    expect(await curl(server, 'LOOKUP', calls, { body: '{"callid":"abc@host"}' })).toMatchObject({ status: 200, body: [] });
    expect(await curl(server, 'LOOKUP', `${calls}?phonenumber=11`)).toMatchObject({ status: 200, body: [] });
  });

  it.each([
    ['GET', undefined],
    ['DELETE', undefined],
    ['REFER', '{"by":"a","referto":"13"}'],
    ['REFERREPLACES', '{"masterby":"a","slavedialogid":"rDlg-001-other1","slaveby":"a"}'],
    ['SWITCHCONF', '{}'],
    ['REFERCONF', '{"by":"a","referdialogid":"rDlg-001-other1"}'],
    ['NOTIFY', '{"side":"a","event":"talk"}'],
    ['SEND_DTMF', '{"side":"a","dtmf":"123#"}'],
    ['SETUP_ASR', '{"cmd":"start","side":"a"}'],
    ['SETUP_RECORD', '{"cmd":"start"}'],
    ['SETUP_BINDINGS', '{"command":"list"}'],
  ])('%s on an unknown dialog: 404 with error_code 1413', async (method, body) => {
    const r = await curl(server, method, nosuch, body === undefined ? {} : { body });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ error_code: 1413 });
  });

  it.each(['POST', 'INVITE'])('%s click-to-call from an own account runs as an operation: X is not registered, so result error', async (method) => {
    const r = await curl(server, method, calls, { body: '{"from":"11","to":"13"}' });
    // The operation ran (a workflow on the embedded Temporal) and answers 200 whatever its result:
    // sip1 has no contact, so the service call cannot be placed.
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ result: 'error', ivrcallid: expect.stringMatching(/^rIV-001-[0-9a-f]{27}$/) });
  });

  it.each(['POST', 'INVITE'])('%s from an account of another user: 403 1403', async (method) => {
    const r = await curl(server, method, calls, { body: '{"from":"13","to":"11"}' });
    expect(r).toMatchObject({ status: 403, body: { error_code: 1403 } });
  });

  it('a body that is not JSON: 415 1415', async () => {
    const r = await curl(server, 'LOOKUP', calls, { body: 'callid=abc' });
    expect(r).toMatchObject({ status: 415, body: { error_code: 1415 } });
  });

  it('a bad parameter: 400 1400 naming it', async () => {
    const r = await curl(server, 'POST', calls, { body: '{"from":"11","to":"13","response_mode":9}' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error_code: 1400, error_message: expect.stringContaining('response_mode') });
  });

  it('no token or a wrong token: 401 1401', async () => {
    expect(await curl(server, 'GET', calls, { token: null })).toMatchObject({ status: 401, body: { error_code: 1401 } });
    expect(await curl(server, 'LOOKUP', calls, { token: 'nobody-token' })).toMatchObject({ status: 401, body: { error_code: 1401 } });
  });

  it('a verb not defined on the path: 405 1405 with Allow', async () => {
    const r = await curl(server, 'SWITCHCONF', calls, { body: '{}' });
    expect(r).toMatchObject({ status: 405, body: { error_code: 1405 } });
    expect(r.headers).toMatch(/^allow: .*LOOKUP/im);
  });

  it('POST with X-HTTP-Method-Override acts as the named verb', async () => {
    const r = await curl(server, 'POST', nosuch, { body: '{}', headers: ['X-HTTP-Method-Override: SWITCHCONF'] });
    expect(r).toMatchObject({ status: 404, body: { error_code: 1413 } });
    const l = await curl(server, 'POST', calls, { body: '{"dialogid":"rDlg-001-abcdef"}', headers: ['X-HTTP-Method-Override: LOOKUP'] });
    expect(l).toMatchObject({ status: 200, body: [] });
  });
});
