// The processes of the operations benchmark: the real server (bin/callctl.ts start, with the probe
// preloaded), SIPp runs, and /proc CPU figures. Every child gets its own process group and is killed
// with it on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const CLK_TCK = 100;

const groups = new Set<number>();
const killGroups = (signal: NodeJS.Signals) => {
  for (const pg of groups) {
    try {
      process.kill(-pg, signal);
    } catch {
      /* gone */
    }
  }
};
process.on('exit', () => killGroups('SIGKILL'));
for (const s of ['SIGINT', 'SIGTERM'] as const) {
  process.on(s, () => {
    killGroups('SIGTERM');
    process.exit(130);
  });
}

/** Starts a child in its own process group, remembered for the cleanup. */
export function startGroup(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; out: number | 'ignore' }): ChildProcess {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', opts.out, opts.out] });
  if (child.pid !== undefined) {
    const pg = child.pid;
    groups.add(pg);
    child.once('exit', () => groups.delete(pg));
  }
  return child;
}

export function stopGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* gone */
  }
}

export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));

// ---- /proc -----------------------------------------------------------------------------------------

/** utime + stime in clock ticks: of the whole process (every thread), or of one thread. */
export function cpuTicks(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** The children of a process named `comm` (the Temporal dev server under the node process). */
export function childrenNamed(pid: number, comm: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && name === comm) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Every thread of a process: tid → {name, ticks}. */
export function threadTicks(pid: number): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
      out.set(Number(t), { name, ticks: cpuTicks(pid, Number(t)) });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The busiest threads between two snapshots, in % of one core. */
export function busiestThreads(a: Map<number, { name: string; ticks: number }>, b: Map<number, { name: string; ticks: number }>, seconds: number, mainTid: number, top = 4): string[] {
  return [...b.entries()]
    .map(([tid, v]) => ({ tid, name: v.name, pct: Math.round((1000 * (v.ticks - (a.get(tid)?.ticks ?? 0))) / CLK_TCK / seconds) / 10 }))
    .sort((x, y) => y.pct - x.pct)
    .slice(0, top)
    .map((t) => `${t.tid === mainTid ? 'main' : `${t.name}:${t.tid}`} ${t.pct} %`);
}

export const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export interface CpuSample {
  at: number;
  node: number;
  nodeMain: number;
  temporal: number;
  /** The whole machine (/proc/stat): busy and all ticks, summed over its CPUs. */
  machineBusy: number;
  machineAll: number;
}

function machineTicks(): { busy: number; all: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: all - (f[3] ?? 0) - (f[4] ?? 0), all };
}

export function cpuSample(nodePid: number, temporalPid: number | undefined): CpuSample {
  const m = machineTicks();
  return { at: performance.now(), node: cpuTicks(nodePid), nodeMain: cpuTicks(nodePid, nodePid), temporal: temporalPid === undefined ? 0 : cpuTicks(temporalPid), machineBusy: m.busy, machineAll: m.all };
}

/** CPU between two samples, in % of one core, and in ms per operation. */
export function cpuBetween(a: CpuSample, b: CpuSample, ops: number) {
  const s = (b.at - a.at) / 1000;
  const pct = (t: number) => Math.round((1000 * t) / CLK_TCK / s) / 10;
  const perOp = (t: number) => (ops > 0 ? Math.round((100 * (t * 1000)) / CLK_TCK / ops) / 100 : null);
  return {
    seconds: Math.round(s * 10) / 10,
    /** Busy share of the whole machine (every process, every CPU), %. */
    machineBusyPct: b.machineAll > a.machineAll ? Math.round((1000 * (b.machineBusy - a.machineBusy)) / (b.machineAll - a.machineAll)) / 10 : 0,
    nodePct: pct(b.node - a.node),
    nodeMainPct: pct(b.nodeMain - a.nodeMain),
    temporalPct: pct(b.temporal - a.temporal),
    nodeMsPerOp: perOp(b.node - a.node),
    temporalMsPerOp: perOp(b.temporal - a.temporal),
  };
}

// ---- SIPp --------------------------------------------------------------------------------------------

export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  retrans: number;
  deadMsgs: number;
  outOfCall: number;
  unexpected: number;
  timeoutOnRecv: number;
  cpu: { cpuS: number; elapsedS: number; pct: number } | null;
}

export interface Sipp {
  readonly name: string;
  readonly child: ChildProcess;
  readonly done: Promise<SippStats>;
}

/** SIPp under /usr/bin/time (its CPU), bounded by -timeout, with its statistics in NAME.csv. */
export function startSipp(dir: string, name: string, timeoutS: number, args: string[]): Sipp {
  const base = join(dir, name);
  const sippArgs = [
    ...args,
    '-i',
    '127.0.0.1',
    '-timeout',
    `${timeoutS}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_stat',
    '-stf',
    `${base}.csv`,
    '-fd',
    '1',
    '-trace_err',
    '-error_file',
    `${base}.err`,
    '-buff_size',
    '4194304',
  ];
  const child = startGroup('/usr/bin/time', ['-f', '%e %U %S', '-o', `${base}.time`, 'sipp', ...sippArgs], { cwd: dir, out: 'ignore' });
  const done = exited(child).then(() => sippStats(base));
  return { name, child, done };
}

function sippStats(base: string): SippStats {
  const empty: SippStats = { created: 0, successful: 0, failed: 0, retrans: 0, deadMsgs: 0, outOfCall: 0, unexpected: 0, timeoutOnRecv: 0, cpu: null };
  let cpu: SippStats['cpu'] = null;
  if (existsSync(`${base}.time`)) {
    const m = /^([\d.]+) ([\d.]+) ([\d.]+)$/m.exec(readFileSync(`${base}.time`, 'utf8'));
    if (m) {
      const c = Number(m[2]) + Number(m[3]);
      cpu = { cpuS: c, elapsedS: Number(m[1]), pct: Number(m[1]) > 0 ? Math.round((1000 * c) / Number(m[1])) / 10 : 0 };
    }
  }
  if (!existsSync(`${base}.csv`)) return { ...empty, cpu };
  const lines = readFileSync(`${base}.csv`, 'utf8').trim().split('\n');
  if (lines.length < 2) return { ...empty, cpu };
  const head = lines[0]!.split(';');
  const last = lines.at(-1)!.split(';');
  const v = (k: string) => Number(last[head.indexOf(k)] ?? 0);
  return {
    created: v('TotalCallCreated'),
    successful: v('SuccessfulCall(C)'),
    failed: v('FailedCall(C)'),
    retrans: v('Retransmissions(C)'),
    deadMsgs: v('DeadCallMsgs(C)'),
    outOfCall: v('OutOfCallMsgs(C)'),
    unexpected: v('FailedUnexpectedMessage(C)'),
    timeoutOnRecv: v('FailedTimeoutOnRecv(C)'),
    cpu,
  };
}
