// Reads of the calls API against a realistic store: 10,000 live dialogs (bench/api/dialogs.ts), the
// real front end and app in a child process (bench/api/serve.ts), the load generators in this one.
// Three requests, each as Alice (she sees ~6% of the dialogs): GET one dialog, LOOKUP by Call-ID,
// and a filtered, masked list of 100. Each is measured two ways over 50 keep-alive connections:
//   closed loop: wrk (bench/lib/wrk.ts), each connection sending its next request when the answer
//     arrives (the maximum throughput; latency is then mostly queueing: connections ÷ throughput);
//   open loop: a fixed offered rate (bench/lib/open-loop.ts), fractions of that maximum, latency
//     counted from each request's intended send time.
// And in two set-ups: "shared" (server and generators wherever the kernel puts them on the machine's
// CPUs) and "pinned" (taskset: the generators on CPU 0, the server on CPU 1).
// Writes "## API reads (bench/api)" in docs/benchmarks.md and the raw figures to
// bench/results/api-<time>.json; bench/api/notes.md is appended to the section as it stands.
//   BENCH_DURATION (s, 10), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (50), BENCH_ROUNDS (2),
//   BENCH_OPEN_LOAD (fractions of the closed-loop maximum, "0.5,0.8"; empty: no open loop),
//   BENCH_SETUPS ("shared,pinned"), BENCH_LOW_CONNECTIONS (a closed-loop reference run with fewer
//   connections; 0, the default: none), BENCH_DIALOGS (10000), BENCH_ONLY (a word of one request's
//   name: get, lookup, list, floor, node:net, nginx), BENCH_FLOOR=0 (no floor runs: the front end alone answering
//   GET one's bytes without the app, a reference for what our front end alone costs),
//   BENCH_REFS=0 (no reference runs below the floor: a bare node:net server in the same process, and
//   nginx when installed, both writing GET one's bytes),
//   BENCH_SERVER_ARGS (extra node flags for the server, space-separated), BENCH_CPU_PROF=1: the
//   server writes a .cpuprofile to bench/results/cpu-prof/. BENCH_ONLY, BENCH_CPU_PROF and
//   BENCH_NO_DOCS=1 leave the docs untouched.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  cpuPerRequest,
  machine,
  mean,
  num,
  pinSelf,
  processCpu,
  root,
  sh,
  startChild,
  stopChild,
  writeDocSection,
  writeResults,
} from '../lib/harness.ts';
import { openLoop, rawRequest, type LatencySummary } from '../lib/open-loop.ts';
import { nginxPath, startNginx, type NginxReference } from '../lib/nginx.ts';
import { wrk } from '../lib/wrk.ts';

const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 50);
const LOW_CONNECTIONS = num('BENCH_LOW_CONNECTIONS', 0);
const ROUNDS = num('BENCH_ROUNDS', 2);
const DIALOGS = num('BENCH_DIALOGS', 10_000);
const OPEN_LOAD = (process.env.BENCH_OPEN_LOAD ?? '0.5,0.8')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map(Number);
const SETUPS = (process.env.BENCH_SETUPS ?? 'shared,pinned').split(',').filter((s): s is Setup => s === 'shared' || s === 'pinned');
/**
 * The open loop sends what is due in batches at most this far apart (ms): sent one by one, every
 * request had to wake the idle server, and on this VM the wake-ups capped the generator near 24,000
 * req/s, below half the GET maximum. The wait in a batch counts as latency.
 */
const BATCH_MS = num('BENCH_BATCH_MS', 0.25);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const ONLY = process.env.BENCH_ONLY?.toLowerCase();
const FLOOR = process.env.BENCH_FLOOR !== '0';
const REFS = FLOOR && process.env.BENCH_REFS !== '0';
const NGINX = REFS ? nginxPath() : undefined;
const NO_DOCS = process.env.BENCH_NO_DOCS === '1' || CPU_PROF || !!ONLY;
const CALLS = '/rest/v1/user/sip/calls';
const AUTH = { authorization: 'Bearer alice-token' };

type Setup = 'shared' | 'pinned';
const SERVER_CPU = '1';
const LOADER_CPU = '0';

