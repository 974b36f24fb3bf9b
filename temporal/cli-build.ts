// Builds the Temporal CLI (which carries the dev server and its web UI) from the Go module proxy,
// once per machine, into a cache outside the repository. Temporal's server is not on npm, and
// downloads from anywhere else fail on this network.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../lib/log.ts';

/** Newer tags carry a `replace` directive that `go install pkg@version` refuses. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function cacheDir(): string {
  const base = process.env.CALLCTL_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'callctl');
  return join(base, `temporal-${TEMPORAL_CLI_VERSION}`);
}

/** Where the CLI is, or will be once built. `TEMPORAL_CLI_PATH` names an existing binary instead. */
export function temporalCliPath(): string {
  return process.env.TEMPORAL_CLI_PATH ?? join(cacheDir(), 'temporal');
}

export function temporalCliWorks(path = temporalCliPath()): boolean {
  if (!existsSync(path)) return false;
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 && /temporal version/.test(r.stdout);
}

export class TemporalBuildError extends Error {
  readonly code = 'TEMPORAL_CLI_BUILD_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'TemporalBuildError';
  }
}

/**
 * Returns the path of a working Temporal CLI, building it first when missing. Progress goes to
 * `progress` as one line per step (modules fetched, elapsed time), since a first build takes minutes.
 */
export async function ensureTemporalCli(opts: { logger: Logger; progress?: (line: string) => void }): Promise<string> {
  const target = temporalCliPath();
  if (temporalCliWorks(target)) return target;
  if (process.env.TEMPORAL_CLI_PATH) throw new TemporalBuildError(`TEMPORAL_CLI_PATH=${target} is not a working temporal binary`);

  const progress = opts.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const go = process.env.GO ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');
  const dir = cacheDir();
  // Build into a scratch folder, then rename: an interrupted build never leaves a half binary behind.
  const scratch = `${dir}.partial-${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  opts.logger.info('building the Temporal CLI from the Go module proxy (once per machine)', { module: `${MODULE}@${TEMPORAL_CLI_VERSION}`, into: dir });

  const started = Date.now();
  let modules = 0;
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(go, ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: scratch, GOFLAGS: process.env.GOFLAGS ?? '-buildvcs=false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tick = setInterval(() => {
      progress(`temporal build: ${Math.round((Date.now() - started) / 1000)} s, ${modules} modules fetched, compiling…`);
    }, 10_000);
    let tail = '';
    const onData = (b: Buffer) => {
      const text = b.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) {
        if (line.startsWith('go: downloading')) {
          modules++;
          if (modules % 20 === 1) progress(`temporal build: fetching modules (${modules}) ${line.slice(16)}`);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      clearInterval(tick);
      reject(new TemporalBuildError(`cannot run ${go}: ${err.message} (is Go installed? set GO=/path/to/go)`));
    });
    child.on('close', (status) => {
      clearInterval(tick);
      if (status !== 0) opts.logger.error('go install failed', { status, output: tail.trim().split('\n').slice(-5).join(' | ') });
      resolve(status ?? 1);
    });
  });
  if (code !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new TemporalBuildError(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${code})`);
  }
  mkdirSync(dir, { recursive: true });
  renameSync(join(scratch, 'temporal'), target);
  rmSync(scratch, { recursive: true, force: true });
  progress(`temporal build: done in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
  return target;
}
