// Markdown tables of one bench/ops run (for docs/benchmarks.md). bench.ts writes them to summary.md;
// again from a results folder: npx tsx bench/ops/summarize.ts bench/ops/results/<UTC time>
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dist, stepFigures } from './stats.ts';
import type { SippStats } from './procs.ts';

interface Cpu {
  seconds: number;
  machineBusyPct?: number;
  nodePct: number;
  nodeMainPct: number;
  temporalPct: number;
  nodeMsPerOp: number | null;
  temporalMsPerOp: number | null;
}

export interface Step {
  name: string;
  kind: 'post' | 'refer';
  rate: number;
  mode: number;
  ops: number;
  answeredPerS: number;
  /** REFERs never sent: no live dialog was found within 10 s (counted in failedOps). */
  notSent?: number;
  failedOps: number;
  failedSamples: string[];
  withProbe: number;
  concurrency: { max: number; mean: number };
  figures: ReturnType<typeof stepFigures>;
  load: string;
  cpu: Cpu;
  cpuToLastAnswer: Cpu;
  cpuWhileSending: Cpu;
  busiestThreadsWhileSending?: string[];
  dialogsSeen?: number;
  slotsWithEmptyPool?: number;
  sipp: Record<string, SippStats>;
  sippFailed: number;
  waitedForDialogsMs?: number;
  eventLoop?: { p50: number | null; p99: number | null; max: number | null };
  history?: {
    workflows: number;
    wftWait: Dist | null;
    wftRun: Dist | null;
    actWait: Dist | null;
    actRun: Dist | null;
    wftPerOp: Dist | null;
    firstTask?: { toStarted: Dist | null; startedToPlace: Dist | null; notifyToCompleted: Dist | null; completedToAnswer: Dist | null };
  };
  /** Operation workflows that ended during the step, by status. */
  workflows?: Record<string, number>;
}

const d = (x: Dist | null | undefined) => (x ? `${x.p50} / ${x.p90} / ${x.p99} / ${x.max}` : '–');
const p50 = (x: Dist | null | undefined) => (x ? String(x.p50) : '–');

