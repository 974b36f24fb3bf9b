// Prints the tables of one bench/sip/run.sh results folder as Markdown (for docs/benchmarks.md).
//   npx tsx bench/sip/summarize.ts bench/sip/results/<UTC time>
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: summarize.ts RESULTS_DIR\n');
  process.exit(2);
}

interface Cpu {
  cpuS: number;
  elapsedS: number;
  pct: number;
}
interface Step {
  target: 'server' | 'kamailio';
  /** SIP node processes sharing the rate (run.sh NODES; absent in runs before it). */
  nodes?: number;
  rate: number;
  calls: number;
  load: string;
  serverCpuPct: number;
  mainThreadCpuPct: number | null;
  serverCpuMsPerCall: number | null;
  successful: number;
  failed: number;
  notCompleted: number;
  uasFailed: number;
  retrans: number;
  uasRetrans: number;
  rtt1Ms: number;
  uacCpu: (Cpu | null)[];
  uasCpu: Cpu | null;
  probe: { eldP99MaxMs: number | null; eldMaxMs: number | null; peakSessions: number | null } | null;
  sipSocketDrops: number;
  udpRcvbufErrors: number;
  serverLog?: { noMediaPorts: number; twoXxNeverAcked: number };
}

const read = <T>(name: string): T | undefined => (existsSync(join(dir, name)) ? (JSON.parse(readFileSync(join(dir, name), 'utf8')) as T) : undefined);
const lines = <T>(name: string): T[] =>
  existsSync(join(dir, name))
    ? readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T)
    : [];

const run = read<Record<string, unknown>>('run.json');
const steps = lines<Step>('steps.jsonl');
const idle = lines<{ run: string; idleCpuPct: number; idleMainThreadPct: number }>('idle.jsonl');
const conc = read<Record<string, never>>('concurrency.json');
const kamConc = read<Record<string, never>>('kamailio-concurrency.json');

const out: string[] = [];
const p = (s = '') => out.push(s);
const f1 = (n: number | null | undefined) => (n === null || n === undefined ? '–' : (Math.round(n * 10) / 10).toString());
const f2 = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toFixed(2));
const bad = (s: Step) => s.failed + s.notCompleted + s.uasFailed;

if (run) p(`Run ${run.date as string}; ${run.machine as string}; load average at the start ${run.loadAtStart as string}.${run.experimentSipRcvbuf ? ` **EXPERIMENT: SIP socket SO_RCVBUF=${run.experimentSipRcvbuf as string}** (not the server as shipped).` : ''}`);
for (const i of idle) p(`Idle server (${i.run}): ${i.idleCpuPct} % CPU, main thread ${i.idleMainThreadPct} %.`);

const limit = (s: Step): string => {
  const why: string[] = [];
  if (s.sipSocketDrops > 0) why.push(`${s.sipSocketDrops} datagrams dropped at ${s.target === 'server' ? "the server's" : "Kamailio's"} SIP socket${bad(s) ? '' : ', recovered by retransmission'}`);
  if (s.serverLog?.noMediaPorts) why.push(`${s.serverLog.noMediaPorts} calls refused: no free media ports`);
  if (s.serverLog?.twoXxNeverAcked) why.push(`${s.serverLog.twoXxNeverAcked} 200s never ACKed`);
  if (s.target === 'server' && (s.mainThreadCpuPct ?? 0) / (s.nodes ?? 1) >= 80) why.push(`event loop${(s.nodes ?? 1) > 1 ? 's' : ''} near one core`);
  return why.join('; ') || '–';
};

for (const target of ['server', 'kamailio'] as const) {
  const rows = steps.filter((s) => s.target === target);
  if (!rows.length) continue;
  p();
  const nodes = rows[0]?.nodes ?? 1;
  const title = nodes > 1 ? `**callctl (media anchored), ${nodes} SIP nodes** (split roles: one SIPp caller per node, the rate shared; CPU summed over the nodes)` : '**callctl (media anchored)**';
  p(target === 'server' ? title : '**Kamailio (stateful proxy, no media)**');
  p();
  p(`| calls/s | calls | failed | retrans. uac/uas | ${target === 'server' ? 'server CPU % (main thread)' : 'Kamailio CPU %'} | CPU ms/call | SIPp CPU % uac/uas | setup ms | ${target === 'server' ? 'event loop p99/max ms | ' : ''}load avg before | limit |`);
  p(`|---|---|---|---|---|---|---|---|${target === 'server' ? '---|' : ''}---|---|`);
  for (const s of rows) {
    const uacBad = s.failed + s.notCompleted;
    const failed = bad(s) ? `**${uacBad}**${s.uasFailed ? ` (uas ${s.uasFailed})` : ''}` : '0';
    const cpu = target === 'server' ? `${f1(s.serverCpuPct)} (${f1(s.mainThreadCpuPct)})` : f1(s.serverCpuPct);
    const sipp = `${s.uacCpu.map((c) => f1(c?.pct)).join('+')}/${f1(s.uasCpu?.pct)}`;
    const eld = target === 'server' ? `${f1(s.probe?.eldP99MaxMs)}/${f1(s.probe?.eldMaxMs)} | ` : '';
    p(`| ${s.rate} | ${s.calls} | ${failed} | ${s.retrans}/${s.uasRetrans} | ${cpu} | ${f2(s.serverCpuMsPerCall)} | ${sipp} | ${f1(s.rtt1Ms)} | ${eld}${s.load.split(' ')[0]} | ${limit(s)} |`);
  }
  const clean = rows.filter((s) => bad(s) === 0);
  const best = clean.length ? Math.max(...clean.map((s) => s.rate)) : 0;
  p();
  p(`Highest rate with zero failed calls: **${best} calls/s**.`);
}