interface ServerInfo {
  port: number;
  /** The floor: the front end alone, answering GET one's bytes without the app (serve.ts). */
  floorPort: number;
  /** A bare node:net server in the same process writing the floor's answer (serve.ts). */
  rawPort: number;
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
  /** p99 target in ms; undefined for a reference run (no verdict). */
  target: number | undefined;
  /** Which server answers: the app (default), or a reference without it. */
  on?: 'floor' | 'raw' | 'nginx';
  /** The open loop offers fractions of this scenario's closed-loop maximum (of the same round), when run. */
  rateOf?: string;
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
  /** Throws unless the answer is the one meant to be measured. */
  check(status: number, body: unknown): void;
}

function scenarios(info: ServerInfo): Scenario[] {
  // GET one's answer: the sample dialog itself.
  const isSample = (what: string) => (s: number, b: unknown) => {
    if (s !== 200 || (b as { dialogid?: string }).dialogid !== info.sample.dialogid) throw new Error(`${what}: ${s}`);
  };
  const listQuery = `filter=${encodeURIComponent('{"status":"dialog"}')}&mask=dialogid,status,legs&limit=100`;
  return [
    {
      name: 'GET one dialog',
      target: 2,
      method: 'GET',
      path: `${CALLS}/${info.sample.dialogid}`,
      headers: AUTH,
      check: isSample('GET one'),
    },
    {
      name: 'LOOKUP by callid',
      target: 2,
      // wrk (like autocannon before it) only sends methods its HTTP parser knows: LOOKUP goes as POST
      // with the override header, which the front end turns into LOOKUP before the app sees it (the
      // same route). The open loop sends the very same bytes, so both measure the same work.
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
    ...(FLOOR
      ? [
          {
            name: 'floor (front end alone, one dialog\'s bytes)',
            target: undefined,
            on: 'floor' as const,
            // At the rates GET one was offered: the same load, without the app.
            rateOf: 'GET one dialog',
            method: 'GET',
            path: `${CALLS}/${info.sample.dialogid}`,
            headers: AUTH,
            check: isSample('floor'),
          },
        ]
      : []),
    // Below the floor, at GET one's rates too: Node with no HTTP stack, and a server in C.
    ...(REFS
      ? [
          { name: 'node:net alone (no HTTP parsing, same bytes)', on: 'raw' as const },
          ...(NGINX ? [{ name: 'nginx 1 process (C, same body)', on: 'nginx' as const }] : []),
        ].map((r) => ({
          ...r,
          target: undefined,
          rateOf: 'GET one dialog',
          method: 'GET',
          path: `${CALLS}/${info.sample.dialogid}`,
          headers: AUTH,
          check: isSample(r.on),
        }))
      : []),
  ];
}

async function startServer(setup: Setup): Promise<{ child: ChildProcess; info: ServerInfo }> {
  const profDir = join(root, 'bench', 'results', 'cpu-prof');
  if (CPU_PROF) mkdirSync(profDir, { recursive: true });
  const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=api-${setup}-${Date.now()}.cpuprofile`] : [];
  const { child, first } = await startChild(join(root, 'bench', 'api', 'serve.ts'), [String(DIALOGS)], {
    nodeArgs: ['--expose-gc', ...prof, ...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [])],
    cpus: setup === 'pinned' ? SERVER_CPU : undefined,
  });
  return { child, info: JSON.parse(first) as ServerInfo };
}

interface Run {
  setup: Setup;
  scenario: string;
  target: number | undefined;
  /** closed: wrk at `connections`; open: a fixed rate, `load` × the closed-loop maximum (of `rateOf` when set). */
  rateOf: string | undefined;
  method: 'closed' | 'open';
  connections: number;
  load: number | undefined;
  offered: number | undefined;
  rps: number;
  /** ms, to the µs. */
  p50: number;
  p90: number;
  p99: number;
  p999: number | undefined;
  max: number;
  sendLag: LatencySummary | undefined;
  cpuUser: number | undefined;
  cpuSystem: number | undefined;
  total: number;
  errors: number;
  non2xx: number;
  unanswered: number;
}

async function checkAnswer(port: number, s: Scenario): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}${s.path}`, { method: s.method, headers: s.headers, body: s.body });
  s.check(res.status, await res.json());
}

