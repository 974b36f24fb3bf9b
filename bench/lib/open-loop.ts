// A fixed-rate (open-loop) HTTP/1.1 load generator over keep-alive connections, for latency targets.
//
// A closed loop (autocannon: each connection sends its next request when the answer arrives) slows
// down with the server, so the requests that would have waited are never sent and a stall shows in
// only a few samples ("coordinated omission"). Here every request has an intended send time fixed in
// advance: the k-th request of the run is due at start + k / rate and goes out on connection
// k mod N. A connection still waiting for an answer holds its due requests back, and each request's
// latency runs from its intended send time to the last byte of its answer, so waiting behind a slow
// answer counts, as it would for a client that needed the answer then. The generator's own lateness
// (a due request sent late because this process was busy or descheduled) also counts against the
// server; it is reported separately as send lag so it can be told apart.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface OpenLoopOptions {
  host: string;
  port: number;
  /** The whole request as sent: head and body; each answer must carry Content-Length. */
  request: Buffer;
  connections: number;
  /** Requests per second offered over all connections together. */
  rate: number;
  /** Seconds of load before measuring (answers to requests due then are not recorded). */
  warmup: number;
  /** Seconds of measured load. */
  duration: number;
  /** After the last due request, how long to wait for answers still outstanding (s). */
  drainTimeout?: number;
  /**
   * Requests fall due one by one but leave in batches at most this far apart (ms; 0: each as soon as
   * it is due). Their wait in a batch counts as latency, like any other lateness.
   */
  batchMs?: number;
}

export interface LatencySummary {
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface OpenLoopResult {
  offeredRate: number;
  /** Answers that arrived within the measured window, per second: below the offered rate when it fell behind. */
  achievedRate: number;
  /** Requests due in the measured window. */
  due: number;
  completed: number;
  /** Due but never answered (connection lost, drain timeout). */
  unanswered: number;
  non2xx: number;
  errors: number;
  /** From intended send time to the answer's last byte. */
  latency: LatencySummary;
  /** How late the generator sent requests whose connection was free when they fell due. */
  sendLag: LatencySummary;
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/** Percentiles of `xs` (sorted here), in ms; `xs` holds ms values. */
export function summarize(xs: Float64Array): LatencySummary {
  if (xs.length === 0) return { p50: NaN, p90: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  xs.sort();
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  const at = (q: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))]!;
  let sum = 0;
  for (const x of xs) sum += x;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: xs[xs.length - 1]!, mean: sum / xs.length };
}

/** A growable Float64Array. */
class Samples {
  #a = new Float64Array(1 << 16);
  #n = 0;
  push(x: number): void {
    if (this.#n === this.#a.length) {
      const b = new Float64Array(this.#a.length * 2);
      b.set(this.#a);
      this.#a = b;
    }
    this.#a[this.#n++] = x;
  }
  values(): Float64Array {
    return this.#a.subarray(0, this.#n);
  }
}

/** One keep-alive connection: at most one request in flight, due ones queued behind it. */
class Conn {
  /** Intended send times (performance.now() ms) of requests due and not yet sent, oldest first. */
  queue: number[] = [];
  qhead = 0;
  /** Intended send time of the request in flight, or -1 when idle. */
  inflight = -1;
  /** Receiving: the head so far (when split across reads), or the body bytes still to come. */
  headParts: Buffer[] = [];
  remaining = -1;
  status = 0;
  dead = false;

  constructor(readonly socket: Socket) {}
}

function connectAll(host: string, port: number, n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ host, port, noDelay: true }, () => {
            s.off('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        }),
    ),
  );
}

/** Runs the load; resolves when every due request is answered or the drain timeout has passed. */
export async function openLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  if (!(o.rate > 0) || !(o.connections > 0) || !(o.duration > 0)) throw new Error('open loop: rate, connections and duration must be positive');
  const sockets = await connectAll(o.host, o.port, o.connections);
  const conns = sockets.map((s) => new Conn(s));
  const latencies = new Samples();
  const lags = new Samples();
  const interval = 1000 / o.rate;
  // Start a little ahead, so the first requests are not already late when the loop begins.
  const start = performance.now() + 5;
  const measureFrom = start + o.warmup * 1000;
  const end = measureFrom + o.duration * 1000;
  const total = Math.floor((end - start) / interval);
  let next = 0;
  let due = 0;
  let completed = 0;
  let inWindow = 0;
  let non2xx = 0;
  let errors = 0;
  let unanswered = 0;
  let finish: (() => void) | undefined;

