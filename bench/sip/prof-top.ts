// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file, and total
// (inclusive) time of the functions under a path filter.
//   npx tsx bench/sip/prof-top.ts FILE.cpuprofile [--top 40] [--filter /work/main/] [--from MS] [--to MS] [--calls N]
// --from/--to keep only samples in that window (ms from the profile's start), e.g. the load itself;
// --calls N adds µs per call; --callers NAME lists where the time of the functions named NAME comes
// from (the first frames on their stacks that are in --filter). The profile samples wall time of the main thread: a frame's time includes
// any time the thread was descheduled in it (a send that wakes SIPp on a busy 2-core machine).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { callers: { type: 'string' }, calls: { type: 'string' }, top: { type: 'string', default: '40' }, filter: { type: 'string', default: '/work/main/' }, from: { type: 'string' }, to: { type: 'string' } },
});
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: prof-top.ts FILE.cpuprofile [--top N] [--filter PATH] [--from MS] [--to MS]\n');
  process.exit(2);
}
const top = Number(values.top);
const root = values.filter ?? '';
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map<number, ProfileNode>();
const parent = new Map<number, number>();
for (const n of p.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}

const short = (url: string) => url.replace(/^file:\/\//, '').replace(root, '');
const label = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${short(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;

const callers = new Map<string, number>();
const self = new Map<string, number>();
const totalFile = new Map<string, number>();
const selfFile = new Map<string, number>();
const total = new Map<string, number>();
let sum = 0;
let idle = 0;
let t = 0;
const from = values.from === undefined ? -Infinity : Number(values.from) * 1000;
const to = values.to === undefined ? Infinity : Number(values.to) * 1000;
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i] ?? 0;
  t += dt;
  if (t < from || t > to) continue;
  const node = byId.get(p.samples[i]!);
  if (!node) continue;
  const f = node.callFrame;
  if (f.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  sum += dt;
  self.set(label(f), (self.get(label(f)) ?? 0) + dt);
  if (values.callers !== undefined) {
    let hit = false;
    const chain: string[] = [];
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const fr = byId.get(id)!.callFrame;
      if (!hit && fr.functionName === values.callers) hit = true;
      else if (hit && fr.url.includes(root) && !fr.url.includes('node_modules')) chain.push(label(fr));
      if (chain.length === 3) break;
    }
    if (hit) callers.set(chain.join(' < ') || '(no caller in the filter)', (callers.get(chain.join(' < ') || '(no caller in the filter)') ?? 0) + dt);
  }
  const fileKey = f.url ? short(f.url) : `(${f.functionName})`;
  selfFile.set(fileKey, (selfFile.get(fileKey) ?? 0) + dt);
  // Inclusive: every distinct frame on the stack, once.
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const fr = byId.get(id)!.callFrame;
    const k = label(fr);
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + dt);
  }
  // Inclusive by file: the sample counts once for every file on its stack.
  const files = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const fr = byId.get(id)!.callFrame;
    files.add(fr.url ? short(fr.url) : `(${fr.functionName})`);
  }
  for (const fk of files) totalFile.set(fk, (totalFile.get(fk) ?? 0) + dt);
}

const calls = values.calls === undefined ? 0 : Number(values.calls);
const pct = (us: number) => `${((100 * us) / sum).toFixed(1).padStart(5)} %${calls ? ` ${(us / calls).toFixed(0).padStart(5)} µs/call` : ''}`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
const print = (title: string, m: Map<string, number>, keep: (k: string) => boolean = () => true) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${ms(v)} ${pct(v)}  ${k}\n`);
};

process.stdout.write(`${file}: ${(sum / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle (window ${values.from ?? 'start'}..${values.to ?? 'end'} ms)\n`);
if (values.callers !== undefined) print(`where the time of ${values.callers} comes from`, callers);
print('self time by function', self);
print('self time by file', selfFile);
print('total (inclusive) time by file', totalFile, (k) => !k.includes('node_modules'));
print(`total (inclusive) time, functions in ${root || 'any file'}`, total, (k) => !k.includes('node_modules') && !k.includes('node:') && /\.ts:\d+$/.test(k));
