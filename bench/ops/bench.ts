// Operations benchmark (issue #5, docs/benchmarks.md "Operations (bench/ops)"). The real server as an
// operator starts it (node --import tsx bin/callctl.ts start, embedded Temporal dev server,
// LOG_LEVEL=warn), with bench/ops/probe.ts preloaded (read-only: it times the service calls' SIP
// exchanges from the server's side). SIPp phones answer at once. Two parts:
//   post:  POST click-to-call at response_mode 0 and 4, open loop at fixed offered rates. X is a SIPp
//          UAS (sip2's static contact, uas-x-post.xml): answers, takes the REFER, NOTIFYs 100/180/200.
//          Per operation: answer time, SIP time inside it, overhead = answer time − SIP time.
//   refer: blind transfers (REFER) of live X–Y calls made by SIPp (uac-x-call.xml: sip1 → 12 through
//          the server; uas-y-refer.xml: Y answers, takes the INVITE with Replaces, BYEs the replaced
//          dialog, takes the REFER and NOTIFYs 200), at rising rates until one fails.
// Usage: flock /tmp/callctl-bench.lock bash bench/ops/run.sh [post] [refer]      (default: both)
// Environment: POST_RATES="5 10 20"  POST_MODES="0 4"  POST_S=20 (seconds per POST step)  WARMUP_OPS=40
//   REFER_RATES="5 10 20 50"  REFER_S=20  REFER_MODE=4  STOP_ON_FAIL=0 (stop the REFER steps after this many failed; 0: never)
//   SIP_PORT=5160  UAS_PORT=5190  UAC_PORT=5170
//   SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": extra node options for the server (profiling)
//   SDK_TRACE=1: the SDK's steps per run timed on the server's main thread (bench/ops/sdk-trace.ts) into
//   sdk-trace.jsonl; a diagnostic run, its figures slightly slowed (npx tsx bench/ops/sdk-trace-summary.ts FILE)
//   BENCH_TEMPORAL=memory: EXPERIMENT, a Temporal dev server started apart with its store in memory
//   (no SQLite file) instead of the embedded one; the server then runs without the temporal role.
//   BENCH_TEMPORAL=<host:port>: an already running Temporal (a cluster, or a dev server on another
//   machine) with namespace "default" and the search attributes registered (docs/config.md); the
//   server runs without the temporal role and Temporal's CPU is not measured (shown as 0).
// Results: bench/ops/results/<UTC time>/ (run.json, steps.jsonl, ops-*.jsonl, probe.jsonl, logs, SIPp
// CSVs); summary.md holds the tables.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../test/helpers/server-process.ts';
import { temporalCliPath } from '../../temporal/cli-build.ts';
import { LATENCY_DYNAMIC_CONFIG, SEARCH_ATTRIBUTES } from '../../temporal/dev-server.ts';
import { benchConfig } from './make-config.ts';
import { busiestThreads, childrenNamed, cpuBetween, cpuSample, threadTicks, loadavg, startGroup, startSipp, stopGroup, exited, type SippStats } from './procs.ts';
import { concurrency, dist, notify200, opTimes, stepFigures, type CallRecord, type OpRecord } from './stats.ts';
import { summarize, type Step } from './summarize.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const env = (k: string, d: string) => process.env[k] ?? d;
const nums = (k: string, d: string) => env(k, d).split(/\s+/).filter(Boolean).map(Number);
const POST_RATES = nums('POST_RATES', '5 10 20');
const POST_MODES = nums('POST_MODES', '0 4');
const POST_S = Number(env('POST_S', '20'));
const WARMUP_OPS = Number(env('WARMUP_OPS', '40'));
const REFER_RATES = nums('REFER_RATES', '5 10 20 50');
const REFER_S = Number(env('REFER_S', '20'));
const REFER_MODE = Number(env('REFER_MODE', '4'));
const STOP_ON_FAIL = Number(env('STOP_ON_FAIL', '0'));
const SIP_PORT = Number(env('SIP_PORT', '5160'));
const UAS_PORT = Number(env('UAS_PORT', '5190'));
const UAC_PORT = Number(env('UAC_PORT', '5170'));
const TEMPORAL_MEMORY = process.env.BENCH_TEMPORAL === 'memory';
/** BENCH_TEMPORAL=<host:port>: a Temporal server that is already running. */
const TEMPORAL_EXTERNAL = process.env.BENCH_TEMPORAL && !TEMPORAL_MEMORY ? process.env.BENCH_TEMPORAL : undefined;
if (TEMPORAL_EXTERNAL !== undefined && !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(TEMPORAL_EXTERNAL)) {
  console.error(`BENCH_TEMPORAL must be "memory" or host:port, got "${TEMPORAL_EXTERNAL}"`);
  process.exit(2);
}
const SERVER_NODE_ARGS = env('SERVER_NODE_ARGS', '').split(/\s+/).filter(Boolean);
const parts = process.argv.slice(2).length ? process.argv.slice(2) : ['post', 'refer'];

