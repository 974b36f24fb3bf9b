// The real server with SIPp devices as fixed contacts, for operations tests through the API: the
// server process (its embedded Temporal dev server), a Temporal client to read the workflows, and
// alice's API.
import { createHash } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startServerProcess, testConfig, type ServerProcess } from './server-process.ts';

export const ALICE = 'alice@test.rootdomain.ru';

export interface OpsServer {
  server: ServerProcess;
  temporal: Client;
  /** One request as alice; JSON both ways. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** `patch` makes the devices fixed contacts (sipusers[i].contact = sip:127.0.0.1:<SIPp port>). */
export async function startOpsServer(patch: Parameters<typeof testConfig>[0]): Promise<OpsServer> {
  const server = await startServerProcess({ config: await testConfig(patch) });
  const connection = await Connection.connect({ address: `127.0.0.1:${server.temporalPort}` });
  const temporal = new Client({ connection, namespace: 'default' });
  return {
    server,
    temporal,
    async api(method, path, body, headers = {}) {
      const res = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await connection.close();
      await server.stop();
    },
  };
}

/** The workflow id an Idempotency-Key gives (operations/workflow-inputs.ts operationWorkflowId). */
export function keyedWorkflowId(verb: 'post' | 'invite' | 'refer', key: string, dialogid?: string, user = ALICE): string {
  const id = createHash('sha256').update(`${user}\u0000${key}`, 'utf8').digest('hex').slice(0, 32);
  return dialogid === undefined ? `op-${verb}-${id}` : `op-${verb}-${dialogid}-${id}`;
}

/** Polls `probe` every 100 ms until it holds; fails naming `what` after `ms`. */
export async function until(probe: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
