// Split roles with a real call: the SIP node (with Temporal and the workers) in one process, the API
// in another following the node's feed. The API's reads see the call, and its call control reaches
// the node: labels set through the API land on the node's dialog, and DELETE sends both phones BYE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from './helpers/api-request.ts';
import { freePort, startServerProcess, testConfig, type ServerProcess } from './helpers/server-process.ts';
import { until } from './phones/until.ts';
import { explain, hasSipp, killAllSipp, runSipp, scenario, sip1Dialling, startSipp } from './sip/helpers/sipp.ts';

const calls = '/rest/v1/user/sip/calls';

/** As alice. */
const api = (server: ServerProcess, method: string, path: string, body?: unknown) => apiRequest(server, method, path, 'alice-token', body);

describe.skipIf(!hasSipp)('split roles: the API apart from the SIP node', () => {
  let node: ServerProcess;
  let apiProcess: ServerProcess;
  let uasPort: number;

  beforeAll(async () => {
    uasPort = await freePort();
    const feedPort = await freePort();
    const config = await testConfig((c) => {
      c.cluster = { feed: { host: '127.0.0.1', port: feedPort } };
      // sip2 (number 12, alice's) is a fixed device: a SIPp UAS.
      c.domains[0].users[0].sipusers[1].contact = `sip:127.0.0.1:${uasPort}`;
    });
    node = await startServerProcess({ config, args: ['--roles', 'temporal,worker,sip'] });
    apiProcess = await startServerProcess({ config, args: ['--roles', 'api'] });
  }, 180_000);
  afterAll(async () => {
    killAllSipp();
    await apiProcess?.stop();
    await node?.stop();
  });

  it('labels and DELETE sent through the API act on the node\'s call: both phones get BYE', async () => {
    const uas = startSipp({ scenario: scenario('uas-answer.xml'), localPort: uasPort, timeoutS: 20, pauseMs: 100 });
    const uac = runSipp(sip1Dialling('12', { scenario: scenario('uac-wait-bye.xml'), remotePort: node.sipPort, localPort: await freePort(), timeoutS: 20 }));

    const dialogid = await until('the call in the API', async () => {
      const r = await api(apiProcess, 'LOOKUP', calls, { phonenumber: '11' });
      const ids = r.body as string[];
      return ids.length === 1 ? ids[0] : undefined;
    });
    await until('the call answered', async () => ((await api(apiProcess, 'GET', `${calls}/${dialogid}`)).body as { status?: string }).status === 'dialog' || undefined);

    expect(await api(apiProcess, 'SETUP_BINDINGS', `${calls}/${dialogid}`, { command: 'add', label: ['vip', 'queue-1'] })).toEqual({
      status: 200,
      body: { dialogid, bindings: ['vip', 'queue-1'] },
    });
    // The node holds them now: its next change of the call still carries them, and the API reads them.
    const labels = async () => ((await api(apiProcess, 'GET', `${calls}/${dialogid}`)).body as { opts?: { bindings?: string[] } }).opts?.bindings;
    expect(await until('the labels from the node', async () => ((await labels())?.length === 2 ? labels() : undefined))).toEqual(['vip', 'queue-1']);
    expect(await api(apiProcess, 'SETUP_BINDINGS', `${calls}/${dialogid}`, { command: 'remove', label: 'vip' })).toMatchObject({ status: 200, body: { bindings: ['queue-1'] } });

    expect(await api(apiProcess, 'DELETE', `${calls}/${dialogid}`)).toEqual({ status: 200, body: { dialogid } });
    const [a, b] = await Promise.all([uac, uas.done]);
    expect(a.code, explain(a)).toBe(0);
    expect(b.code, explain(b)).toBe(0);
    await until('the call gone from the API', async () => ((await api(apiProcess, 'LOOKUP', calls, { dialogid })).body as string[]).length === 0 || undefined);
    // Ended: DELETE again is 1413 from the API's own replica, as in one process.
    expect(await api(apiProcess, 'DELETE', `${calls}/${dialogid}`)).toMatchObject({ status: 404, body: { error_code: 1413 } });
  });
});
