// The call-control server run INSIDE a private network namespace (netns.ts), next to real phones:
// a config from config/demo.yaml with fixed ports (the namespace has its own port space, so fixed
// ports never collide with the host or with other tests), `callctl start` spawned into the
// namespace, and the HTTP API reached from the test through a one-shot Node client run in it.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { demoConfigPath } from '../../config/load.ts';
import { repoRoot } from '../helpers/server-process.ts';
import { terminate, waitExit, type Netns } from './netns.ts';

export interface NetnsServerPorts {
  /** SIP, UDP and TCP on 127.0.0.1. Default 5060. */
  sip: number;
  http: number;
  temporal: number;
  temporalUi: number;
  temporalMetrics: number;
  /** sip.media.ports, inclusive. Default [20000, 20199]. */
  media: [number, number];
}

export const DEFAULT_NETNS_SERVER_PORTS: NetnsServerPorts = {
  sip: 5060,
  http: 8080,
  temporal: 7233,
  temporalUi: 8233,
  temporalMetrics: 8234,
  media: [20000, 20199],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a YAML document edited freely by tests
type Doc = Record<string, any>;

export interface NetnsServerConfig {
  file: string;
  dir: string;
  ports: NetnsServerPorts;
}

/** Writes the demo config with `ports`, a private data folder and loopback media; `patch` edits it further. */
export function netnsServerConfig(opts: { dir?: string; ports?: Partial<NetnsServerPorts>; patch?: (cfg: Doc) => void } = {}): NetnsServerConfig {
  const ports = { ...DEFAULT_NETNS_SERVER_PORTS, ...opts.ports };
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'callctl-netns-'));
  mkdirSync(dir, { recursive: true });
  const cfg = parse(readFileSync(demoConfigPath, 'utf8')) as Doc;
  cfg.http.listen = { host: '127.0.0.1', port: ports.http };
  cfg.temporal = { address: 'embedded', namespace: 'default', port: ports.temporal, uiPort: ports.temporalUi, metricsPort: ports.temporalMetrics };
  cfg.sip.listen = [
    { transport: 'udp', host: '127.0.0.1', port: ports.sip },
    { transport: 'tcp', host: '127.0.0.1', port: ports.sip },
  ];
  cfg.sip.media = { host: '127.0.0.1', ports: ports.media };
  cfg.data = { dir: join(dir, 'data') };
  cfg.recordings = { dir: join(dir, 'data', 'recordings') };
  opts.patch?.(cfg);
  const file = join(dir, 'callctl.yaml');
  writeFileSync(file, stringify(cfg));
  return { file, dir, ports };
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface NetnsServer {
  readonly child: ChildProcess;
  readonly config: NetnsServerConfig;
  /** stdout+stderr so far. */
  output(): string;
  /** The last `lines` lines of output(), for failure messages. */
  outputTail(lines?: number): string;
  /**
   * One API request from inside the namespace (POST with X-HTTP-Method-Override: method, as
   * test/api-calls.test.ts does). JSON bodies; a non-JSON answer comes back as its text.
   */
  api(method: string, path: string, token: string, body?: unknown): Promise<ApiResponse>;
  /** SIGTERM (SIGKILL after `graceMs`); resolves with the exit code (or signal name). */
  stop(graceMs?: number): Promise<number | string | null>;
}

// The one-shot API client run inside the namespace: prints {"status":…,"text":…}.
const API_CLIENT = `
const [url, method, token, body] = process.argv.slice(1);
fetch(url, {
  method: 'POST',
  headers: { authorization: 'Bearer ' + token, 'x-http-method-override': method, 'content-type': 'application/json' },
  body: body === '' ? undefined : body,
  signal: AbortSignal.timeout(8000),
}).then(async (res) => {
  process.stdout.write(JSON.stringify({ status: res.status, text: await res.text() }));
}).catch((e) => { process.stderr.write(String(e && e.cause ? e.cause : e)); process.exit(2); });
`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Spawns `node --import tsx bin/callctl.ts start --config FILE` inside `netns` and waits for its
 * ` callctl ready ` line. The server (and its Temporal dev server) are killed by `stop()`, and at
 * the latest by `netns.close()`.
 */
export async function startServerInNetns(opts: { netns: Netns; config?: NetnsServerConfig; readyTimeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<NetnsServer> {
  const { netns } = opts;
  const config = opts.config ?? netnsServerConfig();
  const child = netns.spawnInNetns(process.execPath, ['--import', 'tsx', join(repoRoot, 'bin/callctl.ts'), 'start', '--config', config.file], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    // TEMPORAL_VERSION_CHECK_DISABLED: the embedded Temporal dev server otherwise looks up
    // version-info.temporal.io (DNS through the default route, every few seconds) to check for updates.
    env: { ...process.env, LOG_LEVEL: 'info', TEMPORAL_VERSION_CHECK_DISABLED: '1', ...opts.env },
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const outputTail = (lines = 60): string => out.split('\n').slice(-lines).join('\n');

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (!/ callctl ready /.test(out)) {
    if (spawnError) throw new Error(`cannot start the server in the netns: ${spawnError.message}`);
    if (exited()) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before ready:\n${outputTail()}`);
    if (Date.now() > deadline) {
      await terminate(child, 3_000);
      throw new Error(`server not ready in ${opts.readyTimeoutMs ?? 60_000} ms:\n${outputTail()}`);
    }
    await sleep(50);
  }

  const api = async (method: string, path: string, token: string, body?: unknown): Promise<ApiResponse> => {
    const url = `http://127.0.0.1:${config.ports.http}${path}`;
    const { stdout } = await netns.run(process.execPath, ['-e', API_CLIENT, url, method, token, body === undefined ? '' : JSON.stringify(body)], 10_000);
    const res = JSON.parse(stdout) as { status: number; text: string };
    let parsed: unknown = res.text;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed };
  };

  let stopping: Promise<number | string | null> | undefined;
  const stop = (graceMs = 10_000): Promise<number | string | null> => {
    stopping ??= (async () => {
      if (!exited()) {
        child.kill('SIGTERM');
        if (!(await waitExit(child, graceMs))) {
          child.kill('SIGKILL');
          await waitExit(child, 2_000);
        }
      }
      return child.exitCode ?? child.signalCode;
    })();
    return stopping;
  };

  return { child, config, output: () => out, outputTail, api, stop };
}
