// Requests/s and p99 latency of (a) our HTTP front end and (b) @hono/node-server serving the same
// Hono app, each in its own process, loaded by autocannon from this one. Writes the section
// "## HTTP front end (bench/http)" of docs/benchmarks.md and the raw figures to bench/results/.
//   BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (50), BENCH_ROUNDS (2),
//   BENCH_CPU_PROF=1: the servers write .cpuprofile files to bench/results/cpu-prof/ (docs untouched).
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { autocannon, cpuPerRequest, machine, mean, num, processCpu, root, sh, startChild, stopChild, writeDocSection, writeResults } from '../lib/harness.ts';

const PATH = '/rest/v1/user/sip/calls/rDlg-001-nosuch';
const HEADERS = { authorization: 'Bearer alice-token' };
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
const ROUNDS = num('BENCH_ROUNDS', 2);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';

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
  const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`] : [];
  const { child, first } = await startChild(join(root, 'bench', 'http', 'serve.ts'), [kind], { nodeArgs: prof });
  const { port, app } = JSON.parse(first) as { port: number; app: string };
  return { child, port, app };
}

/** Both servers must give the answer being measured, or the comparison means nothing. */
async function checkAnswer(port: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${PATH}`, { headers: HEADERS });
  const body = (await res.json()) as { error_code?: number };
  if (res.status !== 404 || body.error_code !== 1413) {
    throw new Error(`unexpected answer ${res.status} ${JSON.stringify(body)}`);
  }
}

async function measure(kind: Kind): Promise<Run & { app: string }> {
  const { child, port, app } = await startServer(kind);
  try {
    await checkAnswer(port);
    const opts = { url: `http://127.0.0.1:${port}${PATH}`, connections: CONNECTIONS, headers: HEADERS };
    await autocannon({ ...opts, duration: WARMUP });
    const cpu0 = processCpu(child.pid);
    const r = await autocannon({ ...opts, duration: DURATION });
    const cpu = cpuPerRequest(cpu0, processCpu(child.pid), r.requests.total);
    return {
      kind,
      app,
      rps: r.requests.average,
      cpuUsPerReq: cpu?.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      total: r.requests.total,
      errors: r.errors + r.timeouts,
      not404: r.non2xx - r['4xx'],
    };
  } finally {
    await stopChild(child);
  }
}

const fmtCpu = (us: number | undefined) => (us === undefined ? 'n/a' : us.toFixed(1));

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
  const row = (r: Run) => `| ${LABEL[r.kind]} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${fmtCpu(r.cpuUsPerReq)} | ${r.errors} |`;
  const section = [
    '## HTTP front end (bench/http)',
    '',
    `Run: \`bash bench/http/run.sh\`, ${date}. Machine: ${machine()}.`,
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
  const file = writeDocSection('## HTTP front end (bench/http)', section);
  writeResults('http', { date, machine: machine(), runs, ratio, cpuRatio });
  console.log(`wrote ${file}`);
}

await main();
