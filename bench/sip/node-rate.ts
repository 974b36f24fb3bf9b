// The call path alone, for quick A/B runs (docs/benchmarks.md, "SIP call setup"): a SIP node started
// in this process as the server starts it (LOG_LEVEL=warn logger, the call store with the API's
// followers of it: the account index and the JSON cache), without Temporal or the HTTP API, driven by
// the bench's SIPp scenarios (uac-rate.xml → node → uas-rate.xml) at one rate. Prints the main
// thread's CPU per call (from /proc), the process's, GC time, and what SIPp counted.
//   flock /tmp/callctl-bench.lock npx tsx bench/sip/node-rate.ts [TREE] [--rate 400] [--seconds 20] [--prof FILE]
// TREE defaults to this checkout (another one, e.g. a `git worktree` of the base, compares code).
// --prof writes a .cpuprofile of the measured window (read it with prof-top.ts); --heap FILE the
// sampled allocations of that window (V8's sampling heap profiler, every 32 KiB on average) with the
// bytes allocated per call by function printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rate: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '20' },
    prof: { type: 'string' },
    heap: { type: 'string' },
    snapshot: { type: 'string' },
    'sip-port': { type: 'string', default: '5160' },
    'uas-port': { type: 'string', default: '5190' },
    'uac-port': { type: 'string', default: '5170' },
  },
});
const root = resolve(positionals[0] ?? new URL('../..', import.meta.url).pathname);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const sipPort = Number(values['sip-port']);
const uasPort = Number(values['uas-port']);
const uacPort = Number(values['uac-port']);
const here = new URL('.', import.meta.url).pathname;

const { startSipNode } = await import(`${root}/b2bua/index.ts`);
const { testConfig } = await import(`${root}/test/sip/helpers/node.ts`);
const { CallStore } = await import(`${root}/store/call-store.ts`);
const { CallEventBus } = await import(`${root}/events/call-events.ts`);
const { createLogger } = await import(`${root}/lib/log.ts`);
const { AccountIndex } = await import(`${root}/api/account-index.ts`);
const { followStore } = await import(`${root}/api/dialog-json.ts`);

const dir = mkdtempSync(join(tmpdir(), 'callctl-node-rate-'));
const config = testConfig(sipPort, dir, { statics: { sip2: `sip:127.0.0.1:${uasPort}` }, mediaPorts: [20000, 29999], tcp: false });
config.sip.digestAlgorithms = ['MD5', 'SHA-256'];
const store = new CallStore();
AccountIndex.of(store);
followStore(store);
const events = new CallEventBus();
const logger = createLogger({ level: 'warn', sink: (line: string) => process.stderr.write(line + '\n') });
const node = await startSipNode({ config, store, events, logger: logger.child('sip'), digestAlgorithms: ['MD5', 'SHA-256'] });

/** utime + stime of this process's main thread, in clock ticks (100 per second). */
function mainTicks(): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function sipp(name: string, args: string[]): Promise<{ code: number | null; csv: string }> {
  const csv = join(dir, `${name}.csv`);
  const p = spawn('sipp', [...args, '-i', '127.0.0.1', '-nostdin', '-timeout', `${seconds + 60}s`, '-trace_stat', '-stf', csv, '-fd', '1', '-buff_size', '4194304'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((res) =>
    p.on('exit', (code) => {
      if (code !== 0) process.stderr.write(`sipp ${name} exited ${code}: ${err.slice(0, 2000)}\n`);
      res({ code, csv });
    }),
  );
}

interface HeapNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: HeapNode[];
}

/** Bytes allocated per call by function (self), from the sampling heap profile. */
function printAllocations(heap: { head: HeapNode; samples: { size: number; nodeId: number }[] }, calls: number): void {
  const byId = new Map<number, HeapNode>();
  const walk = (n: HeapNode): void => {
    byId.set(n.id, n);
    n.children.forEach(walk);
  };
  walk(heap.head);
  const self = new Map<string, number>();
  let sum = 0;
  for (const s of heap.samples) {
    const f = byId.get(s.nodeId)?.callFrame;
    const key = f ? `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\//, '').replace(root + '/', '')}:${f.lineNumber + 1}` : '?';
    self.set(key, (self.get(key) ?? 0) + s.size);
    sum += s.size;
  }
  process.stdout.write(`allocated: ${Math.round(sum / calls)} bytes per call (sampled)\n`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45)) {
    process.stdout.write(`${String(Math.round(v / calls)).padStart(7)} B/call  ${k}\n`);
  }
}

