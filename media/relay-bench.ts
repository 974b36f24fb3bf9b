// A development benchmark of the media relay (the official one comes later):
//
//   npx tsx media/relay-bench.ts [--sessions 200,500] [--seconds 10] [--pps 50] [--bytes 172]
//                                [--host 127.0.0.1] [--ports 20000-29999] [--json]
//
// This process runs the relay (a MediaManager with N sessions); a child process plays two phones
// per session over loopback, each sending RTP at --pps to its leg and counting what arrives from
// the other. Reported per run: end-to-end loss, packets/s through the relay, the relay process's
// CPU (percent of one core), event-loop delay, and RSS per session.
import { execFileSync, fork } from 'node:child_process';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MediaManager } from './media-manager.ts';
import type { GeneratorReply, GeneratorStart } from './relay-bench-generator.ts';

interface RunResult {
  sessions: number;
  seconds: number;
  sent: number;
  received: number;
  lossPercent: number;
  relayPps: number;
  relayCpuPercent: number;
  generatorCpuPercent: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  rssPerSessionKiB: number;
  heapPerSessionKiB: number;
  relayDropped: number;
  relaySeqLost: number;
  misrouted: number;
  corrupted: number;
  minPerStream: number;
  maxPerStream: number;
  generatorMaxLagMs: number;
  /** How long after the last send the relay still had packets queued. */
  drainMs: number;
  socketsAfterClose: number;
}

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '200,500' },
    seconds: { type: 'string', default: '10' },
    pps: { type: 'string', default: '50' },
    bytes: { type: 'string', default: '172' },
    host: { type: 'string', default: '127.0.0.1' },
    ports: { type: 'string', default: '20000-29999' },
    json: { type: 'boolean', default: false },
  },
});

const [lo, hi] = values.ports.split('-').map(Number) as [number, number];
const opts = {
  seconds: Number(values.seconds),
  pps: Number(values.pps),
  bytes: Number(values.bytes),
  host: values.host,
  ports: [lo, hi] as [number, number],
};

