// Isolates Temporal's own round-trip cost (docs/benchmarks.md "Operations (bench/ops)"): the same dev
// server build and SDK as the server, a trivial workflow (roundtrip-workflow.ts) shaped like a POST at
// mode 4. Closed loop by default (one operation at a time), or open loop at RT_RATE per second.
//   flock /tmp/callctl-bench.lock node --import tsx bench/ops/roundtrip.ts
// Environment: RT_OPS=40  RT_LEGS=2  RT_RATE=0 (closed loop)  RT_MODE=4 (0: answer at accept)
//   RT_QUEUE=same|other (activities on the workflow's queue, or a second worker's like the SIP node)
//   RT_DB=file|memory  RT_DYN="key=value …" (extra --dynamic-config-value)  RT_ADDRESS=host:port (an
//   already running server)  RT_WORKER='{"maxCachedWorkflows":…}' (JSON worker options)
//   RT_SIGNAL_DELAY_MS=3 (the "far end" answering after the activity)
//   RT_LOCAL=1: each leg a local activity on the workflow's worker that returns the answer itself
//   RT_HEAVY=1: start as the API does (an ~11 KB input, three search attributes, memo, summary)
//   RT_TUNED=1: the workflow threads tuned as the server's (server/workflow-thread.ts: no per-promise
//   stack traces, one watchdog per activation) and the workflow module preloaded, so the figures
//   compare with a real operation's (docs/benchmarks.md, "The trivial workflow as the floor")
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context as ActivityContext } from '@temporalio/activity';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger, Worker, type WorkerOptions } from '@temporalio/worker';
import { createLogger } from '../../lib/log.ts';
import { temporalCliPath } from '../../temporal/cli-build.ts';
import { startDevServer, type DevServer } from '../../temporal/dev-server.ts';
import { freePort } from '../../test/helpers/server-process.ts';
import { CALL_DIALOG_ID, CALL_OPERATION, CALL_USER } from '../../workflows/search-attributes.ts';
import { tuneWorkflowThreads } from '../../server/workflow-thread.ts';
import { dist } from './stats.ts';
import { rtDone, rtEvent } from './roundtrip-workflow.ts';

const env = (k: string, d: string) => process.env[k] ?? d;
const OPS = Number(env('RT_OPS', '40'));
const LEGS = Number(env('RT_LEGS', '2'));
const RATE = Number(env('RT_RATE', '0'));
const MODE = Number(env('RT_MODE', '4'));
const SAME_QUEUE = env('RT_QUEUE', 'other') === 'same';
const SIGNAL_DELAY = Number(env('RT_SIGNAL_DELAY_MS', '3'));
const WORKER_OPTS = JSON.parse(env('RT_WORKER', '{}')) as Partial<WorkerOptions>;
const HEAVY = process.env.RT_HEAVY === '1';
const LOCAL = process.env.RT_LOCAL === '1';
const TUNED = process.env.RT_TUNED === '1';
const NS = 'default';
const WF_QUEUE = 'rt-wf';
const ACT_QUEUE = SAME_QUEUE ? WF_QUEUE : 'rt-act';

Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
const logger = createLogger({ level: 'error' });

let dev: DevServer | undefined;
let dataDir: string | undefined;
let address = process.env.RT_ADDRESS;
if (!address) {
  dataDir = mkdtempSync(join(tmpdir(), 'rt-'));
  dev = await startDevServer({
    binary: temporalCliPath(),
    dataDir,
    port: await freePort(),
    uiPort: await freePort(),
    namespace: NS,
    logger,
    ...(process.env.RT_DB === 'memory' ? { memory: true } : {}),
    ...(process.env.RT_PRAGMA ? { sqlitePragmas: Object.fromEntries(process.env.RT_PRAGMA.split(/\s+/).filter(Boolean).map((kv) => kv.split('=') as [string, string])) } : {}),
    ...(process.env.RT_DYN ? { dynamicConfig: Object.fromEntries(process.env.RT_DYN.split(/\s+/).filter(Boolean).map((kv) => kv.split('=') as [string, string])) } : {}),
  });
  address = dev.address;
}

const connection = Connection.lazy({ address });
const client = new Client({ connection, namespace: NS });
const native = await NativeConnection.connect({ address });

const activities = {
  // The activity "sends" and the far end answers a few ms later: a signal from outside, like the
  // SIP event router's.
  ping(_q: string, n: number): Promise<void> {
    const wf = ActivityContext.current().info.workflowExecution?.workflowId ?? '';
    setTimeout(() => void client.workflow.getHandle(wf).signal(rtEvent, n).catch(() => {}), SIGNAL_DELAY);
    return Promise.resolve();
  },
  // The local variant: the far end's answer comes back within the activity.
  pingAndWait(n: number): Promise<number> {
    return new Promise((r) => setTimeout(() => r(n), SIGNAL_DELAY));
  },
};

const workflowsPath = fileURLToPath(new URL('./roundtrip-workflow.ts', import.meta.url));
if (TUNED) tuneWorkflowThreads({ stackTraces: false, watchdog: true });
const tuned = TUNED ? { bundlerOptions: { ignoreModules: [], preloadModules: [workflowsPath] } } : {};
const workers = [
  await Worker.create({ connection: native, namespace: NS, taskQueue: WF_QUEUE, workflowsPath, ...tuned, ...(SAME_QUEUE || LOCAL ? { activities } : {}), ...WORKER_OPTS }),
];
if (!SAME_QUEUE) workers.push(await Worker.create({ connection: native, namespace: NS, taskQueue: ACT_QUEUE, activities }));
const runs = workers.map((w) => w.run());

