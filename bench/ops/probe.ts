// A read-only probe loaded into the real server (bench/ops/probe-preload.mjs, main thread only): it
// times the SIP exchanges of the operations' service calls from the server's side, so the benchmark
// can take them out of the API's answer time. The server's code is not changed: three methods are
// wrapped on their prototypes (same module URLs as the server's, so the same classes):
//   - TransactionLayer.sendRequest: when an INVITE or REFER of a service call (Call-ID rIV-…) is
//     handed to the transaction layer (its first transmission follows at once);
//   - ServiceCalls.placeCall / sendRefer: when the activity reached the node;
//   - ServiceCalls.onServiceCallEvent: the callback the server registers (SipEventRouter.deliver) is
//     wrapped, so each event (2xx, REFER 202, NOTIFY sipfrag) is timed when the node hands it over.
// Times are wall-clock milliseconds with sub-millisecond precision (performance.timeOrigin + now()),
// comparable with the benchmark process's own.
// On SIGWINCH the records so far are appended to $BENCH_OPS_PROBE_FILE, one JSON line each, followed
// by a summary line ({kind: 'summary', liveServiceCalls, eventLoop…}), and forgotten. Not SIGUSR2:
// the Temporal SDK's Runtime takes SIGUSR2 as a shutdown signal (its default shutdownSignals are
// SIGINT, SIGTERM, SIGQUIT, SIGUSR2) and stops the server's workers without a log line.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ServiceCalls, type ServiceCallDeliver } from '../../b2bua/service-calls.ts';
import { TransactionLayer } from '../../sip/transaction/transaction-layer.ts';

const file = process.env.BENCH_OPS_PROBE_FILE;
const now = () => performance.timeOrigin + performance.now();

/** One service call, by Call-ID. */
interface CallRecord {
  kind: 'call';
  callid: string;
  workflowId?: string;
  /** placeCall entered (the activity ran on the node). */
  placeAt?: number;
  replaces?: boolean;
  /** The INVITE handed to the transaction layer. */
  inviteAt?: number;
  provisionalAt?: number;
  answeredAt?: number;
  failedAt?: number;
  failedStatus?: number;
  /** sendRefer entered. */
  referCallAt?: number;
  /** The REFER handed to the transaction layer. */
  referAt?: number;
  referAcceptedAt?: number;
  /** Each NOTIFY's sipfrag status, with when the node delivered it. */
  notifies: Array<{ at: number; status: number }>;
  byeAt?: number;
  /** Every event, with how long SipEventRouter.deliver took to signal the workflow (ms). */
  events: Array<{ type: string; status?: number; at: number; signalMs?: number; result?: string }>;
}

const records = new Map<string, CallRecord>();
const record = (callid: string): CallRecord => {
  let r = records.get(callid);
  if (!r) records.set(callid, (r = { kind: 'call', callid, notifies: [], events: [] }));
  return r;
};
let instance: ServiceCalls | undefined;

const sendRequest = TransactionLayer.prototype.sendRequest;
TransactionLayer.prototype.sendRequest = function (this: TransactionLayer, ...args: Parameters<typeof sendRequest>) {
  const [req] = args;
  const callid = req.callId;
  if (callid?.startsWith('rIV-')) {
    if (req.method === 'INVITE') record(callid).inviteAt ??= now();
    else if (req.method === 'REFER') record(callid).referAt ??= now();
  }
  return sendRequest.apply(this, args);
};

const placeCall = ServiceCalls.prototype.placeCall;
ServiceCalls.prototype.placeCall = function (this: ServiceCalls, ...args: Parameters<typeof placeCall>) {
  // eslint-disable-next-line @typescript-eslint/no-this-alias -- the summary reads the node's live call count
  instance = this;
  const [request, ctx] = args;
  const r = record(request.callid);
  r.placeAt ??= now();
  r.workflowId = ctx.workflowId;
  if (request.replaces !== undefined) r.replaces = true;
  return placeCall.apply(this, args);
};

const sendRefer = ServiceCalls.prototype.sendRefer;
ServiceCalls.prototype.sendRefer = function (this: ServiceCalls, ...args: Parameters<typeof sendRefer>) {
  record(args[0].callid).referCallAt ??= now();
  return sendRefer.apply(this, args);
};

const onServiceCallEvent = ServiceCalls.prototype.onServiceCallEvent;
ServiceCalls.prototype.onServiceCallEvent = function (this: ServiceCalls, deliver: ServiceCallDeliver) {
  const timed: ServiceCallDeliver = (callid, event) => {
    const at = now();
    const r = record(callid);
    switch (event.type) {
      case 'sip.provisional':
        r.provisionalAt ??= at;
        break;
      case 'sip.answered':
        r.answeredAt ??= at;
        break;
      case 'sip.failed':
        r.failedAt ??= at;
        r.failedStatus = event.status;
        break;
      case 'refer.accepted':
        r.referAcceptedAt ??= at;
        break;
      case 'notify.sipfrag': {
        const m = /^SIP\/2\.0 (\d{3})/.exec(event.sipfrag);
        r.notifies.push({ at, status: m ? Number(m[1]) : 0 });
        break;
      }
      case 'sip.bye':
        r.byeAt ??= at;
        break;
      default:
        break;
    }
    const e: CallRecord['events'][number] = { type: event.type, at };
    if ('status' in event && typeof event.status === 'number') e.status = event.status;
    else if (event.type === 'notify.sipfrag') e.status = r.notifies.at(-1)?.status;
    r.events.push(e);
    const out = deliver(callid, event);
    if (out instanceof Promise) {
      out.then(
        (d: unknown) => {
          e.signalMs = now() - at;
          e.result = (d as { status?: string } | undefined)?.status;
        },
        () => (e.result = 'threw'),
      );
    }
    return out;
  };
  return onServiceCallEvent.call(this, timed);
};

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4 - 1000) / 100) : null);

if (file) {
  process.on('SIGWINCH', () => {
    const lines = [...records.values()].map((r) => JSON.stringify(r));
    records.clear();
    lines.push(
      JSON.stringify({
        kind: 'summary',
        t: now(),
        liveServiceCalls: instance?.size ?? 0,
        // Beyond the 10 ms sampling timer, since the previous summary.
        eventLoopDelayMs: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max) },
      }),
    );
    eld.reset();
    appendFileSync(file, lines.join('\n') + '\n');
  });
}
