// A closed-loop HTTP load with wrk (Debian's `wrk`, written in C): N keep-alive connections, each
// sending its next request when the answer is in. Chosen over autocannon for the closed loop: it
// records latency to the microsecond (autocannon: whole milliseconds), and on two vCPUs it leaves the
// server more CPU (its own cost per request is a fraction of a JavaScript generator's).
// The request is set by a generated Lua script; a `done` hook prints one JSON line of results.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** wrk threads (1: the generator stays on one CPU). */
  threads?: number;
  /** Answers slower than this count as timeouts (s). */
  timeout?: number;
}

export interface WrkResult {
  requests: number;
  /** s, as wrk measured it. */
  seconds: number;
  rps: number;
  /** ms, exact to the µs. */
  latency: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
  errors: { connect: number; read: number; write: number; timeout: number };
  /** Answers with a status over 399. */
  non2xx: number;
}

const lua = (s: string) => JSON.stringify(s); // a JSON string is a valid Lua string literal for these values

function script(o: WrkOptions): string {
  const lines = [`wrk.method = ${lua(o.method)}`];
  for (const [k, v] of Object.entries(o.headers)) lines.push(`wrk.headers[${lua(k)}] = ${lua(v)}`);
  if (o.body !== undefined) lines.push(`wrk.body = ${lua(o.body)}`);
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'WRK {"requests":%d,"us":%d,"mean":%f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}\\n\',',
    '    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),',
    '    latency:percentile(99.9), latency.max, e.connect, e.read, e.write, e.timeout, e.status))',
    'end',
  );
  return lines.join('\n') + '\n';
}

export async function wrk(o: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'callctl-wrk-'));
  const file = join(dir, 'request.lua');
  writeFileSync(file, script(o));
  const args = ['-t', String(o.threads ?? 1), '-c', String(o.connections), '-d', `${o.duration}s`, '--timeout', `${o.timeout ?? 5}s`, '-s', file, o.url];
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', (err) => reject(new Error(`wrk could not start (apt-get install wrk): ${err.message}`)));
      child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`wrk exited ${code}: ${stderr.trim() || stdout.trim()}`))));
    });
    const line = out.split('\n').find((l) => l.startsWith('WRK '));
    if (!line) throw new Error(`wrk printed no results: ${out.trim()}`);
    const r = JSON.parse(line.slice(4)) as Record<string, number>;
    const v = (k: string) => r[k] ?? Number.NaN;
    const seconds = v('us') / 1e6;
    return {
      requests: v('requests'),
      seconds,
      rps: v('requests') / seconds,
      latency: { mean: v('mean') / 1000, p50: v('p50') / 1000, p90: v('p90') / 1000, p99: v('p99') / 1000, p999: v('p999') / 1000, max: v('max') / 1000 },
      errors: { connect: v('connect'), read: v('read'), write: v('write'), timeout: v('timeout') },
      non2xx: v('status'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