const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const res = join(here, 'results', stamp);
mkdirSync(res, { recursive: true });
const now = () => performance.timeOrigin + performance.now();
const log = (s: string) => {
  const line = `${new Date().toISOString().slice(11, 19)} ${s}`;
  process.stderr.write(line + '\n');
  appendFileSync(join(res, 'progress.log'), line + '\n');
};

const machine = `${cpus().length} vCPU (os.cpus), ${cpus()[0]?.model ?? '?'}, Node ${process.version}, ${/SIPp v[\d.]+/.exec(spawnSync('sipp', ['-v']).stdout?.toString() ?? '')?.[0] ?? 'SIPp'}`;
const run = { date: new Date().toUTCString(), machine, loadAtStart: loadavg(), parts, POST_RATES, POST_MODES, POST_S, WARMUP_OPS, REFER_RATES, REFER_S, REFER_MODE, temporal: TEMPORAL_MEMORY ? 'memory (EXPERIMENT)' : TEMPORAL_EXTERNAL ? `external at ${TEMPORAL_EXTERNAL} (its CPU not measured)` : 'embedded (SQLite file)' };
writeFileSync(join(res, 'run.json'), JSON.stringify(run, null, 2));
log(`ops bench: ${machine}; load ${run.loadAtStart}; temporal ${run.temporal}; results in ${res.slice(root.length + 1)}`);

// ---- the server ---------------------------------------------------------------------------------

interface Server {
  pid: number;
  temporalPid: number | undefined;
  base: string;
  /** A client of the server's Temporal, to count workflows by status. */
  temporal: Client;
  stop(): Promise<void>;
}

const probeFile = join(res, 'probe.jsonl');