  const send = (c: Conn, intended: number): void => {
    c.inflight = intended;
    c.remaining = -1;
    c.socket.write(o.request);
  };

  const answered = (c: Conn): void => {
    const now = performance.now();
    const intended = c.inflight;
    c.inflight = -1;
    if (now >= measureFrom && now <= end) inWindow++;
    if (intended >= measureFrom) {
      latencies.push(now - intended);
      completed++;
      if (c.status < 200 || c.status > 299) non2xx++;
    }
    if (c.qhead < c.queue.length) {
      // Already due while the previous answer was awaited: goes out now, its wait counted.
      send(c, c.queue[c.qhead++]!);
      if (c.qhead > 1024) {
        c.queue = c.queue.slice(c.qhead);
        c.qhead = 0;
      }
    } else maybeDone();
  };

  const onData = (c: Conn, chunk: Buffer): void => {
    let buf = chunk;
    while (buf.length > 0) {
      if (c.inflight < 0) {
        // Bytes nobody asked for: the framing is off; this connection's figures cannot be trusted.
        errors++;
        kill(c);
        return;
      }
      if (c.remaining < 0) {
        c.headParts.push(buf);
        const head = c.headParts.length === 1 ? buf : Buffer.concat(c.headParts);
        const i = head.indexOf(HEAD_END);
        if (i < 0) return;
        c.headParts = [];
        const text = head.toString('latin1', 0, i);
        c.status = Number(text.slice(9, 12));
        const m = /\r\ncontent-length: *([0-9]+)/i.exec(text);
        if (!m) {
          errors++;
          kill(c);
          return;
        }
        c.remaining = Number(m[1]);
        buf = head.subarray(i + 4);
      }
      const take = Math.min(c.remaining, buf.length);
      c.remaining -= take;
      buf = buf.subarray(take);
      if (c.remaining === 0) answered(c);
    }
  };

  const kill = (c: Conn): void => {
    if (c.dead) return;
    c.dead = true;
    unanswered += (c.inflight >= measureFrom ? 1 : 0) + c.queue.slice(c.qhead).filter((t) => t >= measureFrom).length;
    c.inflight = -1;
    c.queue = [];
    c.qhead = 0;
    c.socket.destroy();
    maybeDone();
  };

  for (const c of conns) {
    c.socket.on('data', (chunk: Buffer) => onData(c, chunk));
    c.socket.on('error', () => errors++);
    c.socket.on('close', () => kill(c));
  }

  const maybeDone = (): void => {
    if (next < total || !finish) return;
    if (conns.every((c) => c.dead || (c.inflight < 0 && c.qhead >= c.queue.length))) finish();
  };

  // Hands out every request due by now; spins on setImmediate, so a request leaves within one
  // event-loop turn of its time (timers would add up to a millisecond each).
  const batch = o.batchMs ?? 0;
  let nextBatch = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (now < nextBatch) {
        setImmediate(tick);
        return;
      }
      nextBatch = now + batch;
      while (next < total) {
        const intended = start + next * interval;
        if (intended > now) break;
        const c = conns[next % conns.length]!;
        next++;
        if (intended >= measureFrom) due++;
        if (c.dead) {
          if (intended >= measureFrom) unanswered++;
          continue;
        }
        if (c.inflight < 0) {
          if (intended >= measureFrom) lags.push(now - intended);
          send(c, intended);
        } else c.queue.push(intended);
      }
      if (next < total) setImmediate(tick);
      else resolve();
    };
    setImmediate(tick);
  });

  // Wait for what is still outstanding, within the drain timeout.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, (o.drainTimeout ?? 10) * 1000);
    finish = () => {
      clearTimeout(timer);
      resolve();
    };
    maybeDone();
  });
  for (const c of conns) {
    if (!c.dead) {
      unanswered += (c.inflight >= measureFrom ? 1 : 0) + c.queue.slice(c.qhead).filter((t) => t >= measureFrom).length;
      c.dead = true;
      c.socket.destroy();
    }
  }

  return {
    offeredRate: o.rate,
    achievedRate: inWindow / o.duration,
    due,
    completed,
    unanswered,
    non2xx,
    errors,
    latency: summarize(latencies.values()),
    sendLag: summarize(lags.values()),
  };
}

/** The raw bytes of a request, as autocannon would send it: Host, the given fields, Content-Length for a body. */
export function rawRequest(method: string, host: string, path: string, headers: Record<string, string>, body?: string): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  if (body !== undefined) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
  return Buffer.from(`${head}\r\n${body ?? ''}`, 'utf8');
}
