// Reads of the calls API against a realistic store: 10,000 live dialogs (bench/api/dialogs.ts), the
// real front end and app in a child process (bench/api/serve.ts), autocannon in this one. Three
// requests, each as Alice (she sees ~6% of the dialogs): GET one dialog, LOOKUP by Call-ID, and a
// filtered, masked list of 100. Writes "## API reads (bench/api)" in docs/benchmarks.md and the raw
// figures to bench/results/api-<time>.json; bench/api/notes.md (what the figures mean, what was done
// about them) is appended to the section as it stands.
//   BENCH_DURATION (s, 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (50), BENCH_LOW_CONNECTIONS (10,
//   a second run of each request for reference; 0: none), BENCH_ROUNDS (2),
//   BENCH_DIALOGS (10000), BENCH_ONLY (a word of one request's name: get, lookup, list),
//   BENCH_CPU_PROF=1: the server writes a .cpuprofile to bench/results/cpu-prof/ (docs untouched).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
/** A second, lighter load, for reference: the service time without 50 requests queued ahead. */
const LOW_CONNECTIONS = num('BENCH_LOW_CONNECTIONS', 10);
const ROUNDS = num('BENCH_ROUNDS', 2);
const DIALOGS = num('BENCH_DIALOGS', 10_000);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const ONLY = process.env.BENCH_ONLY?.toLowerCase();
const CALLS = '/rest/v1/user/sip/calls';
const AUTH = { authorization: 'Bearer alice-token' };

interface ServerInfo {
  port: number;
  dialogs: number;
  heapBefore: number;
  heapAfter: number;
  bytesPerDialog: number;
  jsonBytesPerDialog: number;
  aliceVisible: number;
  aliceAnswered: number;
  indexBytesPerDialog: number;
  textBytesPerDialog: number;
  sample: { dialogid: string; callid: string };
}

interface Scenario {
  name: string;
  target: number;
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
  /** Throws unless the answer is the one meant to be measured. */
  check(status: number, body: unknown): void;
}

function scenarios(info: ServerInfo): Scenario[] {
  const listQuery = `filter=${encodeURIComponent('{"status":"dialog"}')}&mask=dialogid,status,legs&limit=100`;
  return [
    {
      name: 'GET one dialog',
      target: 2,
      method: 'GET',
      path: `${CALLS}/${info.sample.dialogid}`,
      headers: AUTH,
      check: (s, b) => {
        if (s !== 200 || (b as { dialogid?: string }).dialogid !== info.sample.dialogid) throw new Error(`GET one: ${s}`);
      },
    },
    {
      name: 'LOOKUP by callid',
      target: 2,
      // autocannon only sends the methods Node's http knows: LOOKUP goes as POST with the override
      // header, which the front end turns into LOOKUP before the app sees it (the same route).
      method: 'POST',
      path: CALLS,
      body: JSON.stringify({ callid: info.sample.callid }),
      headers: { ...AUTH, 'content-type': 'application/json', 'x-http-method-override': 'LOOKUP' },
      check: (s, b) => {
        if (s !== 200 || JSON.stringify(b) !== JSON.stringify([info.sample.dialogid])) throw new Error(`LOOKUP: ${s} ${JSON.stringify(b)}`);
      },
    },
    {
      name: 'list of 100, filter + mask',
      target: 20,
      method: 'GET',
      path: `${CALLS}?${listQuery}`,
      headers: AUTH,
      check: (s, b) => {
        const list = b as { dialogid: string; status: string; legs: unknown[] }[];
        if (s !== 200 || list.length !== 100 || list.some((d) => d.status !== 'dialog' || Object.keys(d).join() !== 'dialogid,status,legs'))
          throw new Error(`list: ${s}`);
      },
    },
  ];
}

function sh(cmd: string, args: string[], fallback: string): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return fallback;
  }
}

const CLK_TCK = Number(sh('getconf', ['CLK_TCK'], '100')) || 100;

function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

