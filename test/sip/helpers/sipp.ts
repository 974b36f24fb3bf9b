// Running SIPp (Debian sip-tester, 3.6) as the phones of a test: each run gets a global timeout so
// nothing hangs, its errors in a file of its own, and every child is killed in afterAll.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const hasSipp = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;

export const scenario = (name: string): string => fileURLToPath(new URL(`../scenarios/${name}`, import.meta.url));

export interface SippResult {
  /** 0: every call succeeded; 1: some failed; 97/99/-1/-2: see `sipp -h`. */
  code: number | null;
  out: string;
  /** What -trace_err wrote: the messages SIPp did not expect. */
  errors: string;
  /** The scenario screen's counters per message line (final screen), in scenario order. */
  counters: SippCounter[];
}

/** One line of SIPp's scenario screen: the message or response code, and its counters. */
export interface SippCounter {
  /** "INVITE", "200", … */
  readonly label: string;
  /** Messages, then retransmissions, timeouts, unexpected (the columns a line has). */
  readonly counts: readonly number[];
}

export interface SippOptions {
  scenario: string;
  /** Where the scenario sends its first request (UAC) or nothing (UAS). */
  remotePort?: number;
  /** SIPp's own SIP port. */
  localPort: number;
  /** [service]: the Request-URI user (UAC) or the registered login. */
  service?: string;
  /** Digest credentials for [authentication]. */
  user?: string;
  password?: string;
  /** Calls to make (UAC) or take (UAS) before exiting. */
  calls?: number;
  /** Global timeout in seconds (-timeout): the run fails rather than hang. */
  timeoutS?: number;
  /** Default pause (-d), milliseconds. */
  pauseMs?: number;
  /** Calls per second (UAC). */
  rate?: number;
  extra?: string[];
}

/**
 * The demo config's caller: sip1 (password secret1) dialling `number`, answering the 407 with the
 * Request-URI as the digest uri, as devices do (SIPp's default is remote_ip:port). `o` adds or
 * overrides options.
 */
export function sip1Dialling(number: string, o: Pick<SippOptions, 'scenario' | 'localPort'> & Partial<SippOptions>): SippOptions {
  return { service: number, user: 'sip1', password: 'secret1', extra: ['-auth_uri', `${number}@test.rootdomain.ru`], ...o };
}

export interface SippRun {
  readonly child: ChildProcess;
  readonly done: Promise<SippResult>;
  kill(): void;
}

const live = new Set<ChildProcess>();

/** Kills every SIPp still running (afterAll). */
export function killAllSipp(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

/** The per-message counters of SIPp's last scenario screen: `INVITE ---->  1 0 0` or `<---- 200  1 0`. */
function parseCounters(out: string): SippCounter[] {
  const screens = out.split('Scenario Screen');
  const last = screens[screens.length - 1] ?? '';
  const rows: SippCounter[] = [];
  for (const line of last.split('\n')) {
    const m = /^\s*(?:(\S+)\s+(?:-{3,}>|<-{3,})|(?:-{3,}>|<-{3,})\s+(\S+))\s+([\d\s]+)$/.exec(line.trimEnd());
    if (m) rows.push({ label: (m[1] ?? m[2])!, counts: m[3]!.trim().split(/\s+/).map(Number) });
  }
  return rows;
}

export function startSipp(o: SippOptions): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'callctl-sipp-'));
  const errorFile = join(dir, 'errors.log');
  const timeoutS = o.timeoutS ?? 20;
  const args = [
    ...(o.remotePort !== undefined ? [`127.0.0.1:${o.remotePort}`] : []),
    '-sf',
    o.scenario,
    '-i',
    '127.0.0.1',
    '-p',
    String(o.localPort),
    '-m',
    String(o.calls ?? 1),
    '-timeout',
    `${timeoutS}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_err',
    '-error_file',
    errorFile,
    ...(o.service !== undefined ? ['-s', o.service] : []),
    ...(o.user !== undefined ? ['-au', o.user] : []),
    ...(o.password !== undefined ? ['-ap', o.password] : []),
    ...(o.pauseMs !== undefined ? ['-d', String(o.pauseMs)] : []),
    ...(o.rate !== undefined ? ['-r', String(o.rate)] : []),
    ...(o.extra ?? []),
  ];
  const child = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  // A safety net above SIPp's own -timeout.
  const guard = setTimeout(() => child.kill('SIGKILL'), (timeoutS + 10) * 1000);
  const done = new Promise<SippResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(guard);
      live.delete(child);
      let errors = '';
      try {
        errors = readFileSync(errorFile, 'utf8');
      } catch {
        /* no errors written */
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, out, errors, counters: parseCounters(out) });
    });
  });
  return { child, done, kill: () => child.kill('SIGKILL') };
}

/** Runs SIPp to its end. */
export function runSipp(o: SippOptions): Promise<SippResult> {
  return startSipp(o).done;
}

/** A compact failure message: exit code, the errors file, the end of the screen. */
export function explain(r: SippResult): string {
  return `sipp exit ${r.code}\n--- errors ---\n${r.errors.slice(-3000)}\n--- screen ---\n${r.out.slice(-3000)}`;
}
