// Requests/s and p99 latency of (a) our HTTP front end and (b) @hono/node-server serving the same
// Hono app, each in its own process, loaded by autocannon from this one. Writes the section
// "## HTTP front end (bench/http)" of docs/benchmarks.md and the raw figures to bench/results/.
//   BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (50), BENCH_ROUNDS (2),
//   BENCH_CPU_PROF=1: the servers write .cpuprofile files to bench/results/cpu-prof/ (docs untouched).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '4xx': number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PATH = '/rest/v1/user/sip/calls/rDlg-001-nosuch';
const HEADERS = { authorization: 'Bearer alice-token' };
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
const ROUNDS = num('BENCH_ROUNDS', 2);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';

/** A command's output, or `fallback` when it cannot run (not Linux). */
function sh(cmd: string, args: string[], fallback: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return fallback;
  }
}

type Kind = 'ours' | 'node-server';
const LABEL: Record<Kind, string> = { ours: '(a) http/ front end', 'node-server': '(b) @hono/node-server' };

interface Run {
  kind: Kind;
  rps: number;
  /** Server CPU (user + system) per request, from /proc: the fair figure when the load generator is the limit. */
  cpuUsPerReq: number | undefined;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  not404: number;
}

async function startServer(kind: Kind): Promise<{ child: ChildProcess; port: number; app: string }> {
  const profDir = join(root, 'bench', 'results', 'cpu-prof');
  if (CPU_PROF) mkdirSync(profDir, { recursive: true });
  const args = [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`] : [])];
  const child = spawn(process.execPath, [...args, '--import', 'tsx', join(root, 'bench', 'http', 'serve.ts'), kind], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  lines.close();
  const { port, app } = JSON.parse(first) as { port: number; app: string };
  return { child, port, app };
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Both servers must give the answer being measured, or the comparison means nothing. */
async function checkAnswer(port: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${PATH}`, { headers: HEADERS });
  const body = (await res.json()) as { error_code?: number };
  if (res.status !== 404 || body.error_code !== 1413) {
    throw new Error(`unexpected answer ${res.status} ${JSON.stringify(body)}`);
  }
}

const CLK_TCK = Number(sh('getconf', ['CLK_TCK'], '100')) || 100;