async function closedLoop(pid: number | undefined, port: number, setup: Setup, s: Scenario, connections: number): Promise<Run> {
  const opts = { url: `http://127.0.0.1:${port}${s.path}`, method: s.method, headers: s.headers, body: s.body, connections };
  await wrk({ ...opts, duration: WARMUP });
  const cpu0 = processCpu(pid);
  const r = await wrk({ ...opts, duration: DURATION });
  const cpu = cpuPerRequest(cpu0, processCpu(pid), r.requests);
  return {
    setup,
    scenario: s.name,
    target: s.target,
    rateOf: undefined,
    method: 'closed',
    connections,
    load: undefined,
    offered: undefined,
    rps: r.rps,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    p999: r.latency.p999,
    max: r.latency.max,
    sendLag: undefined,
    cpuUser: cpu?.user,
    cpuSystem: cpu?.system,
    total: r.requests,
    errors: r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout,
    non2xx: r.non2xx,
    unanswered: 0,
  };
}

async function fixedRate(pid: number | undefined, port: number, setup: Setup, s: Scenario, load: number, max: number): Promise<Run> {
  const rate = Math.round(max * load);
  const request = rawRequest(s.method, `127.0.0.1:${port}`, s.path, s.headers, s.body);
  // The CPU reading spans warm-up and drain too: per request, over every request sent.
  const cpu0 = processCpu(pid);
  const r = await openLoop({ host: '127.0.0.1', port, request, connections: CONNECTIONS, rate, warmup: WARMUP, duration: DURATION, batchMs: BATCH_MS });
  const sent = Math.floor(rate * (WARMUP + DURATION));
  const cpu = cpuPerRequest(cpu0, processCpu(pid), sent);
  return {
    setup,
    scenario: s.name,
    target: s.target,
    rateOf: s.rateOf,
    method: 'open',
    connections: CONNECTIONS,
    load,
    offered: rate,
    rps: r.achievedRate,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    p999: r.latency.p999,
    max: r.latency.max,
    sendLag: r.sendLag,
    cpuUser: cpu?.user,
    cpuSystem: cpu?.system,
    total: r.completed,
    errors: r.errors,
    non2xx: r.non2xx,
    unanswered: r.unanswered,
  };
}

const fmt = (x: number | undefined, d = 1) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(d));
const ms = (x: number | undefined) => fmt(x, 2);

function describe(r: Run): string {
  const cpu = r.cpuUser === undefined ? 'n/a' : `${fmt((r.cpuUser ?? 0) + (r.cpuSystem ?? 0))} µs CPU/req (user ${fmt(r.cpuUser)}, sys ${fmt(r.cpuSystem)})`;
  if (r.method === 'closed')
    return `${r.setup}, ${r.scenario}, closed loop ${r.connections} conn: ${Math.round(r.rps)} req/s, p50 ${r.p50} p90 ${r.p90} p99 ${r.p99} max ${r.max} ms, ${cpu}, ${r.errors} errors, ${r.non2xx} non-2xx`;
  return `${r.setup}, ${r.scenario}, open loop ${r.offered} req/s (${r.load}× ${r.rateOf ? `${r.rateOf}'s ` : ''}max): ${Math.round(r.rps)} answered/s, p50 ${ms(r.p50)} p90 ${ms(r.p90)} p99 ${ms(r.p99)} p99.9 ${ms(r.p999)} max ${ms(r.max)} ms, send lag p99 ${ms(r.sendLag?.p99)} ms, ${cpu}, ${r.errors} errors, ${r.non2xx} non-2xx, ${r.unanswered} unanswered`;
}

