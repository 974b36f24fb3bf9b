// One benchmark server in its own process, so the load generator never shares its event loop:
//   node --import tsx bench/http/serve.ts ours|node-server
// Prints one JSON line {"port": N, "app": "..."} when listening; stops on SIGTERM.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { loadConfig } from '../../config/load.ts';
import { silentLogger } from '../../lib/log.ts';
import { CallStore } from '../../store/call-store.ts';
import { createHttpFrontEnd } from '../../http/server.ts';
import { createStandInApp } from './stand-in-app.ts';

type FetchApp = { fetch: (req: Request, env: never) => Response | Promise<Response> };

async function loadApp(): Promise<{ app: FetchApp; name: string }> {
  try {
    const { createApiApp } = await import('../../api/app.ts');
    const app = createApiApp({ config: loadConfig(), store: new CallStore(), logger: silentLogger });
    return { app: app as unknown as FetchApp, name: 'api/app.ts createApiApp' };
  } catch (err) {
    // The real app is missing or broken: measure the transport with the stand-in rather than not at all.
    process.stderr.write(`api/app.ts not usable (${(err as Error).message}); using the stand-in app\n`);
    return { app: createStandInApp() as unknown as FetchApp, name: 'bench/http/stand-in-app.ts' };
  }
}

const kind = process.argv[2];
const { app, name } = await loadApp();
let stop: () => Promise<void>;
let port: number;

if (kind === 'ours') {
  const fe = createHttpFrontEnd({ fetch: (req, env) => app.fetch(req, env as never) });
  port = (await fe.listen(0, '127.0.0.1')).port;
  stop = () => fe.close();
} else if (kind === 'node-server') {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch as never, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  port = (server.address() as AddressInfo).port;
  stop = () => new Promise((resolve) => server.close(() => resolve()));
} else {
  process.stderr.write('usage: serve.ts ours|node-server\n');
  process.exit(2);
}

process.stdout.write(`${JSON.stringify({ port, app: name })}\n`);
process.on('SIGTERM', () => {
  // Keep-alive sockets of the load generator may linger: do not wait for them.
  void stop();
  setTimeout(() => process.exit(0), 200).unref();
});