async function startServer(): Promise<Server> {
  let temporalAddress: string | undefined = TEMPORAL_EXTERNAL;
  let external: ReturnType<typeof startGroup> | undefined;
  if (TEMPORAL_MEMORY) {
    // The dev server as temporal/dev-server.ts starts it, less --db-filename (its store in memory).
    const port = await freePort();
    const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--namespace', 'default', '--log-level', 'warn'];
    args.push('--dynamic-config-value', 'frontend.enableServerVersionCheck=false');
    for (const [k, v] of Object.entries(LATENCY_DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${k}=${v}`);
    for (const [k, v] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${k}=${v}`);
    external = startGroup(temporalCliPath(), args, { out: openSync(join(res, 'temporal-memory.log'), 'a') });
    temporalAddress = `127.0.0.1:${port}`;
  }
  const cfg = await benchConfig(SIP_PORT, UAS_PORT, temporalAddress);
  const out = openSync(join(res, 'server.log'), 'a');
  const child = startGroup(process.execPath, [...SERVER_NODE_ARGS, '--import', 'tsx', '--import', join(here, 'probe-preload.mjs'), join(root, 'bin/callctl.ts'), 'start', '--config', cfg.file], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      BENCH_OPS_PROBE_FILE: probeFile,
      ...(process.env.SDK_TRACE === '1' ? { BENCH_OPS_SDK_TRACE_FILE: join(res, 'sdk-trace.jsonl') } : {}),
    },
    out,
  });
  const base = `http://127.0.0.1:${cfg.httpPort}/rest/v1/user/sip/calls`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${readFileSync(join(res, 'server.log'), 'utf8').slice(-2000)}`);
    if (Date.now() - t0 > 180_000) throw new Error('server not ready in 180 s');
    try {
      const r = await fetch(base, { headers: AUTH });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    await sleep(500);
  }
  const pid = child.pid!;
  const temporalPid = TEMPORAL_EXTERNAL ? undefined : (external?.pid ?? childrenNamed(pid, 'temporal')[0]);
  const connection = await Connection.connect({ address: temporalAddress ?? `127.0.0.1:${cfg.temporalPort}` });
  const temporal = new Client({ connection, namespace: 'default' });
  log(`server ready in ${Math.round((Date.now() - t0) / 1000)} s: node pid ${pid}, temporal pid ${temporalPid ?? '?'}`);
  return {
    pid,
    temporalPid,
    base,
    temporal,
    async stop() {
      await connection.close();
      stopGroup(child);
      await Promise.race([exited(child), sleep(15_000)]);
      stopGroup(child, 'SIGKILL');
      if (external) {
        stopGroup(external);
        await Promise.race([exited(external), sleep(5_000)]);
        stopGroup(external, 'SIGKILL');
      }
    },
  };
}

const AUTH = { authorization: 'Bearer alice-token' };
let probeOffset = 0;

/** Asks the probe for its records (SIGWINCH: see probe.ts) and reads them. */
async function probeRecords(server: Server): Promise<{ calls: Map<string, CallRecord>; summary: Record<string, unknown> | undefined }> {
  const before = existsSync(probeFile) ? readFileSync(probeFile, 'utf8').length : 0;
  process.kill(server.pid, 'SIGWINCH');
  let text = '';
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    text = existsSync(probeFile) ? readFileSync(probeFile, 'utf8') : '';
    if (text.length > before && text.slice(probeOffset).includes('"kind":"summary"')) break;
  }
  const fresh = text.slice(probeOffset);
  probeOffset = text.length;
  const calls = new Map<string, CallRecord>();
  let summary: Record<string, unknown> | undefined;
  for (const line of fresh.split('\n').filter(Boolean)) {
    const o = JSON.parse(line) as CallRecord & { kind: string };
    if (o.kind === 'call') calls.set(o.callid, o);
    else summary = o as unknown as Record<string, unknown>;
  }
  return { calls, summary };
}

const STATUSES = ['Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'TimedOut'] as const;
type Counts = Record<(typeof STATUSES)[number], number>;

/** Operation workflows by status (visibility may lag a second behind). */
async function workflowCounts(server: Server): Promise<Counts> {
  const out = {} as Counts;
  for (const st of STATUSES) out[st] = (await server.temporal.workflow.count(`ExecutionStatus="${st}"`)).count;
  return out;
}

/** Waits until no operation workflow runs (a step's leftovers would load the next), at most 3 min. */
async function settle(server: Server, label: string): Promise<Counts> {
  const t0 = Date.now();
  let c = await workflowCounts(server);
  while (c.Running > 0 && Date.now() - t0 < 180_000) {
    await sleep(2000);
    c = await workflowCounts(server);
  }
  if (c.Running > 0) log(`[${label}] ${c.Running} workflows still running after 180 s`);
  else if (Date.now() - t0 > 3000) log(`[${label}] settled: no workflow running after ${Math.round((Date.now() - t0) / 1000)} s`);
  return c;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];
const eventMs = (e: HistoryEvent) => {
  const t = e.eventTime;
  // seconds is a Long (protobufjs) or a number.
  const sec = t?.seconds as { toNumber?: () => number } | number | null | undefined;
  const seconds = typeof sec === 'object' && sec?.toNumber ? sec.toNumber() : Number(sec ?? NaN);
  return t ? seconds * 1000 + (t.nanos ?? 0) / 1e6 : NaN;
};

/** What the bench saw of an operation, by workflow id: to place the first task's events in it. */
interface OpSeen {
  sendAt: number;
  answerAt: number;
  placeAt?: number;
  notify200At?: number;
}

function opsByWorkflow(ops: OpRecord[], calls: Map<string, CallRecord>): Map<string, OpSeen> {
  const m = new Map<string, OpSeen>();
  for (const o of ops) {
    const c = o.ivrcallid ? calls.get(o.ivrcallid) : undefined;
    if (c?.workflowId) m.set(c.workflowId, { sendAt: o.sendAt, answerAt: o.answerAt, placeAt: c.placeAt, notify200At: notify200(c) });
  }
  return m;
}

/**
 * Where Temporal's time goes, from the histories of up to `max` of the step's workflows (read once
 * the step is over): per workflow task, scheduled → started (dispatch to the worker) and started →
 * completed (the worker's run of the task and its answer); the same for activity tasks; the
 * count of workflow tasks per operation; and, with `seen`, the first task against the operation's
 * own times.
 */
async function historyFigures(server: Server, ids: string[], seen: Map<string, OpSeen> = new Map(), max = 30) {
  const pick = ids.filter((_, k) => k % Math.max(1, Math.floor(ids.length / max)) === 0).slice(0, max);
  // The first workflow task against the operation's own times (same clock: this machine's).
  const toStarted: number[] = [];
  const firstStartedToPlace: number[] = [];
  const notifyToFirstCompleted: number[] = [];
  const firstCompletedToAnswer: number[] = [];
  const wftWait: number[] = [];
  const wftRun: number[] = [];
  const actWait: number[] = [];
  const actRun: number[] = [];
  const wftCount: number[] = [];
  for (const id of pick) {
    try {
      const h = await server.temporal.workflow.getHandle(id).fetchHistory();
      let wftScheduled = NaN;
      let wftStarted = NaN;
      const actScheduled = new Map<string, number>();
      const actStarted = new Map<string, number>();
      let n = 0;
      const op = seen.get(id);
      for (const e of h.events ?? []) {
        const t = eventMs(e);
        const id = String(e.eventId ?? '');
        if (e.workflowExecutionStartedEventAttributes && op) toStarted.push(t - op.sendAt);
        if (e.workflowTaskScheduledEventAttributes) wftScheduled = t;
        else if (e.workflowTaskStartedEventAttributes) {
          wftStarted = t;
          wftWait.push(t - wftScheduled);
          n++;
          if (n === 1 && op?.placeAt !== undefined) firstStartedToPlace.push(op.placeAt - t);
        } else if (e.workflowTaskCompletedEventAttributes) {
          wftRun.push(t - wftStarted);
          // Only where the answer came with the first task (mode 4 with phones that answer at once).
          if (n === 1 && op && op.answerAt >= t) {
            if (op.notify200At !== undefined && op.notify200At <= t) notifyToFirstCompleted.push(t - op.notify200At);
            firstCompletedToAnswer.push(op.answerAt - t);
          }
        }
        else if (e.activityTaskScheduledEventAttributes) actScheduled.set(id, t);
        else if (e.activityTaskStartedEventAttributes) {
          const sched = String(e.activityTaskStartedEventAttributes.scheduledEventId ?? '');
          actStarted.set(sched, t);
          actWait.push(t - (actScheduled.get(sched) ?? NaN));
        } else if (e.activityTaskCompletedEventAttributes) {
          const sched = String(e.activityTaskCompletedEventAttributes.scheduledEventId ?? '');
          actRun.push(t - (actStarted.get(sched) ?? NaN));
        }
      }
      wftCount.push(n);
    } catch {
      /* gone (retention) or unreadable: skipped */
    }
  }
  return {
    workflows: pick.length,
    wftWait: dist(wftWait),
    wftRun: dist(wftRun),
    actWait: dist(actWait),
    actRun: dist(actRun),
    wftPerOp: dist(wftCount),
    firstTask: { toStarted: dist(toStarted), startedToPlace: dist(firstStartedToPlace), notifyToCompleted: dist(notifyToFirstCompleted), completedToAnswer: dist(firstCompletedToAnswer) },
  };
}

const diffCounts = (a: Counts, b: Counts) => Object.fromEntries(STATUSES.filter((k) => k !== 'Running').map((k) => [k, b[k] - a[k]]));

// ---- one operation --------------------------------------------------------------------------------

async function operation(i: number, method: string, url: string, body: unknown): Promise<OpRecord> {
  const t0 = performance.now();
  const sendAt = performance.timeOrigin + t0;
  try {
    const r = await fetch(url, { method, headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await r.text();
    const t1 = performance.now();
    let parsed: { result?: string; ivrcallid?: string } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      /* not JSON: kept in error */
    }
    const op: OpRecord = { i, sendAt, answerAt: performance.timeOrigin + t1, latencyMs: t1 - t0, httpStatus: r.status, result: parsed.result, ivrcallid: parsed.ivrcallid };
    if (r.status !== 200 || parsed.result !== 'ok') op.error = text.slice(0, 500);
    return op;
  } catch (e) {
    const t1 = performance.now();
    return { i, sendAt, answerAt: performance.timeOrigin + t1, latencyMs: t1 - t0, httpStatus: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Open loop: operation i starts at t0 + i/rate, whatever the earlier ones are doing. `onSent` runs
 * once the last one is sent (the end of the offered load).
 */
async function openLoop(n: number, rate: number, start: (i: number) => Promise<OpRecord>, onSent: () => void): Promise<OpRecord[]> {
  const t0 = performance.now();
  const running: Array<Promise<OpRecord>> = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(start(i));
  }
  onSent();
  return Promise.all(running);
}

const failures = (ops: OpRecord[]) => ops.filter((o) => o.error !== undefined);
const sippBad = (s: SippStats) => s.failed + Math.max(0, s.created - s.successful - s.failed);

function stepResult(name: string, kind: 'post' | 'refer', rate: number, mode: number, ops: OpRecord[], calls: Map<string, CallRecord>, extra: Record<string, unknown>): Step {
  // Figures over the requests that went out; those that could not are counted as failed.
  const out = ops.filter((o) => !o.notSent);
  const times = out.map((o) => opTimes(o, o.ivrcallid ? calls.get(o.ivrcallid) : undefined));
  const span = (Math.max(...out.map((o) => o.answerAt)) - Math.min(...out.map((o) => o.sendAt))) / 1000;
  const failed = failures(ops);
  writeFileSync(join(res, `ops-${name}.jsonl`), out.map((o, k) => JSON.stringify({ ...o, ...times[k], call: o.ivrcallid ? calls.get(o.ivrcallid) : undefined })).join('\n') + '\n');
  return {
    name,
    kind,
    rate,
    mode,
    ops: ops.length,
    answeredPerS: Math.round((10 * out.length) / span) / 10,
    notSent: ops.length - out.length,
    failedOps: failed.length,
    failedSamples: failed.slice(0, 3).map((o) => `${o.httpStatus} ${o.error ?? ''}`.slice(0, 300)),
    withProbe: times.filter((t) => t.toPlaceMs !== undefined).length,
    concurrency: concurrency(out),
    figures: stepFigures(times),
    ...extra,
  } as Step;
}

// ---- POST -----------------------------------------------------------------------------------------

async function postStep(server: Server, name: string, rate: number, mode: number, n: number, measured: boolean): Promise<Step | undefined> {
  const w0 = await settle(server, name);
  const load = loadavg();
  const x = startSipp(res, `${name}-x`, Math.ceil(n / rate) + 90, ['-sf', join(here, 'uas-x-post.xml'), '-p', String(UAS_PORT), '-m', String(n), '-l', String(n), '-key', 'node_port', String(SIP_PORT)]);
  await sleep(500);
  await probeRecords(server);
  const c0 = cpuSample(server.pid, server.temporalPid);
  const th0 = threadTicks(server.pid);
  let sent = c0;
  let threads: string[] = [];
  const ops = await openLoop(
    n,
    rate,
    (i) => operation(i, 'POST', server.base, { from: '12', to: '13', response_mode: mode }),
    () => {
      sent = cpuSample(server.pid, server.temporalPid);
      threads = busiestThreads(th0, threadTicks(server.pid), (sent.at - c0.at) / 1000, server.pid);
    },
  );
  const answered = cpuSample(server.pid, server.temporalPid);
  // Every operation goes on after its answer (REFER, NOTIFYs, BYE): the step ends when X has seen
  // every service call's BYE.
  const xs = await Promise.race([x.done, sleep(120_000).then(() => undefined)]);
  if (!xs) stopGroup(x.child, 'SIGKILL');
  const c1 = cpuSample(server.pid, server.temporalPid);
  const { calls, summary } = await probeRecords(server);
  const sipp = xs ?? (await x.done);
  const workflows = diffCounts(w0, await settle(server, name));
  const history = await historyFigures(server, [...calls.values()].flatMap((c) => (c.workflowId ? [c.workflowId] : [])), opsByWorkflow(ops, calls));
  const step = stepResult(name, 'post', rate, mode, ops, calls, {
    load,
    workflows,
    history,
    cpu: cpuBetween(c0, c1, n),
    cpuToLastAnswer: cpuBetween(c0, answered, n),
    cpuWhileSending: cpuBetween(c0, sent, n),
    busiestThreadsWhileSending: threads,
    sipp: { x: sipp },
    sippFailed: sippBad(sipp),
    eventLoop: summary?.eventLoopDelayMs,
    liveServiceCallsAfter: summary?.liveServiceCalls,
  });
  const f = step.figures;
  log(
    `[${name}] ${n} POSTs at ${rate}/s, mode ${mode}: ${n - step.failedOps} ok, ${step.failedOps} failed, SIPp X failed ${step.sippFailed}; ` +
      `latency p50/p99 ${f.latency?.p50}/${f.latency?.p99} ms, SIP ${f.sip?.p50}/${f.sip?.p99}, overhead ${f.overhead?.p50}/${f.overhead?.p99}; ` +
      `in flight max ${step.concurrency.max}; CPU node ${step.cpu.nodePct} % (main ${step.cpu.nodeMainPct} %), temporal ${step.cpu.temporalPct} %, ` +
      `while sending: node ${step.cpuWhileSending.nodePct} %, temporal ${step.cpuWhileSending.temporalPct} %, machine ${step.cpuWhileSending.machineBusyPct} % busy; load ${load}`,
  );
  log(`[${name}] workflows that ended: ${JSON.stringify(workflows)}; busiest node threads while sending: ${threads.join(', ')}`);
  if (step.failedSamples.length) log(`[${name}] failures: ${step.failedSamples.join(' | ')}`);
  return measured ? step : undefined;
}

// ---- REFER ----------------------------------------------------------------------------------------

interface ListAnswer {
  dialogid: string;
  status: string;
}

async function referStep(server: Server, name: string, rate: number, n: number): Promise<Step> {
  const w0 = await settle(server, name);
  const load = loadavg();
  const callS = Math.ceil(n / rate);
  // Y takes n calls and n INVITEs with Replaces; X makes n calls, each waiting for the server's BYE.
  const y = startSipp(res, `${name}-y`, callS + 120, ['-sf', join(here, 'uas-y-refer.xml'), '-p', String(UAS_PORT), '-m', String(2 * n), '-l', String(2 * n), '-key', 'node_port', String(SIP_PORT)]);
  await sleep(500);
  await probeRecords(server);
  const c0 = cpuSample(server.pid, server.temporalPid);
  const x = startSipp(res, `${name}-x`, callS + 110, [
    `127.0.0.1:${SIP_PORT}`,
    '-sf',
    join(here, 'uac-x-call.xml'),
    '-s',
    '12',
    '-au',
    'sip1',
    '-ap',
    'secret1',
    '-auth_uri',
    '12@test.rootdomain.ru',
    '-p',
    String(UAC_PORT),
    '-r',
    String(rate),
    '-m',
    String(n),
    // SIPp's default cap on open calls (3 × rate × its guess of a call's length) would slow the
    // calls down while slow transfers keep them open, and starve the transfers of dialogs.
    '-l',
    String(n),
  ]);
  // Live X–Y dialogs, from the list (polled): each is transferred once.
  const seen = new Set<string>();
  const pool: string[] = [];
  let polling = true;
  const poller = (async () => {
    const url = `${server.base}?filter=${encodeURIComponent('{"status":"dialog"}')}&mask=dialogid,status&limit=1000`;
    while (polling) {
      try {
        const r = await fetch(url, { headers: AUTH });
        const list = (await r.json()) as ListAnswer[];
        for (const d of Array.isArray(list) ? list : []) {
          if (d.status === 'dialog' && !seen.has(d.dialogid)) {
            seen.add(d.dialogid);
            pool.push(d.dialogid);
          }
        }
      } catch {
        /* the next poll */
      }
      await sleep(50);
    }
  })();
  // A second of calls ahead, so the transfers run at their own rate rather than the calls' arrival.
  const lead = performance.now();
  while (pool.length < Math.min(n, rate) && performance.now() - lead < 10_000) await sleep(20);
  let waitedMs = 0;
  const th0 = threadTicks(server.pid);
  let sent = c0;
  let threads: string[] = [];
  let emptyPool = 0;
  const ops = await openLoop(n, rate, async (i) => {
    const w0 = performance.now();
    if (pool.length === 0) emptyPool++;
    while (pool.length === 0 && performance.now() - w0 < 10_000) await sleep(5);
    waitedMs += performance.now() - w0;
    const dialogid = pool.shift();
    if (!dialogid) return { i, sendAt: now(), answerAt: now(), latencyMs: 0, httpStatus: 0, error: 'no live dialog to transfer', notSent: true };
    return operation(i, 'REFER', `${server.base}/${dialogid}`, { by: 'a', referto: '13', response_mode: REFER_MODE });
  }, () => {
    sent = cpuSample(server.pid, server.temporalPid);
    threads = busiestThreads(th0, threadTicks(server.pid), (sent.at - c0.at) / 1000, server.pid);
  });
  polling = false;
  await poller;
  const answered = cpuSample(server.pid, server.temporalPid);
  const [xs, ys] = await Promise.all([x.done, y.done]);
  const c1 = cpuSample(server.pid, server.temporalPid);
  const { calls, summary } = await probeRecords(server);
  const workflows = diffCounts(w0, await settle(server, name));
  const history = await historyFigures(server, [...calls.values()].flatMap((c) => (c.workflowId ? [c.workflowId] : [])), opsByWorkflow(ops, calls));
  const step = stepResult(name, 'refer', rate, REFER_MODE, ops, calls, {
    load,
    workflows,
    history,
    cpu: cpuBetween(c0, c1, n),
    cpuToLastAnswer: cpuBetween(c0, answered, n),
    cpuWhileSending: cpuBetween(c0, sent, n),
    busiestThreadsWhileSending: threads,
    sipp: { x: xs, y: ys },
    dialogsSeen: seen.size,
    slotsWithEmptyPool: emptyPool,
    sippFailed: sippBad(xs) + sippBad(ys),
    waitedForDialogsMs: Math.round(waitedMs),
    eventLoop: summary?.eventLoopDelayMs,
    liveServiceCallsAfter: summary?.liveServiceCalls,
  });
  const f = step.figures;
  log(
    `[${name}] ${n} REFERs at ${rate}/s (answered at ${step.answeredPerS}/s): ${n - step.failedOps} ok, ${step.failedOps} failed, SIPp failed X ${sippBad(xs)} Y ${sippBad(ys)}; ` +
      `latency p50/p99 ${f.latency?.p50}/${f.latency?.p99} ms, overhead ${f.overhead?.p50}/${f.overhead?.p99}; in flight max ${step.concurrency.max}; ` +
      `CPU node ${step.cpu.nodePct} % (main ${step.cpu.nodeMainPct} %), temporal ${step.cpu.temporalPct} %, ` +
      `while sending: node ${step.cpuWhileSending.nodePct} %, temporal ${step.cpuWhileSending.temporalPct} %, machine ${step.cpuWhileSending.machineBusyPct} % busy; load ${load}`,
  );
  log(`[${name}] workflows that ended: ${JSON.stringify(workflows)}; busiest node threads while sending: ${threads.join(', ')}`);
  if (step.failedSamples.length) log(`[${name}] failures: ${step.failedSamples.join(' | ')}`);
  return step;
}

// ---- main -----------------------------------------------------------------------------------------

const steps: Step[] = [];
const server = await startServer();
try {
  const idle0 = cpuSample(server.pid, server.temporalPid);
  await sleep(10_000);
  const idle = cpuBetween(idle0, cpuSample(server.pid, server.temporalPid), 0);
  appendFileSync(join(res, 'steps.jsonl'), JSON.stringify({ name: 'idle', kind: 'idle', cpu: idle, load: loadavg() }) + '\n');
  log(`idle server: node ${idle.nodePct} % (main ${idle.nodeMainPct} %), temporal ${idle.temporalPct} %`);
  if (parts.includes('post')) {
    // Warm-up: the first operations compile the workflow code paths (JIT) and warm Temporal's caches.
    if (WARMUP_OPS > 0) await postStep(server, 'post-warmup', 5, 4, WARMUP_OPS, false);
    // Lighter steps first: a step past the limit leaves work behind (settle() waits for it).
    for (const rate of POST_RATES) {
      for (const mode of POST_MODES) {
        const step = await postStep(server, `post-m${mode}-r${rate}`, rate, mode, Math.round(rate * POST_S), true);
        if (step) {
          steps.push(step);
          appendFileSync(join(res, 'steps.jsonl'), JSON.stringify(step) + '\n');
        }
        await sleep(3000);
      }
    }
  }
  if (parts.includes('refer')) {
    let fails = 0;
    for (const rate of REFER_RATES) {
      const step = await referStep(server, `refer-r${rate}`, rate, Math.round(rate * REFER_S));
      steps.push(step);
      appendFileSync(join(res, 'steps.jsonl'), JSON.stringify(step) + '\n');
      if (step.failedOps + step.sippFailed > 0 && STOP_ON_FAIL > 0 && ++fails >= STOP_ON_FAIL) {
        log(`[refer] failures at ${rate}/s: no higher rate`);
        break;
      }
      await sleep(5000);
    }
  }
} finally {
  await server.stop();
}
const md = summarize(run, steps);
writeFileSync(join(res, 'summary.md'), md);
process.stdout.write(md);
log(`done: load average ${loadavg()}; results in ${res.slice(root.length + 1)}`);