async function runSetup(setup: Setup, runs: Run[]): Promise<ServerInfo> {
  if (setup === 'pinned' && !pinSelf(LOADER_CPU)) throw new Error('taskset failed: cannot pin the load generators');
  const { child, info } = await startServer(setup);
  let nginx: NginxReference | undefined;
  try {
    console.log(
      `[${setup}] ${info.dialogs} dialogs; heap ${(info.heapBefore / 1048576).toFixed(1)} → ${(info.heapAfter / 1048576).toFixed(1)} MiB, ${Math.round(info.bytesPerDialog)} bytes per dialog; Alice sees ${info.aliceVisible} (${info.aliceAnswered} answered)`,
    );
    const list = scenarios(info).filter((s) => !ONLY || s.name.toLowerCase().includes(ONLY));
    if (NGINX && list.some((s) => s.on === 'nginx')) {
      // The same body as GET one's answer, fetched from the floor.
      const body = new Uint8Array(await (await fetch(`http://127.0.0.1:${info.floorPort}${CALLS}/${info.sample.dialogid}`, { headers: AUTH })).arrayBuffer());
      nginx = await startNginx(NGINX, body, 'application/json; charset=utf-8', setup === 'pinned' ? SERVER_CPU : undefined);
    }
    const portOf = (s: Scenario) =>
      s.on === 'floor' ? info.floorPort : s.on === 'raw' ? info.rawPort : s.on === 'nginx' ? nginx!.port : info.port;
    const pidOf = (s: Scenario) => (s.on === 'nginx' ? nginx!.child.pid : child.pid);
    for (const s of list) await checkAnswer(portOf(s), s);
    for (let round = 0; round < ROUNDS; round++) {
      const maxOf = new Map<string, number>();
      for (const s of list) {
        const closed = await closedLoop(pidOf(s), portOf(s), setup, s, CONNECTIONS);
        runs.push(closed);
        maxOf.set(s.name, closed.rps);
        console.log(describe(closed));
        if (LOW_CONNECTIONS > 0) {
          const low = await closedLoop(pidOf(s), portOf(s), setup, s, LOW_CONNECTIONS);
          runs.push(low);
          console.log(describe(low));
        }
        for (const load of OPEN_LOAD) {
          const open = await fixedRate(pidOf(s), portOf(s), setup, s, load, maxOf.get(s.rateOf ?? s.name) ?? closed.rps);
          runs.push(open);
          console.log(describe(open));
        }
      }
    }
    return info;
  } finally {
    await nginx?.stop();
    await stopChild(child);
    if (setup === 'pinned') pinSelf(`0-${Math.max(0, Number(sh('nproc', ['--all'], '1')) - 1)}`);
  }
}

const SETUP_TEXT: Record<Setup, string> = {
  shared: 'shared (no pinning)',
  pinned: `pinned (server CPU ${SERVER_CPU}, generator CPU ${LOADER_CPU})`,
};

function summaryRows(runs: Run[]): string[] {
  const rows: string[] = [];
  const keys = [...new Set(runs.map((r) => `${r.scenario}\u0000${r.setup}\u0000${r.method}\u0000${r.method === 'open' ? r.load : r.connections}`))];
  for (const key of keys) {
    const [scenario, setup, method, level] = key.split('\u0000') as [string, Setup, 'closed' | 'open', string];
    const rs = runs.filter((r) => r.scenario === scenario && r.setup === setup && r.method === method && String(method === 'open' ? r.load : r.connections) === level);
    const first = rs[0]!;
    const worstP99 = Math.max(...rs.map((r) => r.p99));
    const worstP999 = rs.some((r) => r.p999 === undefined) ? undefined : Math.max(...rs.map((r) => r.p999!));
    const target = first.connections === CONNECTIONS ? first.target : undefined;
    const verdict = target !== undefined ? `< ${target}: ${worstP99 < target ? 'met' : '**missed**'}` : '(reference)';
    const load =
      method === 'closed'
        ? `closed loop, ${first.connections} conn`
        : `open loop, ${Math.round(mean(rs.map((r) => r.offered ?? 0)))} req/s offered (${Math.round((first.load ?? 0) * 100)}% of ${first.rateOf ? `${first.rateOf}'s max` : 'max'})`;
    const cpuU = rs.flatMap((r) => (r.cpuUser === undefined ? [] : [r.cpuUser]));
    const cpuS = rs.flatMap((r) => (r.cpuSystem === undefined ? [] : [r.cpuSystem]));
    const cpu = cpuU.length ? `${fmt(mean(cpuU) + mean(cpuS))} (${fmt(mean(cpuU))} + ${fmt(mean(cpuS))})` : 'n/a';
    const p = (x: number) => ms(x);
    rows.push(
      `| ${scenario} | ${setup} | ${load} | ${Math.round(mean(rs.map((r) => r.rps)))} | ${p(mean(rs.map((r) => r.p50)))} | ${p(worstP99)} | ${worstP999 === undefined ? '–' : ms(worstP999)} | ${verdict} | ${cpu} |`,
    );
  }
  return rows;
}

