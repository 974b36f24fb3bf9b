// What the benchmarks share: the server in a child process (optionally pinned to CPUs), its CPU time
// from /proc, the machine's description, and writing one section of docs/benchmarks.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '4xx': number;
}
export type Autocannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const num = (name: string, dflt: number): number => (process.env[name] ? Number(process.env[name]) : dflt);
export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** A command's output, or `fallback` when it cannot run (not Linux). */
export function sh(cmd: string, args: string[], fallback: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return fallback;
  }
}

const CLK_TCK = Number(sh('getconf', ['CLK_TCK'], '100')) || 100;

export interface CpuTime {
  /** Seconds. */
  user: number;
  system: number;
}

/** utime and stime of a process (Linux /proc), or undefined. */
export function processCpu(pid: number | undefined): CpuTime | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };
  } catch {
    return undefined;
  }
}

/** CPU µs per request between two readings: user, system, both. */
export function cpuPerRequest(a: CpuTime | undefined, b: CpuTime | undefined, requests: number): { user: number; system: number; total: number } | undefined {
  if (!a || !b || requests <= 0) return undefined;
  const user = ((b.user - a.user) * 1e6) / requests;
  const system = ((b.system - a.system) * 1e6) / requests;
  return { user, system, total: user + system };
}

export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function machine(): string {
  return `${sh('nproc', [], String(cpus().length))} vCPU (nproc), ${sh('uname', ['-m'], arch())}, ${cpuModel()}, Node ${process.version}`;
}

export interface ChildOptions {
  /** Extra node flags (--expose-gc, --cpu-prof …). */
  nodeArgs?: string[];
  /** A CPU list for taskset (e.g. "1"): the server runs on those CPUs only. */
  cpus?: string | undefined;
}

/** Starts `node --import tsx script args`; resolves with its first stdout line (the server's JSON). */
export async function startChild(script: string, args: string[], o: ChildOptions = {}): Promise<{ child: ChildProcess; first: string }> {
  const nodeArgs = [...(o.nodeArgs ?? []), '--import', 'tsx', script, ...args];
  const [cmd, argv] = o.cpus ? ['taskset', ['-c', o.cpus, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  lines.close();
  return { child, first };
}

export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Restricts this process (every thread) to `list` (taskset syntax); false when that failed. */
export function pinSelf(list: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Replaces the section titled `title` (up to the next "## ") of docs/benchmarks.md, or appends it. */
export function writeDocSection(title: string, section: string): string {
  const file = join(root, 'docs', 'benchmarks.md');
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(title);
  if (start === -1) doc = `${doc.trimEnd()}\n\n${section}`;
  else {
    const next = doc.indexOf('\n## ', start + title.length);
    doc = doc.slice(0, start) + section.trimEnd() + (next === -1 ? '\n' : `\n\n${doc.slice(next + 1)}`);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, doc.endsWith('\n') ? doc : `${doc}\n`);
  return file;
}

/** Writes the raw figures to bench/results/<name>-<time>.json. */
export function writeResults(name: string, data: unknown): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2));
  return file;
}
