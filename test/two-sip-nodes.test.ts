// Two SIP nodes and an API apart from them, as docs/architecture.md ("More than one SIP node") says
// to run them: node 001 with Temporal and the workers, node 002 with only the SIP role on node 001's
// Temporal, each with its own port, media range and feed; the API follows both feeds. A call through
// node 002 is seen through the API, and the API's call control reaches node 002, not node 001.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from './helpers/api-request.ts';
import { freePort, startServerProcess, testConfig, type ServerProcess } from './helpers/server-process.ts';
import { until } from './phones/until.ts';
import { explain, hasSipp, killAllSipp, runSipp, scenario, sip1Dialling, startSipp } from './sip/helpers/sipp.ts';

const calls = '/rest/v1/user/sip/calls';

/** As alice. */
const api = (server: ServerProcess, method: string, path: string, body?: unknown) => apiRequest(server, method, path, 'alice-token', body);

describe.skipIf(!hasSipp)('two SIP nodes and the API apart from them', () => {
  const started: ServerProcess[] = [];
  let nodeB: ServerProcess;
  let apiProcess: ServerProcess;
  let uasPort: number;

  beforeAll(async () => {
    uasPort = await freePort();
    const [feedA, feedB] = [await freePort(), await freePort()];
    // sip2 (number 12, alice's) is a fixed device, the same on both nodes: a SIPp UAS.
    const device = (c: Record<string, any>): void => { // eslint-disable-line @typescript-eslint/no-explicit-any -- the YAML document
      c.domains[0].users[0].sipusers[1].contact = `sip:127.0.0.1:${uasPort}`;
    };
    const a = await testConfig((c) => {
      device(c);
      c.cluster = { feed: { host: '127.0.0.1', port: feedA } };
    });
    const nodeA = await startServerProcess({ config: a, args: ['--roles', 'temporal,worker,sip'] });
    started.push(nodeA);
    const b = await testConfig((c) => {
      device(c);
      c.node = '002';
      c.sip.media = { host: '127.0.0.1', ports: [31000, 31999] };
      c.cluster = { feed: { host: '127.0.0.1', port: feedB } };
      c.temporal = { ...c.temporal, address: `127.0.0.1:${a.temporalPort}` };
    });
    nodeB = await startServerProcess({ config: b, args: ['--roles', 'sip'] });
    started.push(nodeB);
    const apiConfig = await testConfig((c) => {
      c.cluster = { feed: { host: '127.0.0.1', port: feedA }, nodes: [`127.0.0.1:${feedA}`, `127.0.0.1:${feedB}`] };
      c.temporal = { ...c.temporal, address: `127.0.0.1:${a.temporalPort}` };
    });
    apiProcess = await startServerProcess({ config: apiConfig, args: ['--roles', 'api'] });
    started.push(apiProcess);
    await until('the API following both feeds', () => ((apiProcess.output().match(/following node feed/g) ?? []).length >= 2 ? true : undefined), 10_000, () => apiProcess.output());
  }, 240_000);
  afterAll(async () => {
    killAllSipp();
    for (const p of started.reverse()) await p.stop();
  });

  it('a call through node 002 shows in the API with its node\'s ids, and DELETE through the API ends it there', async () => {
    const uas = startSipp({ scenario: scenario('uas-answer.xml'), localPort: uasPort, timeoutS: 20, pauseMs: 100 });
    const uac = runSipp(sip1Dialling('12', { scenario: scenario('uac-wait-bye.xml'), remotePort: nodeB.sipPort, localPort: await freePort(), timeoutS: 20 }));

    const dialogid = await until('the call in the API', async () => {
      const ids = (await api(apiProcess, 'LOOKUP', calls, { phonenumber: '11' })).body as string[];
      return ids.length === 1 ? ids[0] : undefined;
    });
    expect(dialogid).toMatch(/^rDlg-002-/);
    await until('the call answered', async () => ((await api(apiProcess, 'GET', `${calls}/${dialogid}`)).body as { status?: string }).status === 'dialog' || undefined);

    expect(await api(apiProcess, 'SETUP_BINDINGS', `${calls}/${dialogid}`, { command: 'set', label: 'node-2' })).toMatchObject({ status: 200, body: { bindings: ['node-2'] } });
    expect(await api(apiProcess, 'DELETE', `${calls}/${dialogid}`)).toEqual({ status: 200, body: { dialogid } });
    const [a, b] = await Promise.all([uac, uas.done]);
    expect(a.code, explain(a)).toBe(0);
    expect(b.code, explain(b)).toBe(0);
    await until('the call gone from the API', async () => ((await api(apiProcess, 'LOOKUP', calls, { dialogid })).body as string[]).length === 0 || undefined);
  });
});