/** utime + stime of a process in seconds (Linux), or undefined. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

async function measure(kind: Kind): Promise<Run & { app: string }> {
  const { child, port, app } = await startServer(kind);
  try {
    await checkAnswer(port);
    const opts = { url: `http://127.0.0.1:${port}${PATH}`, connections: CONNECTIONS, headers: HEADERS };
    await autocannon({ ...opts, duration: WARMUP });
    const cpu0 = cpuSeconds(child.pid);
    const r = await autocannon({ ...opts, duration: DURATION });
    const cpu1 = cpuSeconds(child.pid);
    return {
      kind,
      app,
      rps: r.requests.average,
      cpuUsPerReq: cpu0 !== undefined && cpu1 !== undefined && r.requests.total > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests.total : undefined,
      p50: r.latency.p50,
      p99: r.latency.p99,
      total: r.requests.total,
      errors: r.errors + r.timeouts,
      not404: r.non2xx - r['4xx'],
    };
  } finally {
    await stopServer(child);
  }
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

const fmtCpu = (us: number | undefined) => (us === undefined ? 'n/a' : us.toFixed(1));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function writeSection(section: string): string {
  const file = join(root, 'docs', 'benchmarks.md');
  const title = '## HTTP front end (bench/http)';
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(title);
  if (start === -1) doc = `${doc.trimEnd()}\n\n${section}`;
  else {
    const next = doc.indexOf('\n## ', start + title.length);
    doc = doc.slice(0, start) + section + (next === -1 ? '' : doc.slice(next + 1));
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, doc.endsWith('\n') ? doc : `${doc}\n`);
  return file;
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2)).join(', ');
  const runs: (Run & { app: string })[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of ['ours', 'node-server'] as const) {
      const r = await measure(kind);
      runs.push(r);
      console.log(`${LABEL[kind]}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${fmtCpu(r.cpuUsPerReq)} µs CPU/req, ${r.total} requests, ${r.errors} errors, ${r.not404} not 4xx`);
    }
  }
  const of = (k: Kind) => runs.filter((r) => r.kind === k);
  const summary = (k: Kind) => {
    const rs = of(k);
    const cpus = rs.map((r) => r.cpuUsPerReq).filter((x): x is number => x !== undefined);
    return { rps: mean(rs.map((r) => r.rps)), p99: mean(rs.map((r) => r.p99)), cpu: cpus.length ? mean(cpus) : undefined };
  };
  const a = summary('ours');
  const b = summary('node-server');
  const ratio = a.rps / b.rps;
  // Work per request, inverted so that > 1 means (a) is cheaper, like the req/s ratio.
  const cpuRatio = a.cpu !== undefined && b.cpu !== undefined ? b.cpu / a.cpu : undefined;
  console.log(`ratio a/b (req/s): ${ratio.toFixed(2)}; CPU per request b/a: ${cpuRatio?.toFixed(2) ?? 'n/a'}`);

  const date = sh('date', ['-u'], new Date().toUTCString());
  const machine = `${sh('nproc', [], String(cpus().length))} vCPU (nproc), ${sh('uname', ['-m'], arch())}, ${cpuModel()}, Node ${process.version}`;
  const row = (r: Run) => `| ${LABEL[r.kind]} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${fmtCpu(r.cpuUsPerReq)} | ${r.errors} |`;
  const section = [
    '## HTTP front end (bench/http)',
    '',
    `Run: \`bash bench/http/run.sh\`, ${date}. Machine: ${machine}.`,
    `Both servers serve the same app (${runs[0]?.app ?? '?'}) in their own process on 127.0.0.1; autocannon`,
    `in a third process, ${CONNECTIONS} keep-alive connections, ${WARMUP} s warm-up then ${DURATION} s per run,`,
    `\`GET ${PATH}\` with \`Authorization: Bearer alice-token\` (answer: 404, error_code 1413). Runs alternate a, b; ${ROUNDS} round(s).`,
    'Both run with their defaults, so both replace the global Request/Response with lighter ones',
    '(@hono/node-server: overrideGlobalObjects; ours: http/globals.ts). Load average before the run:',
    `${load} (the machine is shared: figures from one run to the next vary by ±15%).`,
    '',
    '| server | req/s | p50 latency (ms) | p99 latency (ms) | server CPU per request (µs) | errors |',
    '|---|---|---|---|---|---|',
    ...runs.map(row),
    '',
    `Mean: (a) ${Math.round(a.rps)} req/s, p99 ${a.p99.toFixed(1)} ms, ${fmtCpu(a.cpu)} µs CPU/req; (b) ${Math.round(b.rps)} req/s, p99 ${b.p99.toFixed(1)} ms, ${fmtCpu(b.cpu)} µs CPU/req.`,
    `**Ratio a/b (req/s): ${ratio.toFixed(2)}.** Server CPU per request, b/a: ${cpuRatio?.toFixed(2) ?? 'n/a'} (above 1: (a) does the same work with less CPU).`,
    'With 2 cores, the server and autocannon share the machine: when both servers reach the load generator\'s',
    'ceiling, req/s converge and CPU per request (utime+stime of the server process, /proc) tells them apart.',
    '',
  ].join('\n');
  if (CPU_PROF) {
    // The profiler slows both servers down: such figures do not belong in the docs.
    console.log(`profiles in ${join(root, 'bench', 'results', 'cpu-prof')}; docs/benchmarks.md left as it was`);
    return;
  }
  const file = writeSection(section);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `http-${Date.now()}.json`), JSON.stringify({ date, machine, runs, ratio, cpuRatio }, null, 2));
  console.log(`wrote ${file}`);
}

await main();
