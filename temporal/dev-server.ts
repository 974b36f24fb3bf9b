// Runs `temporal server start-dev` as a child process: SQLite file under the data folder, web UI on,
// loopback only. The child is tied to us with PDEATHSIG, so even a SIGKILLed server leaves no orphan.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../lib/log.ts';

/** Search attributes our workflows set, so ops can find an operation by dialog or user in the UI. */
export const SEARCH_ATTRIBUTES = { CallDialogId: 'Keyword', CallUser: 'Keyword', CallOperation: 'Keyword' } as const;

/**
 * Dynamic config for latency. The history service reads its transfer queue (the tasks that hand
 * workflow and activity tasks to matching) at most `transferProcessorMaxPollRPS` times a second per
 * shard; the default 20 made every workflow task, activity and signal wait ~40 ms for its read
 * (bench/ops/roundtrip.ts: a trivial workflow's round trip fell from 266 to 72 ms at 1000). The
 * setting is a cap: reads follow written tasks (and a slow periodic poll), they do not spin.
 */
export const LATENCY_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'history.transferProcessorMaxPollRPS': '1000',
};

/**
 * SQLite pragmas for the file store. In WAL mode with synchronous=NORMAL a commit no longer waits
 * for an fsync: every Temporal write (a start, a signal, a completed task) got ~10 ms cheaper here
 * (bench/ops/roundtrip.ts: 74 → 50 ms a round trip). A crash of the dev server loses nothing; a
 * power loss or kernel crash may lose the last commits but leaves the file consistent (SQLite's
 * documented guarantee for WAL + NORMAL), and operations are short-lived calls anyway.
 */
export const SQLITE_PRAGMAS: Readonly<Record<string, string>> = {
  journal_mode: 'wal',
  synchronous: 'normal',
};

export interface DevServerOptions {
  binary: string;
  dataDir: string;
  host?: string;
  port: number;
  uiPort: number;
  /** Prometheus /metrics; the CLI picks a random free port when not given. */
  metricsPort?: number;
  namespace: string;
  logger: Logger;
  /** How long to wait for the frontend to answer. */
  readyTimeoutMs?: number;
  /** Keep the store in memory (no SQLite file): benchmarks and experiments only, nothing survives. */
  memory?: boolean;
  /** More `--dynamic-config-value key=value` pairs (JSON values); they override ours. */
  dynamicConfig?: Record<string, string>;
  /** `--sqlite-pragma NAME=VALUE` pairs for the file store; they override ours. */
  sqlitePragmas?: Record<string, string>;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  pid: number;
  stop(): Promise<void>;
  /** Immediate SIGKILL, for a forced exit. */
  kill(): void;
  exited: Promise<number | null>;
}

export class DevServerError extends Error {
  readonly code = 'TEMPORAL_DEV_SERVER_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'DevServerError';
  }
}

export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The `temporal` command line for the options (no side effects). */
export function devServerArgs(opts: Pick<DevServerOptions, 'dataDir' | 'host' | 'port' | 'uiPort' | 'metricsPort' | 'namespace' | 'memory' | 'dynamicConfig' | 'sqlitePragmas'>): string[] {
  const host = opts.host ?? '127.0.0.1';
  return [
    'server', 'start-dev',
    ...(opts.memory ? [] : ['--db-filename', join(opts.dataDir, 'temporal.sqlite')]),
    ...(opts.memory ? [] : Object.entries({ ...SQLITE_PRAGMAS, ...opts.sqlitePragmas }).flatMap(([k, v]) => ['--sqlite-pragma', `${k}=${v}`])),
    '--ip', host,
    '--port', String(opts.port),
    '--ui-ip', host,
    '--ui-port', String(opts.uiPort),
    ...(opts.metricsPort === undefined ? [] : ['--metrics-port', String(opts.metricsPort)]),
    '--namespace', opts.namespace,
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableServerVersionCheck=false',
    ...Object.entries({ ...LATENCY_DYNAMIC_CONFIG, ...opts.dynamicConfig }).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${v}`]),
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, v]) => ['--search-attribute', `${k}=${v}`]),
  ];
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const host = opts.host ?? '127.0.0.1';
  const address = `${host}:${opts.port}`;
  if (await portInUse(host, opts.port)) {
    throw new DevServerError(`${address} is already in use: another Temporal server? Set temporal.port, or temporal.address to use it`);
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const args = devServerArgs(opts);
  // setpriv --pdeathsig: the kernel sends SIGTERM to the dev server if this process dies for any reason.
  const usePdeath = existsSync('/usr/bin/setpriv');
  // Its own process group (detached): a terminal's Ctrl-C reaches only us, and we stop the dev
  // server last, after the workers have drained.
  // The dev server would otherwise ask an internet host for new versions every few seconds.
  const spawnOpts = {
    stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[],
    detached: true,
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  };
  const child: ChildProcess = usePdeath
    ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'SIGTERM', '--', opts.binary, ...args], spawnOpts)
    : spawn(opts.binary, args, spawnOpts);
  const log = opts.logger.child('temporal', { pid: child.pid });
  // Once we asked it to stop, its internal workers and clients complain about the connections
  // going away ("Failed to poll for task", "network dial error"): expected, so debug, not warn.
  let stopping = false;
  const forward = (b: Buffer) => {
    for (const raw of b.toString().split('\n')) {
      const line = raw.trim().slice(0, 500);
      if (!line) continue;
      if (/level=(ERROR|FATAL|DPANIC|PANIC)/.test(line)) log.error(line);
      else if (/level=WARN/.test(line) && !stopping) log.warn(line);
      else if (/level=WARN/.test(line)) log.debug(line);
      else log.info(line);
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  let alive = true;
  void exited.then(() => (alive = false));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (!alive) throw new DevServerError(`temporal dev server exited during start-up (see the log lines above)`);
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await conn.workflowService.getSystemInfo({});
        await conn.workflowService.describeNamespace({ namespace: opts.namespace });
      } finally {
        await conn.close();
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new DevServerError(`temporal dev server did not answer on ${address} within ${opts.readyTimeoutMs ?? 60_000} ms: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const uiUrl = `http://${host}:${opts.uiPort}`;
  log.info('temporal dev server ready', { address, ui: uiUrl });

  return {
    address,
    uiUrl,
    pid: child.pid ?? -1,
    exited,
    kill() {
      if (alive) child.kill('SIGKILL');
    },
    async stop() {
      if (!alive) return;
      stopping = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