function everyRun(r: Run): string {
  const load = r.method === 'closed' ? `closed ${r.connections} conn` : `open ${r.offered} req/s`;
  const p = (x: number | undefined) => ms(x);
  return `| ${r.scenario} | ${r.setup} | ${load} | ${Math.round(r.rps)} | ${p(r.p50)} | ${p(r.p90)} | ${p(r.p99)} | ${r.p999 === undefined ? '–' : ms(r.p999)} | ${p(r.max)} | ${r.sendLag ? ms(r.sendLag.p99) : '–'} | ${fmt(r.cpuUser)} + ${fmt(r.cpuSystem)} | ${r.errors} | ${r.non2xx} | ${r.unanswered} |`;
}

interface Results {
  date: string;
  machine: string;
  loadBefore: string;
  loadAfter: string;
  info: ServerInfo | undefined;
  runs: Run[];
}

async function measureAll(): Promise<Results> {
  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(', ');
  const date = sh('date', ['-u'], new Date().toUTCString());
  const runs: Run[] = [];
  let info: ServerInfo | undefined;
  for (const setup of SETUPS) info = await runSetup(setup, runs);
  const loadAfter = loadavg().map((l) => l.toFixed(2)).join(', ');
  return { date, machine: machine(), loadBefore, loadAfter, info, runs };
}

