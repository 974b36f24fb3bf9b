// Medians of the SDK's steps per workflow run, from a trace written by bench/ops/sdk-trace.ts:
//   npx tsx bench/ops/sdk-trace-summary.ts bench/ops/results/<time>/sdk-trace.jsonl [--skip N]
// (--skip: leave out the first N runs, the warm-up; default 40, the bench's WARMUP_OPS).
import { readFileSync } from 'node:fs';
import { dist } from './stats.ts';

interface TraceLine {
  t: number;
  ev: string;
  runId?: string;
}

const [path, ...rest] = process.argv.slice(2);
if (!path) {
  process.stderr.write('usage: sdk-trace-summary.ts FILE [--skip N]\n');
  process.exit(2);
}
const skipAt = rest.indexOf('--skip');
const skip = skipAt >= 0 ? Number(rest[skipAt + 1]) : 40;

const runs = new Map<string, TraceLine[]>();
for (const line of readFileSync(path, 'utf8').split('\n')) {
  if (!line) continue;
  const e = JSON.parse(line) as TraceLine;
  if (!e.runId) continue;
  let list = runs.get(e.runId);
  if (!list) runs.set(e.runId, (list = []));
  list.push(e);
}

/** ms between the k-th `from` and the k-th `to` of a run, for every k. */
function pairs(events: TraceLine[], from: string, to: string): number[] {
  const a = events.filter((e) => e.ev === from);
  const b = events.filter((e) => e.ev === to);
  return a.flatMap((e, k) => (b[k] ? [b[k].t - e.t] : []));
}

const rows = new Map<string, number[]>();
const add = (name: string, v: number | undefined) => {
  if (v === undefined) return;
  let list = rows.get(name);
  if (!list) rows.set(name, (list = []));
  list.push(v);
};
for (const events of [...runs.values()].slice(skip)) {
  add('create the workflow in its thread', pairs(events, 'create', 'created')[0]);
  pairs(events, 'activate', 'activated').forEach((v, k) => add(`activation ${k + 1}`, v));
  for (const v of pairs(events, 'sinks', 'sinksDone')) add('sink calls (each activation)', v);
  pairs(events, 'complete', 'completed').forEach((v, k) => add(`completion ${k + 1}`, v));
  // From a completion's return to the next activation: a local activity's run and its result's way back.
  const completed = events.filter((e) => e.ev === 'completed');
  const activations = events.filter((e) => e.ev === 'activate');
  completed.forEach((c, k) => add(`completion ${k + 1} → activation ${k + 2}`, activations[k + 1] ? activations[k + 1]!.t - c.t : undefined));
}

process.stdout.write(`${runs.size} runs, ${Math.max(0, runs.size - skip)} after the first ${skip}\n\n| step | runs | p50 ms | p90 ms |\n|---|---|---|---|\n`);
for (const [name, v] of rows) {
  const d = dist(v);
  if (d) process.stdout.write(`| ${name} | ${d.n} | ${d.p50} | ${d.p90} |\n`);
}