async function startServer(): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const profDir = join(root, 'bench', 'results', 'cpu-prof');
  if (CPU_PROF) mkdirSync(profDir, { recursive: true });
  const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=api-${Date.now()}.cpuprofile`] : [];
  const child = spawn(process.execPath, ['--expose-gc', ...prof, '--import', 'tsx', join(root, 'bench', 'api', 'serve.ts'), String(DIALOGS)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  lines.close();
  return { child, info: JSON.parse(first) as ServerInfo };
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Run {
  scenario: string;
  connections: number;
  target: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  cpuUsPerReq: number | undefined;
  total: number;
  errors: number;
  non2xx: number;
}

async function measure(child: ChildProcess, port: number, s: Scenario, connections: number): Promise<Run> {
  const res = await fetch(`http://127.0.0.1:${port}${s.path}`, { method: s.method, headers: s.headers, body: s.body });
  s.check(res.status, await res.json());
  const opts = { url: `http://127.0.0.1:${port}${s.path}`, method: s.method, headers: s.headers, body: s.body, connections };
  await autocannon({ ...opts, duration: WARMUP });
  const cpu0 = cpuSeconds(child.pid);
  const r = await autocannon({ ...opts, duration: DURATION });
  const cpu1 = cpuSeconds(child.pid);
  return {
    scenario: s.name,
    connections,
    target: s.target,
    rps: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    cpuUsPerReq: cpu0 !== undefined && cpu1 !== undefined && r.requests.total > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests.total : undefined,
    total: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
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

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const fmt = (x: number | undefined, d = 1) => (x === undefined ? 'n/a' : x.toFixed(d));

function writeSection(section: string): string {
  const file = join(root, 'docs', 'benchmarks.md');
  const title = '## API reads (bench/api)';
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf(title);
  if (start === -1) doc = `${doc.trimEnd()}\n\n${section}`;
  else {
    const next = doc.indexOf('\n## ', start + title.length);
    doc = doc.slice(0, start) + section + (next === -1 ? '' : `\n${doc.slice(next + 1)}`);
  }
  writeFileSync(file, doc.endsWith('\n') ? doc : `${doc}\n`);
  return file;
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2)).join(', ');
  const { child, info } = await startServer();
  const runs: Run[] = [];
  try {
    console.log(
      `${info.dialogs} dialogs; heap ${(info.heapBefore / 1048576).toFixed(1)} → ${(info.heapAfter / 1048576).toFixed(1)} MiB, ${Math.round(info.bytesPerDialog)} bytes per dialog; Alice sees ${info.aliceVisible} (${info.aliceAnswered} answered)`,
    );
    const list = scenarios(info).filter((s) => !ONLY || s.name.toLowerCase().includes(ONLY));
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of list) {
        for (const connections of LOW_CONNECTIONS > 0 ? [CONNECTIONS, LOW_CONNECTIONS] : [CONNECTIONS]) {
          const r = await measure(child, info.port, s, connections);
          runs.push(r);
          console.log(`${s.name}, ${connections} connections: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms, ${fmt(r.cpuUsPerReq)} µs CPU/req, ${r.errors} errors, ${r.non2xx} non-2xx`);
        }
      }
    }
  } finally {
    await stopServer(child);
  }
  if (CPU_PROF || ONLY) {
    console.log(`${CPU_PROF ? `profile in ${join(root, 'bench', 'results', 'cpu-prof')}` : 'partial run'}; docs/benchmarks.md left as it was`);
    return;
  }

  const date = sh('date', ['-u'], new Date().toUTCString());
  const machine = `${sh('nproc', [], String(cpus().length))} vCPU (nproc), ${sh('uname', ['-m'], arch())}, ${cpuModel()}, Node ${process.version}`;
  const names = [...new Set(runs.map((r) => r.scenario))];
  const levels = [...new Set(runs.map((r) => r.connections))];
  const summary = names.flatMap((name) =>
    levels.map((connections) => {
      const rs = runs.filter((r) => r.scenario === name && r.connections === connections);
      const worstP99 = Math.max(...rs.map((r) => r.p99));
      const target = rs[0]!.target;
      // autocannon rounds down to whole ms: p99 = 1 is under 2 ms.
      const verdict = connections === CONNECTIONS ? `< ${target}: ${worstP99 < target ? 'met' : '**missed**'}` : '(reference)';
      const cpu = rs.flatMap((r) => (r.cpuUsPerReq === undefined ? [] : [r.cpuUsPerReq]));
      return `| ${name} | ${connections} | ${Math.round(mean(rs.map((r) => r.rps)))} | ${fmt(mean(rs.map((r) => r.p50)))} | ${worstP99} | ${verdict} | ${cpu.length ? fmt(mean(cpu)) : 'n/a'} |`;
    }),
  );
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const section = [
    '## API reads (bench/api)',
    '',
    `Run: \`bash bench/api/run.sh\`, ${date}. Machine: ${machine}. Load average before the run: ${load}`,
    '(the machine is shared with other work: figures vary by ±15% from run to run).',
    '',
    `**Data.** ${info.dialogs.toLocaleString('en')} live dialogs put straight into the CallStore (bench/api/dialogs.ts), none made by real`,
    "SIP calls: each has an a leg and one b leg with Call-IDs, URIs and ids in the spec's formats (85% answered,",
    '10% ringing, 5% closing; 20% with a label, 5% made by a transfer), participants spread over 50 accounts',
    `of the demo domain, of which Alice owns two: she sees ${info.aliceVisible} dialogs (${info.aliceAnswered} answered). A few hundred dialogs`,
    'made by real SIPp calls could be mixed in later; not done here.',
    '',
    '**Method.** The real front end (http/) and API app (api/app.ts) in a child process on 127.0.0.1; autocannon',
    `in this process, keep-alive connections, ${WARMUP} s warm-up, then ${DURATION} s per request and load; ${ROUNDS} round(s), one`,
    `request after the other. The targets are for ${CONNECTIONS} connections; each request also runs with ${LOW_CONNECTIONS || 'no'} connections for`,
    'reference. Every request as Alice (`Authorization: Bearer alice-token`); each answer is checked before the',
    'load. autocannon records latency in whole milliseconds, rounded down: p99 = 1 means 99% of answers came in',
    'under 2 ms. CPU per request: utime+stime of the server process (/proc) over the run.',
    '',
    '- GET one: `GET /rest/v1/user/sip/calls/<a dialog of Alice>`',
    '- LOOKUP by callid: `POST /rest/v1/user/sip/calls` with `X-HTTP-Method-Override: LOOKUP` and `{"callid": "<its b leg>"}`',
    '  (autocannon sends no other methods; the front end turns it into LOOKUP before the app sees it)',
    '- list: `GET /rest/v1/user/sip/calls?filter={"status":"dialog"}&mask=dialogid,status,legs&limit=100` (about 40 KB)',
    '',
    '| request | connections | req/s (mean) | p50 ms (mean) | p99 ms (worst) | target p99 (ms) | server CPU per request (µs) |',
    '|---|---|---|---|---|---|---|',
    ...summary,
    '',
    '<details><summary>Every run</summary>',
    '',
    '| request | connections | req/s | p50 | p90 | p99 | max (ms) | CPU µs/req | errors | non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map((r) => `| ${r.scenario} | ${r.connections} | ${Math.round(r.rps)} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${fmt(r.cpuUsPerReq)} | ${r.errors} | ${r.non2xx} |`),
    '',
    '</details>',
    '',
    `**Memory.** Heap used with forced GC (\`node --expose-gc\`), before and after inserting the dialogs:`,
    `${mib(info.heapBefore)} → ${mib(info.heapAfter)} MiB, **${Math.round(info.bytesPerDialog)} bytes per dialog** in the CallStore with its indexes (one dialog's`,
    `JSON is ${info.jsonBytesPerDialog} bytes). The API adds its account index (api/account-index.ts), ${Math.round(info.indexBytesPerDialog)} bytes per dialog, and`,
    `JSON texts of the dialogs it has answered with (api/dialog-json.ts), ${Math.round(info.textBytesPerDialog)} bytes per dialog once every`,
    'dialog has been read whole; both were in place during the runs.',
    '',
  ].join('\n');
  const notes = join(root, 'bench', 'api', 'notes.md');
  const extra = existsSync(notes) ? `${readFileSync(notes, 'utf8').trim()}\n` : '';
  const file = writeSection(extra ? `${section}\n${extra}` : section);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `api-${Date.now()}.json`), JSON.stringify({ date, machine, info, runs }, null, 2));
  console.log(`wrote ${file}`);
}

await main();