async function main(): Promise<void> {
  // BENCH_FROM=<bench/results/api-….json>: write the docs section again from a saved run (after
  // bench/api/notes.md changed), measuring nothing.
  const from = process.env.BENCH_FROM;
  const results = from ? (JSON.parse(readFileSync(from, 'utf8')) as Results) : await measureAll();
  const { date: dateStart, loadBefore, loadAfter, info, runs } = results;
  if (!from && (NO_DOCS || !info)) {
    console.log(`${CPU_PROF ? `profile in ${join(root, 'bench', 'results', 'cpu-prof')}; ` : ''}docs/benchmarks.md left as it was`);
    writeResults('api-partial', results);
    return;
  }
  if (!info) throw new Error('no server info in the results');
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const section = [
    '## API reads (bench/api)',
    '',
    `Run: \`flock /tmp/callctl-bench.lock bash bench/api/run.sh\`, started ${dateStart}. Machine: ${results.machine}.`,
    `Load average (1, 5, 15 min) before the run: ${loadBefore}; after: ${loadAfter}. The machine is shared with other`,
    "work (other benchmarks wait for the lock, tests and builds do not): figures vary by ±15% from run to run.",
    '',
    `**Data.** ${info.dialogs.toLocaleString('en')} live dialogs put straight into the CallStore (bench/api/dialogs.ts), none made by real`,
    "SIP calls: each has an a leg and one b leg with Call-IDs, URIs and ids in the spec's formats (85% answered,",
    '10% ringing, 5% closing; 20% with a label, 5% made by a transfer), participants spread over 50 accounts',
    `of the demo domain, of which Alice owns two: she sees ${info.aliceVisible} dialogs (${info.aliceAnswered} answered).`,
    '',
    '**Requests**, every one as Alice (`Authorization: Bearer alice-token`), each answer checked before the load:',
    '',
    '- GET one: `GET /rest/v1/user/sip/calls/<a dialog of Alice>`',
    '- LOOKUP by callid: `POST /rest/v1/user/sip/calls` with `X-HTTP-Method-Override: LOOKUP` and `{"callid": "<its b leg>"}`',
    '  (wrk sends no other methods; the front end turns it into LOOKUP before the app sees it)',
    '- list: `GET /rest/v1/user/sip/calls?filter={"status":"dialog"}&mask=dialogid,status,legs&limit=100` (about 40 KB)',
    ...(FLOOR
      ? [
          "- floor (a reference, no target): GET one's request sent to a second front end in the same server process that",
          "  answers every request with GET one's very bytes and headers without the app (no routing, token, scope or view);",
          "  its open loop is offered GET one's rates of the same round. It shows what our HTTP front end alone costs:",
          '  what is above it in GET one is the app.',
        ]
      : []),
    ...(REFS
      ? [
          "- below the floor (references, no target), GET one's request at GET one's rates: a bare `node:net` server in the",
          "  same process (same heap) writing the floor's answer, head included, for each request head it reads (Node with",
          `  no HTTP stack)${NGINX ? "; and nginx (Debian's, one process, no master, pinned as the server is) serving the same body from a file" : ''}.`,
          '  Together they tell the machine and harness (nginx) from the runtime (node:net) and from our front end (floor).',
        ]
      : []),
    '',
    `**Method.** The real front end (http/) and API app (api/app.ts) in a child process on 127.0.0.1; the load`,
    `generators on the benchmark's side (wrk as its child, the open loop in its own process), ${CONNECTIONS} keep-alive connections, ${WARMUP} s warm-up then ${DURATION} s per run, ${ROUNDS} round(s).`,
    '',
    `- *Closed loop* (wrk 4.1 from Debian, one thread, \`bench/lib/wrk.ts\`): each connection sends its next request as soon`,
    '  as its answer is in, so the server runs flat out: this gives the **maximum throughput**. Its latency is',
    '  mostly time spent queued (mean latency = connections ÷ throughput), recorded by wrk to the microsecond.',
    '  (Runs before 2026-11-28 used autocannon, which records whole milliseconds and, being JavaScript, took',
    '  more of the two CPUs than the server did.)',
    `- *Open loop* (bench/lib/open-loop.ts): a fixed offered rate, ${OPEN_LOAD.map((l) => `${Math.round(l * 100)}%`).join(' and ')} of the closed-loop maximum measured`,
    `  just before in the same set-up, over the same ${CONNECTIONS} connections (request k due at k ÷ rate, on connection k mod ${CONNECTIONS}).`,
    "  A connection still waiting for an answer holds its due requests back, and latency runs from each request's",
    '  **intended** send time to the last byte of its answer, so queueing behind a slow answer is counted',
    `  (no coordinated omission). Exact to the microsecond. Due requests leave in batches at most ${BATCH_MS} ms apart;`,
    '  that wait, and any other lateness of the generator, counts against the server too;',
    '  its p99 is shown ("send lag": how late requests left when their connection was free). When fewer',
    '  answers/s came back than were offered, the generator or the server fell behind: that run shows it.',
    `- *Set-ups:* ${SETUPS.map((s) => SETUP_TEXT[s]).join('; ')}. Pinned, each side has a CPU of its own`,
    '  (the kernel work of the loopback still lands on both).',
    '',
    'The targets are p99 latencies; the verdict column takes the worst p99 of the rounds. **Server CPU per',
    'request**: utime + stime of the server process (/proc) over the run, in µs, user + kernel.',
    '',
    '| request | set-up | load | answers/s (mean) | p50 ms (mean) | p99 ms (worst) | p99.9 ms (worst) | target p99 (ms) | server CPU µs/req (user + kernel) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...summaryRows(runs),
    '',
    '<details><summary>Every run</summary>',
    '',
    '| request | set-up | load | answers/s | p50 | p90 | p99 | p99.9 | max (ms) | send lag p99 | CPU µs/req user + kernel | errors | non-2xx | unanswered |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(everyRun),
    '',
    '</details>',
    '',
    `**Memory.** Heap used with forced GC (\`node --expose-gc\`), before and after inserting the dialogs:`,
    `${mib(info.heapBefore)} → ${mib(info.heapAfter)} MiB, **${Math.round(info.bytesPerDialog)} bytes per dialog** in the CallStore with its indexes (one dialog's`,
    `JSON is ${info.jsonBytesPerDialog} bytes). The API adds its account index (api/account-index.ts), ${Math.round(info.indexBytesPerDialog)} bytes per dialog, and`,
    `the UTF-8 JSON of the dialogs it has answered with (api/dialog-json.ts), ${Math.round(info.textBytesPerDialog)} bytes per dialog once every`,
    "dialog has been read whole and with the list's mask (the two masks a dialog keeps at most); both were in",
    'place during the runs.',
    '',
  ].join('\n');
  const notes = join(root, 'bench', 'api', 'notes.md');
  const extra = existsSync(notes) ? `${readFileSync(notes, 'utf8').trim()}\n` : '';
  const file = writeDocSection('## API reads (bench/api)', extra ? `${section}\n${extra}` : section);
  if (!from) console.log(`results in ${writeResults('api', results)}`);
  console.log(`wrote ${file}`);
}

await main();