const bestOf = (t: string) => Math.max(0, ...steps.filter((s) => s.target === t && bad(s) === 0).map((s) => s.rate));
if (bestOf('server') && bestOf('kamailio')) {
  const srv = steps.filter((s) => s.target === 'server' && bad(s) === 0).at(-1)!;
  const kam = steps.filter((s) => s.target === 'kamailio' && bad(s) === 0);
  const kamAt = kam.find((s) => s.rate === 1000) ?? kam[0]!;
  p();
  p(`Ratio of the highest clean rates, Kamailio / callctl: **${f1(bestOf('kamailio') / bestOf('server'))}**. CPU per call: callctl ${f2(srv.serverCpuMsPerCall)} ms at ${srv.rate} calls/s, Kamailio ${f2(kamAt.serverCpuMsPerCall)} ms at ${kamAt.rate} calls/s (${f1((srv.serverCpuMsPerCall ?? 0) / (kamAt.serverCpuMsPerCall ?? 1))}×).`);
}

if (conc) {
  const c = conc as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the JSON run.sh wrote
  p();
  p('**Concurrency with RTP both ways**');
  p();
  p(`| figure | value |`);
  p(`|---|---|`);
  p(`| calls (ramp) | ${c.calls} at ${c.rampCps} calls/s (${c.rampS} s), each held ${c.callHoldMs / 1000} s: all ${c.calls} up together for ${c.allUpS} s |`);
  p(`| failed calls | ${c.failed + c.notCompleted + c.uasFailed} (uac failed ${c.failed}, not completed ${c.notCompleted}, uas failed ${c.uasFailed}); retransmissions ${c.retrans}/${c.uasRetrans} |`);
  p(`| relay sessions at the peak | ${c.peakSessions}, ${c.mid.media.socketsOpen} media sockets |`);
  const all = c.relayAllSessions;
  p(`| relay, every session (counters read at each close) | RTP in ${all.packets}, forwarded ${all.forwarded}, expected from sequence numbers ${all.expected}, lost ${all.lost}, dropped ${all.dropped} (foreign ${all.foreign}, unarmed ${all.unarmed}, no destination ${all.noDestination}); both ways in ${all.bothWays} of ${all.sessions} sessions |`);
  p(`| relay loss | ${all.expected ? f1((100 * all.lost) / all.expected) : '–'} % (${all.lost} of ${all.expected}); drops in the server's media socket buffers ${c.serverMediaSocketDrops} |`);
  p(`| RSS, after a full GC | idle ${Math.round(c.idle.rssKiB / 1024)} MiB → ${Math.round(c.mid.rssKiB / 1024)} MiB with ${c.mid.media.sessions} calls: **${c.rssPerCallKiB} KiB per call** (JS heap ${c.heapPerCallKiB} KiB per call) |`);
  p(`| open files | server ${c.idleFds} idle → ${c.midFds}; SIPp uac ${c.sippUacFds}, uas ${c.sippUasFds}; limit ${(run?.openFileLimit as string) ?? '?'} |`);
  p(`| CPU while all were up | server ${c.serverCpuPct} % of one core (main thread ${c.serverMainThreadPct} %); SIPp uac ${c.sippUacCpuPct} %, uas ${c.sippUasCpuPct} % |`);
  p(`| event loop delay while all were up | p99 (worst second) ${f1(c.eventLoopDuringHold.p99Max)} ms, max ${f1(c.eventLoopDuringHold.max)} ms |`);
  p(`| load average before | ${c.load} |`);
}

if (kamConc) {
  const k = kamConc as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the JSON run.sh wrote
  p();
  p('**Concurrency through Kamailio** (stateful proxy, no media: the SIPps stream to each other)');
  p();
  p(`| figure | value |`);
  p(`|---|---|`);
  p(`| calls (ramp) | ${k.calls} at ${k.rampCps} calls/s (${k.rampS} s), each held ${k.callHoldMs / 1000} s: all ${k.calls} up together for ${k.allUpS} s |`);
  p(`| failed calls | ${k.failed + k.notCompleted + k.uasFailed} (uac failed ${k.failed}, not completed ${k.notCompleted}, uas failed ${k.uasFailed}); retransmissions ${k.retrans}/${k.uasRetrans} |`);
  p(`| memory (PSS of its ${k.processes} processes) | idle ${f1(k.idlePssKiB / 1024)} MiB → ${f1(k.midPssKiB / 1024)} MiB with ${k.calls} calls up: **${k.pssPerCallKiB} KiB per call**; ${f1(k.afterPssKiB / 1024)} MiB after the last BYE |`);
  p(`| CPU | ${k.kamailioCpuPctRamp} % of one core during the ramp, ${k.kamailioCpuPctWhileUp} % while all were up |`);
  p(`| open files | Kamailio ${k.idleFds} → ${k.midFds}; SIPp uac ${k.sippUacFds}, uas ${k.sippUasFds} |`);
  p(`| load average before | ${k.load} |`);
  if (conc) {
    const c = conc as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the JSON run.sh wrote
    p();
    p(`Side by side: failed calls callctl ${c.failed + c.notCompleted + c.uasFailed}, Kamailio ${k.failed + k.notCompleted + k.uasFailed}; memory per call callctl ${c.rssPerCallKiB} KiB (RSS after GC), Kamailio ${k.pssPerCallKiB} KiB (PSS), ratio ${f1(c.rssPerCallKiB / k.pssPerCallKiB)}; CPU while all were up callctl ${c.serverCpuPct} % (relaying RTP), Kamailio ${k.kamailioCpuPctWhileUp} % (no media).`);
  }
}

process.stdout.write(out.join('\n') + '\n');