async function one(i: number, tag: string): Promise<{ accept: number; answer: number; id: string }> {
  const id = `rt-${tag}-${i}`;
  const t0 = performance.now();
  const op = new WithStartWorkflowOperation('roundtrip', {
    workflowId: id,
    taskQueue: WF_QUEUE,
    args: [{ legs: LEGS, activityQueue: ACT_QUEUE, local: LOCAL, ...(HEAVY ? { ballast: 'x'.repeat(11_000) } : {}) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    ...(HEAVY
      ? {
          typedSearchAttributes: [
            { key: CALL_OPERATION, value: 'POST' },
            { key: CALL_USER, value: 'alice@example.org' },
            { key: CALL_DIALOG_ID, value: 'rDlg-001-abcdef' },
          ],
          memo: { fingerprint: 'f'.repeat(64), bodyFingerprint: 'b'.repeat(64), request: id },
          staticSummary: `POST 12 → 13 (alice@example.org) ${id}`,
        }
      : {}),
  });
  const h = await client.workflow.startUpdateWithStart(rtDone, { args: [MODE], waitForStage: 'ACCEPTED', startWorkflowOperation: op });
  const accept = performance.now() - t0;
  await h.result();
  return { accept, answer: performance.now() - t0, id };
}

async function batch(n: number, tag: string) {
  const out: Array<{ accept: number; answer: number; id: string }> = [];
  if (RATE <= 0) {
    for (let i = 0; i < n; i++) out.push(await one(i, tag));
  } else {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const wait = t0 + (i * 1000) / RATE - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        out.push(await one(i, tag));
      }),
    );
  }
  return out;
}

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

async function historyFigures(ids: string[]) {
  const wftWait: number[] = [], wftRun: number[] = [], actWait: number[] = [], actRun: number[] = [], sigToWft: number[] = [], wfts: number[] = [];
  for (const id of ids) {
    const h = await client.workflow.getHandle(id).fetchHistory();
    const ev = h.events ?? [];
    const at = new Map<number, number>();
    let lastSignal: number | undefined;
    let count = 0;
    for (const e of ev) {
      const t = ms(e.eventTime);
      at.set(Number(e.eventId), t);
      if (e.workflowExecutionSignaledEventAttributes) lastSignal ??= t;
      if (e.workflowTaskScheduledEventAttributes) count++;
      if (e.workflowTaskStartedEventAttributes) {
        const s = at.get(Number(e.workflowTaskStartedEventAttributes.scheduledEventId));
        if (s !== undefined) wftWait.push(t - s);
        if (lastSignal !== undefined) sigToWft.push(t - lastSignal);
        lastSignal = undefined;
      }
      if (e.workflowTaskCompletedEventAttributes) {
        const s = at.get(Number(e.workflowTaskCompletedEventAttributes.startedEventId));
        if (s !== undefined) wftRun.push(t - s);
      }
      if (e.activityTaskStartedEventAttributes) {
        const s = at.get(Number(e.activityTaskStartedEventAttributes.scheduledEventId));
        if (s !== undefined) actWait.push(t - s);
      }
      if (e.activityTaskCompletedEventAttributes) {
        const s = at.get(Number(e.activityTaskCompletedEventAttributes.startedEventId));
        if (s !== undefined) actRun.push(t - s);
      }
    }
    wfts.push(count);
  }
  return { wftWait: dist(wftWait), wftRun: dist(wftRun), actWait: dist(actWait), actRun: dist(actRun), sigToWftStarted: dist(sigToWft), wftsPerOp: dist(wfts) };
}

/** utime + stime of a process, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

try {
  await batch(10, 'warm');
  const cpu0 = { self: cpuMs(process.pid), dev: dev ? cpuMs(dev.pid) : NaN };
  const res = await batch(OPS, 'run');
  const cpu = { self: (cpuMs(process.pid) - cpu0.self) / OPS, dev: dev ? (cpuMs(dev.pid) - cpu0.dev) / OPS : NaN };
  const figures = await historyFigures(res.slice(0, 30).map((r) => r.id));
  const fmt = (d: ReturnType<typeof dist>) => (d ? `${d.p50} / ${d.p99} (n ${d.n})` : '-');
  console.log(JSON.stringify({ ops: OPS, legs: LEGS, rate: RATE || 'closed', mode: MODE, queue: SAME_QUEUE ? 'same' : 'other', db: process.env.RT_DB ?? 'file', dyn: process.env.RT_DYN ?? '', pragma: process.env.RT_PRAGMA ?? '', heavy: HEAVY, local: LOCAL, tuned: TUNED, worker: WORKER_OPTS }));
  console.log(`CPU ms/op: this process (client, workers) ${cpu.self.toFixed(1)}, dev server ${cpu.dev.toFixed(1)}`);
  console.log(`accept ${fmt(dist(res.map((r) => r.accept)))}  answer ${fmt(dist(res.map((r) => r.answer)))}`);
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(16)} ${fmt(v)}`);
} finally {
  for (const w of workers) w.shutdown();
  await Promise.allSettled(runs);
  await native.close();
  await connection.close();
  await dev?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
