// Figures of one step of the operations benchmark: per operation, the API's answer time, the time of
// the SIP exchanges it waited for (from the probe's records, bench/ops/probe.ts), and the rest, the
// orchestration overhead; then percentiles over the step.

/** What the probe recorded about one service call (wall-clock ms). */
export interface CallRecord {
  callid: string;
  workflowId?: string;
  placeAt?: number;
  replaces?: boolean;
  inviteAt?: number;
  answeredAt?: number;
  failedAt?: number;
  referCallAt?: number;
  referAt?: number;
  referAcceptedAt?: number;
  notifies: Array<{ at: number; status: number }>;
  events: Array<{ type: string; status?: number; at: number; signalMs?: number; result?: string }>;
}

/** One operation as the benchmark saw it. */
export interface OpRecord {
  i: number;
  /** Wall-clock ms when the request was sent and its answer read. */
  sendAt: number;
  answerAt: number;
  latencyMs: number;
  httpStatus: number;
  result?: string;
  ivrcallid?: string;
  error?: string;
  /** No request went out (no live dialog to transfer): a failure, but no answer time. */
  notSent?: boolean;
}

export interface OpTimes {
  latencyMs: number;
  /** SIP exchanges inside the answer's time: INVITE→2xx and REFER→NOTIFY 200, clipped to it. */
  sipMs: number;
  overheadMs: number;
  /** Request sent → placeCall reached the node (start, workflow task, activity task). */
  toPlaceMs?: number;
  /** INVITE handed to the transaction layer → its 2xx delivered. */
  inviteMs?: number;
  /** 2xx delivered → sendRefer reached the node (signal, workflow task, activity task). */
  answeredToReferMs?: number;
  /** REFER handed to the transaction layer → NOTIFY 200 delivered. */
  referMs?: number;
  /** NOTIFY 200 delivered → the answer read by the benchmark (signal, workflow task, update, HTTP). */
  notifyToAnswerMs?: number;
  /** How long SipEventRouter.deliver took to signal the 2xx, and the NOTIFY 200. */
  answeredSignalMs?: number;
  notify200SignalMs?: number;
}

const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

export function notify200(c: CallRecord): number | undefined {
  return c.notifies.find((n) => n.status >= 200)?.at;
}

export function opTimes(op: OpRecord, c: CallRecord | undefined): OpTimes {
  const t: OpTimes = { latencyMs: op.latencyMs, sipMs: 0, overheadMs: op.latencyMs };
  if (!c) return t;
  const n200 = notify200(c);
  let sip = 0;
  if (c.inviteAt !== undefined && c.answeredAt !== undefined) sip += overlap(c.inviteAt, c.answeredAt, op.sendAt, op.answerAt);
  if (c.referAt !== undefined && n200 !== undefined) sip += overlap(c.referAt, n200, op.sendAt, op.answerAt);
  t.sipMs = sip;
  t.overheadMs = op.latencyMs - sip;
  if (c.placeAt !== undefined) t.toPlaceMs = c.placeAt - op.sendAt;
  if (c.inviteAt !== undefined && c.answeredAt !== undefined) t.inviteMs = c.answeredAt - c.inviteAt;
  if (c.answeredAt !== undefined && c.referCallAt !== undefined) t.answeredToReferMs = c.referCallAt - c.answeredAt;
  if (c.referAt !== undefined && n200 !== undefined) t.referMs = n200 - c.referAt;
  if (n200 !== undefined) t.notifyToAnswerMs = op.answerAt - n200;
  t.answeredSignalMs = c.events.find((e) => e.type === 'sip.answered')?.signalMs;
  t.notify200SignalMs = c.events.find((e) => e.type === 'notify.sipfrag' && (e.status ?? 0) >= 200)?.signalMs;
  return t;
}

export interface Dist {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles, rounded to 0.1 ms. */
export function dist(values: Array<number | undefined>): Dist | null {
  const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const at = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: v.length, p50: r(at(50)), p90: r(at(90)), p99: r(at(99)), max: r(v.at(-1)!), mean: r(v.reduce((a, b) => a + b, 0) / v.length) };
}

export function stepFigures(times: OpTimes[]) {
  const pick = (k: keyof OpTimes) => dist(times.map((t) => t[k]));
  return {
    latency: pick('latencyMs'),
    sip: pick('sipMs'),
    overhead: pick('overheadMs'),
    toPlace: pick('toPlaceMs'),
    invite: pick('inviteMs'),
    answeredToRefer: pick('answeredToReferMs'),
    refer: pick('referMs'),
    notifyToAnswer: pick('notifyToAnswerMs'),
    answeredSignal: pick('answeredSignalMs'),
    notify200Signal: pick('notify200SignalMs'),
  };
}

/** The most operations answered-but-not-yet at any moment, and the mean (Little's law). */
export function concurrency(ops: OpRecord[]): { max: number; mean: number } {
  const edges = ops.flatMap((o) => [
    [o.sendAt, 1],
    [o.answerAt, -1],
  ]) as Array<[number, number]>;
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (cur += d));
  const span = Math.max(...ops.map((o) => o.answerAt)) - Math.min(...ops.map((o) => o.sendAt));
  const busy = ops.reduce((a, o) => a + o.latencyMs, 0);
  return { max, mean: span > 0 ? Math.round((10 * busy) / span) / 10 : 0 };
}