async function runOnce(n: number): Promise<RunResult> {
  const manager = new MediaManager({ host: opts.host, ports: opts.ports });
  const mem0 = process.memoryUsage();
  const sessions = [];
  for (let i = 0; i < n; i++) sessions.push(await manager.createSession(`bench-${i}`, { mediaTimeoutMs: 0 }));

  const child = fork(new URL('./relay-bench-generator.ts', import.meta.url));
  const replies: GeneratorReply[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: GeneratorReply) => {
    replies.push(m);
    wake?.();
  });
  const next = async <T extends GeneratorReply['type']>(type: T): Promise<Extract<GeneratorReply, { type: T }>> => {
    for (;;) {
      const i = replies.findIndex((r) => r.type === type);
      if (i >= 0) return replies.splice(i, 1)[0] as Extract<GeneratorReply, { type: T }>;
      await new Promise<void>((r) => (wake = r));
    }
  };

  const start: GeneratorStart = {
    type: 'start',
    host: opts.host,
    targets: sessions.map((s) => ({ a: s.local('a').rtpPort, b: s.local('b').rtpPort })),
    pps: opts.pps,
    seconds: opts.seconds,
    packetBytes: opts.bytes,
  };
  child.send(start);
  const { phones } = await next('ready');
  sessions.forEach((s, i) => {
    s.setRemote('a', { address: opts.host, rtpPort: phones[i]!.a });
    s.setRemote('b', { address: opts.host, rtpPort: phones[i]!.b });
  });

  // The histogram records the whole sampling interval; the delay is what exceeds it.
  const loopResolutionMs = 10;
  const loop = monitorEventLoopDelay({ resolution: loopResolutionMs });
  let rssMax = 0;
  let heapMax = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rssMax = Math.max(rssMax, m.rss);
    heapMax = Math.max(heapMax, m.heapUsed);
  }, 250);
  child.send({ type: 'go' });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await next('sent');
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  clearInterval(sampler);
  // Packets still queued in socket buffers are late, not lost: wait until the relay goes quiet.
  const forwardedNow = () => manager.sessionStats().reduce((n, st) => n + st.aToB.forwarded + st.bToA.forwarded, 0);
  const drain0 = performance.now();
  for (let last = -1, quiet = 0; quiet < 3 && performance.now() - drain0 < 30_000; ) {
    await new Promise((r) => setTimeout(r, 100));
    const f = forwardedNow();
    quiet = f === last ? quiet + 1 : 0;
    last = f;
  }
  const drainMs = performance.now() - drain0 - 300;
  child.send({ type: 'report' });
  const done = await next('done');
  await new Promise<void>((r) => child.once('exit', () => r()));

  let forwarded = 0;
  let dropped = 0;
  let lost = 0;
  for (const st of manager.sessionStats()) {
    for (const d of [st.aToB, st.bToA]) {
      forwarded += d.forwarded;
      dropped += d.dropped;
      lost += d.lost;
    }
  }
  await manager.closeAll();
  return {
    sessions: n,
    seconds: Math.round(wall) / 1000,
    sent: done.sent,
    received: done.received,
    lossPercent: done.sent === 0 ? 0 : ((done.sent - done.received) / done.sent) * 100,
    relayPps: Math.round(forwarded / (wall / 1000)),
    relayCpuPercent: ((cpu.user + cpu.system) / 1000 / wall) * 100,
    generatorCpuPercent: done.cpuPercent,
    loopDelayP99Ms: Math.max(0, loop.percentile(99) / 1e6 - loopResolutionMs),
    loopDelayMaxMs: Math.max(0, loop.max / 1e6 - loopResolutionMs),
    rssPerSessionKiB: (rssMax - mem0.rss) / 1024 / n,
    heapPerSessionKiB: (heapMax - mem0.heapUsed) / 1024 / n,
    relayDropped: dropped,
    relaySeqLost: lost,
    misrouted: done.misrouted,
    corrupted: done.corrupted,
    minPerStream: done.minPerStream,
    maxPerStream: done.maxPerStream,
    generatorMaxLagMs: done.maxLagMs,
    drainMs: Math.max(0, Math.round(drainMs)),
    socketsAfterClose: manager.socketsOpen,
  };
}

function print(r: RunResult): void {
  const f = (x: number, d = 1) => x.toFixed(d);
  console.log(
    `sessions=${r.sessions} sent=${r.sent} received=${r.received} loss=${f(r.lossPercent, 3)}% relay=${r.relayPps} pkt/s ` +
      `relayCPU=${f(r.relayCpuPercent)}% genCPU=${f(r.generatorCpuPercent)}% loopP99=${f(r.loopDelayP99Ms)}ms loopMax=${f(r.loopDelayMaxMs)}ms ` +
      `rss/session=${f(r.rssPerSessionKiB)}KiB heap/session=${f(r.heapPerSessionKiB)}KiB dropped=${r.relayDropped} seqLost=${r.relaySeqLost} ` +
      `misrouted=${r.misrouted} corrupted=${r.corrupted} perStream=${r.minPerStream}..${r.maxPerStream} genLag=${r.generatorMaxLagMs}ms drain=${r.drainMs}ms ` +
      `socketsAfterClose=${r.socketsAfterClose}`,
  );
}

const sizes = values.sessions.split(',').map(Number);
const results: RunResult[] = [];
if (sizes.length === 1) {
  results.push(await runOnce(sizes[0]!));
} else {
  // One process per size: memory the previous run freed would otherwise flatter the next one's RSS.
  const script = fileURLToPath(import.meta.url);
  for (const n of sizes) {
    const args = [...process.execArgv, script, '--sessions', String(n), '--json', '--seconds', values.seconds, '--pps', values.pps];
    args.push('--bytes', values.bytes, '--host', values.host, '--ports', values.ports);
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const [r] = JSON.parse(out) as RunResult[];
    results.push(r!);
    if (!values.json) print(r!);
  }
}
if (values.json) console.log(JSON.stringify(results, null, 2));
else if (sizes.length === 1) print(results[0]!);
