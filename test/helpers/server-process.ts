// Runs the real server as a child process (`callctl start`) on a config with free loopback ports,
// the way an operator starts it, and waits for its "ready" line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { demoConfigPath } from '../../config/load.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const repoRoot = root;

/**
 * Where the tests' media relays and phones take their RTP ports (test/sip/helpers/node.ts
 * mediaRange, baresip, linphone, the demo config): a port handed out here must not fall in them, or
 * a relay of another test file running in parallel may bind it first (SIPp: "Unable to bind main
 * socket, errno = 98").
 */
const MEDIA_PORTS_END = 50_000;

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

/**
 * Where freePort draws from: above the media ranges and, where the kernel leaves room, above its
 * ephemeral range too. A port inside that range can be free when checked and then become the local
 * port of some outgoing connection (the unit tests run beside the e2e files and open many) before
 * the server binds it: the Temporal dev server then fails with "address already in use".
 */
export function portPool(ephemeral = ephemeralRange()): { from: number; count: number } {
  const above = Math.max(MEDIA_PORTS_END, ephemeral[1] + 1);
  const count = 65_536 - above;
  return count >= 2_000 ? { from: above, count } : { from: MEDIA_PORTS_END, count: 11_000 };
}

/** The kernel's range for outgoing connections' local ports (Linux; its default elsewhere). */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi)) return [lo!, hi!];
  } catch {
    // not Linux
  }
  return [32_768, 60_999];
}

/**
 * Ports this process has handed out. A test often draws two ports before binding either (a callee
 * SIPp's, then the caller's while the callee is still starting): both are free when checked, so
 * without this the second draw could return the first, and one SIPp would fail to bind.
 */
const handedOut = new Set<number>();

/** A port free for TCP and UDP on 127.0.0.1 now, drawn at random from portPool(), never one this process already drew. */
export async function freePort(): Promise<number> {
  const { from, count } = portPool();
  // A long-lived process that drew half the pool starts over: its early ports are long released.
  if (handedOut.size >= count / 2) handedOut.clear();
  for (let tries = 0; tries < 200; tries++) {
    const port = from + Math.floor(Math.random() * count);
    if (handedOut.has(port)) continue;
    if ((await tcpFree(port)) && (await udpFree(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${from}-${from + count - 1} after 200 tries`);
}

export interface ServerProcess {
  child: ChildProcess;
  dir: string;
  httpPort: number;
  temporalPort: number;
  uiPort: number;
  sipPort: number;
  baseUrl: string;
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The demo config with fresh ports and a private data folder; `patch` edits it further. */
export interface TestConfig {
  file: string;
  dir: string;
  httpPort: number;
  temporalPort: number;
  uiPort: number;
  sipPort: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a YAML document edited freely by tests
type Doc = Record<string, any>;

export async function testConfig(patch?: (cfg: Doc) => void): Promise<TestConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'callctl-e2e-'));
  const cfg = parse(readFileSync(demoConfigPath, 'utf8')) as Doc;
  const [httpPort, temporalPort, uiPort, metricsPort, sipPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  cfg.http.listen.port = httpPort;
  cfg.temporal = { address: 'embedded', namespace: 'default', port: temporalPort, uiPort, metricsPort };
  cfg.sip.listen = [{ transport: 'udp', host: '127.0.0.1', port: sipPort }, { transport: 'tcp', host: '127.0.0.1', port: sipPort }];
  cfg.data = { dir: join(dir, 'data') };
  cfg.recordings = { dir: join(dir, 'data', 'recordings') };
  patch?.(cfg);
  const file = join(dir, 'callctl.yaml');
  writeFileSync(file, stringify(cfg));
  return { file, dir, httpPort, temporalPort, uiPort, sipPort };
}

export async function startServerProcess(
  opts: {
    config?: TestConfig;
    args?: string[];
    readyTimeoutMs?: number;
    /** `node --import tsx` (default), or the tsx CLI as `npm start` runs it (a parent process that
     * starts node with tsx's loader and forwards SIGINT/SIGTERM; a SIGKILL would orphan the server). */
    launcher?: 'node' | 'tsx-cli';
  } = {},
): Promise<ServerProcess> {
  const cfg = opts.config ?? (await testConfig());
  const file = cfg.file;
  const args = [join(root, 'bin/callctl.ts'), 'start', '--config', file, ...(opts.args ?? [])];
  const [command, argv] = opts.launcher === 'tsx-cli' ? [join(root, 'node_modules/.bin/tsx'), args] : [process.execPath, ['--import', 'tsx', ...args]];
  const child = spawn(command, argv, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  while (!/ callctl ready /.test(out)) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}) before ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    dir: cfg.dir,
    httpPort: cfg.httpPort,
    temporalPort: cfg.temporalPort,
    uiPort: cfg.uiPort,
    sipPort: cfg.sipPort,
    baseUrl: `http://127.0.0.1:${cfg.httpPort}`,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Whether a process id is alive (signal 0 probes without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