export function summarize(run: Record<string, unknown>, steps: Step[]): string {
  const out: string[] = [];
  const p = (s = '') => out.push(s);
  p(`Run ${String(run.date)}; ${String(run.machine)}; load average at the start ${String(run.loadAtStart)}; Temporal: ${String(run.temporal)}.`);
  const post = steps.filter((s) => s.kind === 'post');
  if (post.length) {
    p();
    p('**POST: answer time, SIP time inside it, overhead (ms: p50 / p90 / p99 / max)**');
    p();
    p('| mode | offered/s | ops | failed (API / SIPp) | in flight mean/max | answer time | SIP time | overhead | load avg |');
    p('|---|---|---|---|---|---|---|---|---|');
    for (const s of post) {
      p(`| ${s.mode} | ${s.rate} | ${s.ops} | ${s.failedOps} / ${s.sippFailed} | ${s.concurrency.mean} / ${s.concurrency.max} | ${d(s.figures.latency)} | ${d(s.figures.sip)} | ${d(s.figures.overhead)} | ${s.load.split(' ')[0]} |`);
    }
    p();
    p('**Where the time goes (medians, ms)**: request → placeCall on the node; INVITE → 2xx; 2xx → sendRefer on the node; REFER → NOTIFY 200; NOTIFY 200 → answer. Signal: SipEventRouter.deliver of the 2xx / of the NOTIFY 200 (p50, p99).');
    p();
    p('| mode | offered/s | → placeCall | INVITE → 2xx | 2xx → sendRefer | REFER → NOTIFY 200 | NOTIFY 200 → answer | signal 2xx p50/p99 | signal NOTIFY 200 p50/p99 |');
    p('|---|---|---|---|---|---|---|---|---|');
    for (const s of post) {
      const f = s.figures;
      p(`| ${s.mode} | ${s.rate} | ${p50(f.toPlace)} | ${p50(f.invite)} | ${p50(f.answeredToRefer)} | ${p50(f.refer)} | ${s.mode >= 4 ? p50(f.notifyToAnswer) : '(before)'} | ${f.answeredSignal ? `${f.answeredSignal.p50}/${f.answeredSignal.p99}` : '–'} | ${f.notify200Signal ? `${f.notify200Signal.p50}/${f.notify200Signal.p99}` : '–'} |`);
    }
  }
  const refer = steps.filter((s) => s.kind === 'refer');
  if (refer.length) {
    p();
    p(`**REFER (blind transfer) of live SIPp calls, response_mode ${refer[0]!.mode} (ms: p50 / p90 / p99 / max)**`);
    p();
    p('| offered/s | ops | answered/s | failed (API / SIPp) | in flight mean/max | answer time | SIP time | overhead | load avg |');
    p('|---|---|---|---|---|---|---|---|---|');
    for (const s of refer) {
      p(`| ${s.rate} | ${s.ops} | ${s.answeredPerS} | ${s.failedOps}${s.notSent ? ` (${s.notSent} not sent)` : ''} / ${s.sippFailed} | ${s.concurrency.mean} / ${s.concurrency.max} | ${d(s.figures.latency)} | ${d(s.figures.sip)} | ${d(s.figures.overhead)} | ${s.load.split(' ')[0]} |`);
    }
    // Zero failures is not enough: past the limit the answers fall behind the offered rate (the
    // backlog grows for as long as the step lasts), so a step counts only if they kept up (≥ 90 %).
    const clean = refer.filter((s) => s.failedOps + s.sippFailed === 0 && s.answeredPerS >= 0.9 * s.rate);
    p();
    for (const s of refer) if (s.dialogsSeen !== undefined) p(`- ${s.name}: ${s.dialogsSeen} live X–Y dialogs found by the list poller; ${s.slotsWithEmptyPool ?? 0} REFERs had to wait for one`);
    p();
    p(`Highest offered REFER rate with zero failures and answers keeping up with it (≥ 90 % of the offered rate): **${clean.length ? Math.max(...clean.map((s) => s.rate)) : 0}/s**.`);
  }
  p();
  p('**Server CPU** (% of one core; whole step: from the first request until every operation of the step was over; while sending: until the last request was sent; machine: every process on both CPUs)');
  p();
  p('| step | window s | node % (main thread) | Temporal dev server % | node ms/op | Temporal ms/op | while sending: node % / Temporal % / machine busy % | event loop p99/max ms |');
  p('|---|---|---|---|---|---|---|---|');
  for (const s of steps) {
    const c = s.cpu;
    const w = s.cpuWhileSending as Cpu | undefined;
    p(`| ${s.name} | ${c.seconds} | ${c.nodePct} (${c.nodeMainPct}) | ${c.temporalPct} | ${c.nodeMsPerOp ?? '–'} | ${c.temporalMsPerOp ?? '–'} | ${w ? `${w.nodePct} / ${w.temporalPct} / ${w.machineBusyPct ?? '–'}` : '–'} | ${s.eventLoop ? `${s.eventLoop.p99}/${s.eventLoop.max}` : '–'} |`);
  }
  p();
  p('**Inside Temporal** (from the histories of up to 30 operations per step; ms, p50 / p99): workflow task scheduled → started (dispatch), started → completed (the worker runs it and answers); the same for activity tasks; workflow tasks per operation (p50, max)');
  p();
  p('| step | workflow task: dispatch | workflow task: run + answer | activity: dispatch | activity: run + answer | workflow tasks per op |');
  p('|---|---|---|---|---|---|');
  const pp = (x: Dist | null | undefined) => (x ? `${x.p50} / ${x.p99}` : '–');
  for (const s of steps) {
    const h = s.history;
    if (h) p(`| ${s.name} | ${pp(h.wftWait)} | ${pp(h.wftRun)} | ${pp(h.actWait)} | ${pp(h.actRun)} | ${h.wftPerOp ? `${h.wftPerOp.p50}, ${h.wftPerOp.max}` : '–'} |`);
  }
  p();
  p('**The first workflow task, against the operation** (same histories; ms, p50 / p99): request sent → WorkflowExecutionStarted (the API, the client, the start through the dev server); first task started → placeCall on the node (the workflow\'s first activation up to its first local activity); NOTIFY 200 at the node → first task completed and answer → the bench has the answer, where the answer came with the first task');
  p();
  p('| step | request → started | task started → placeCall | NOTIFY 200 → task completed | task completed → answer |');
  p('|---|---|---|---|---|');
  for (const s of steps) {
    const f = s.history?.firstTask;
    if (f) p(`| ${s.name} | ${pp(f.toStarted)} | ${pp(f.startedToPlace)} | ${pp(f.notifyToCompleted)} | ${pp(f.completedToAnswer)} |`);
  }
  p();
  p('**Busiest threads of the node process while sending** (main = the event loop)');
  p();
  for (const s of steps) if (s.busiestThreadsWhileSending) p(`- ${s.name}: ${s.busiestThreadsWhileSending.join(', ')}`);
  p();
  p('**Workflows that ended in each step** (Temporal visibility, by status)');
  p();
  for (const s of steps) if (s.workflows) p(`- ${s.name}: ${Object.entries(s.workflows).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  for (const s of steps.filter((x) => x.failedSamples.length)) p(`\n${s.name}: failures, e.g. ${s.failedSamples.join(' | ')}`);
  return out.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir || !existsSync(join(dir, 'steps.jsonl'))) {
    process.stderr.write('usage: summarize.ts RESULTS_DIR\n');
    process.exit(2);
  }
  const run = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
  const steps = readFileSync(join(dir, 'steps.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Step & { kind: string })
    .filter((s) => s.kind === 'post' || s.kind === 'refer');
  process.stdout.write(summarize(run, steps));
}
