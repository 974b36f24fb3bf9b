// The server as an operator meets it: `callctl start` on embedded defaults brings up its own Temporal
// dev server, answers the API, and leaves no process behind however it is stopped.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, pidAlive, repoRoot, startServerProcess, testConfig, type ServerProcess } from './helpers/server-process.ts';

const run = promisify(execFile);

function temporalPid(out: string): number {
  const m = /temporal dev server ready.* pid=(\d+)/.exec(out);
  if (!m?.[1]) throw new Error(`no temporal pid in output:\n${out}`);
  return Number(m[1]);
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !pidAlive(pid);
}

describe('callctl start on embedded defaults', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
  });

  it('answers LOOKUP on an empty call store with 200 []', async () => {
    const { stdout } = await run('curl', [
      '-sS', '-o', '-', '-w', '\n%{http_code}', '-X', 'LOOKUP',
      '-H', 'Authorization: Bearer alice-token',
      `${server.baseUrl}/rest/v1/user/sip/calls`, '-d', '{"dialogid":"rDlg-001-abcdef"}',
    ]);
    expect(stdout.split('\n')).toEqual(['[]', '200']);
  });

  it('answers SWITCHCONF on an unknown dialog with 404 and error_code 1413', async () => {
    const { stdout } = await run('curl', [
      '-sS', '-o', '-', '-w', '\n%{http_code}', '-X', 'SWITCHCONF',
      '-H', 'Authorization: Bearer alice-token',
      `${server.baseUrl}/rest/v1/user/sip/calls/rDlg-001-nosuch`, '-d', '{}',
    ]);
    const [body, code] = stdout.split('\n');
    expect(code).toBe('404');
    expect(JSON.parse(body!)).toMatchObject({ error_code: 1413 });
  });

  it('serves the Temporal web UI on loopback', async () => {
    const res = await fetch(`http://127.0.0.1:${server.uiPort}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<html/i);
  });

  it('round-trips a health-check workflow through the workflow worker and the node worker', async () => {
    const cfgFile = join(server.dir, 'callctl.yaml');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin/callctl.ts'), 'health', '--config', cfgFile], { cwd: repoRoot });
    expect(JSON.parse(stdout)).toMatchObject({ node: '001', site: 'SITE1', taskQueue: 'callctl-sip-001', dialogs: 0 });
  });
});

describe('started as `npm start` does (the tsx CLI)', () => {
  it("an operation's workflow runs in the tuned workflow threads without failing a task (stack traces off)", async () => {
    const server = await startServerProcess({ launcher: 'tsx-cli' });
    try {
      expect(server.output()).toMatch(/workflow threads stackTraces=false watchdog=true/);
      // No phone is registered: the service call finds no contact, and the answer says so.
      const res = await fetch(`${server.baseUrl}/rest/v1/user/sip/calls`, {
        method: 'POST',
        headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
        body: JSON.stringify({ from: '11', to: '12', response_mode: 4 }),
      });
      expect(await res.json()).toEqual({ result: 'error', ivrcallid: expect.stringMatching(/^rIV-001-/) });
      await new Promise((r) => setTimeout(r, 500));
      expect(server.output()).toMatch(/no reachable contact/);
      expect(server.output()).not.toMatch(/Failing workflow task|Workflow failed/);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });
});

describe('stopping', () => {
  it('SIGTERM stops everything cleanly: exit 0, the dev server gone, the port free', async () => {
    const server = await startServerProcess();
    const pid = temporalPid(server.output());
    expect(pidAlive(pid)).toBe(true);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await waitGone(pid, 5000)).toBe(true);
    expect(server.output()).toMatch(/stopped part=http/);
    expect(server.output()).toMatch(/stopped part=temporal/);
    await expect(fetch(`${server.baseUrl}/healthz`)).rejects.toThrow();
  });

  it('SIGINT does the same', async () => {
    const server = await startServerProcess();
    const pid = temporalPid(server.output());
    expect(await server.stop('SIGINT')).toBe(0);
    expect(await waitGone(pid, 5000)).toBe(true);
  });

  it('a SIGKILLed server leaves no orphan Temporal dev server', async () => {
    const server = await startServerProcess();
    const pid = temporalPid(server.output());
    await server.stop('SIGKILL');
    expect(await waitGone(pid, 10_000)).toBe(true);
  });
});

describe('split roles', () => {
  it('runs the SIP node with Temporal and workers in one process and the API in another', async () => {
    const feedPort = await freePort();
    const config = await testConfig((c) => {
      c.cluster = { feed: { host: '127.0.0.1', port: feedPort } };
    });
    const node = await startServerProcess({ config, args: ['--roles', 'temporal,worker,sip'] });
    try {
      expect(node.output()).toMatch(/call-store feed listening address=127\.0\.0\.1:\d+/);
      expect(node.output()).not.toMatch(/API listening/);
      const api = await startServerProcess({ config, args: ['--roles', 'api'] });
      try {
        for (let i = 0; i < 50 && !/following node feed/.test(api.output()); i++) await new Promise((r) => setTimeout(r, 100));
        expect(api.output()).toMatch(/following node feed node=127\.0\.0\.1:\d+/);
        const res = await fetch(`${api.baseUrl}/rest/v1/user/sip/calls?inviteid=nosuch`, {
          method: 'POST',
          headers: { authorization: 'Bearer alice-token', 'x-http-method-override': 'LOOKUP' },
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual([]);
        const { stdout } = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin/callctl.ts'), 'health', '--config', config.file], { cwd: repoRoot });
        expect(JSON.parse(stdout)).toMatchObject({ node: '001', taskQueue: 'callctl-sip-001' });
      } finally {
        expect(await api.stop()).toBe(0);
      }
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });
});

describe('an external Temporal cluster', () => {
  it('with temporal.address host:port the server connects to it and starts no dev server of its own', async () => {
    const temporal = await startServerProcess({ args: ['--roles', 'temporal'] });
    try {
      const config = await testConfig((c) => {
        c.temporal = { address: `127.0.0.1:${temporal.temporalPort}`, namespace: 'default' };
      });
      const server = await startServerProcess({ config });
      try {
        expect(server.output()).not.toMatch(/temporal dev server ready/);
        expect(server.output()).toMatch(/roles=worker,sip,api/);
        const { stdout } = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin/callctl.ts'), 'health', '--config', config.file], { cwd: repoRoot });
        expect(JSON.parse(stdout)).toMatchObject({ node: '001' });
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      await temporal.stop();
    }
  });
});

describe('start-up errors', () => {
  it('an invalid config stops start-up listing every problem as path: message', async () => {
    const cfg = await testConfig((c) => {
      c.node = 'one';
      c.http.listen.port = 'eighty';
      c.domains[0].users[0].tokens = [];
    });
    const err = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin/callctl.ts'), 'start', '--config', cfg.file], { cwd: repoRoot }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(78);
    expect(err?.stderr).toMatch(/^ {2}node: must be 3 digits/m);
    expect(err?.stderr).toMatch(/^ {2}http\.listen\.port: /m);
    expect(err?.stderr).toMatch(/^ {2}domains\.0\.users\.0\.tokens: /m);
  });

  it('a Temporal port already taken is named in the error', async () => {
    const first = await startServerProcess();
    try {
      const cfg = await testConfig((c) => {
        c.temporal.port = first.temporalPort;
      });
      const err = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin/callctl.ts'), 'start', '--config', cfg.file], { cwd: repoRoot }).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code).not.toBe(0);
      expect(err?.stderr).toContain(`127.0.0.1:${first.temporalPort} is already in use`);
    } finally {
      await first.stop();
    }
  });
});