function lastStats(csv: string): Record<string, string> {
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(head.map((h, i) => [h, last[i] ?? '']));
}

async function run(label: string, r: number, n: number, measure: boolean): Promise<void> {
  const uas = sipp(`${label}-uas`, ['-sf', `${here}uas-rate.xml`, '-p', String(uasPort), '-mp', '16600', '-m', String(n)]);
  await new Promise((r2) => setTimeout(r2, 500));
  let gcMs = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  let session: Session | undefined;
  if (measure) {
    obs.observe({ entryTypes: ['gc'] });
    if (values.prof || values.heap) {
      session = new Session();
      session.connect();
    }
    if (session && values.heap) {
      await session.post('HeapProfiler.enable');
      // Keep what GC collected too: the point is what was allocated, not what survived.
      await session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
    if (session && values.prof) {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
  }
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const m0 = mainTicks();
  const c0 = process.cpuUsage();
  const uac = await sipp(`${label}-uac`, [
    `127.0.0.1:${sipPort}`, '-sf', `${here}uac-rate.xml`, '-s', '12', '-au', 'sip1', '-ap', 'secret1', '-auth_uri', '12@test.rootdomain.ru',
    '-p', String(uacPort), '-mp', '18600', '-r', String(r), '-m', String(n), '-d', '1000',
  ]);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const mainS = (mainTicks() - m0) / 100;
  const cpu = process.cpuUsage(c0);
  let heap: { head: HeapNode; samples: { size: number; nodeId: number }[] } | undefined;
  if (session && values.prof) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(values.prof, JSON.stringify(profile));
  }
  if (session && values.heap) {
    heap = (await session.post('HeapProfiler.stopSampling')).profile as unknown as typeof heap;
    writeFileSync(values.heap, JSON.stringify(heap));
  }
  session?.disconnect();
  obs.disconnect();
  await uas;
  const s = lastStats(uac.csv);
  const ok = Number(s['SuccessfulCall(C)']);
  const failed = Number(s['FailedCall(C)']);
  if (!measure) {
    process.stdout.write(`${label}: ${ok} ok, ${failed} failed\n`);
    return;
  }
  if (heap) printAllocations(heap, ok);
  // What the calls just made still hold 6 s after the step, once Timers I and K (5 s) are past and
  // while Timers L, M and J (32 s) keep their transactions: the heap after a full GC, per call of
  // the step (node --expose-gc only).
  const gc = (globalThis as { gc?: () => void }).gc;
  let heldKiBPerCall: number | undefined;
  if (gc) {
    await new Promise((r2) => setTimeout(r2, 6000));
    gc();
    heldKiBPerCall = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024 / ok * 10) / 10;
    if (values.snapshot) writeHeapSnapshot(values.snapshot);
  }
  const procS = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    JSON.stringify({
      tree: root,
      rate: r,
      calls: n,
      ok,
      failed,
      retrans: Number(s['Retransmissions(C)']),
      wallS: Math.round(wallS * 100) / 100,
      mainThreadPct: Math.round((1000 * mainS) / wallS) / 10,
      mainMsPerCall: Math.round((100_000 * mainS) / ok) / 100,
      processMsPerCall: Math.round((100_000 * procS) / ok) / 100,
      gcMsPerCall: Math.round((100 * gcMs) / ok) / 100,
      heldKiBPerCall,
      setupMs: s['ResponseTime1(C)'],
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    }) + '\n',
  );
}

try {
  await run('warm', 100, 500, false);
  await new Promise((r) => setTimeout(r, 2000));
  await run('measure', rate, rate * seconds, true);
  // Calls end once their BYE is answered; give the last ones a moment before stopping.
  await new Promise((r) => setTimeout(r, 1500));
} finally {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
