// A read-only probe loaded into the real server (bench/sip/probe-preload.mjs, main thread only): the
// server itself is unchanged. On SIGUSR2 it appends one JSON line to $BENCH_PROBE_FILE with
//   On SIGWINCH the same line, after a full garbage collection when node runs with --expose-gc
//   (`gc: true` in the line): for memory per call.
//   - the event-loop delay since the previous line (perf_hooks.monitorEventLoopDelay with a 10 ms
//     timer: the figures are the delay beyond those 10 ms),
//   - RSS and heap,
//   - MediaManager.stats() (sessions, ports, sockets),
//   - with BENCH_PROBE_RELAY=1, the media relay's counters (media/direction-counters.ts): summed over
//     the live relay sessions (MediaManager.sessionStats()), and over the sessions closed so far (each
//     session's stats() read just before its close()).
// An experiment, off unless asked for: BENCH_SIP_RCVBUF=BYTES (with BENCH_SIP_PORT) sets SO_RCVBUF on
// the server's SIP UDP socket once bound (sip/transport/udp-transport.ts leaves the system default,
// 208 KiB here), to test whether drops at that socket are what limits the call rate. This one does
// change the server's behaviour: run.sh says so in its output and results.
// How it reaches the relay: MediaManager.prototype.createSession is wrapped until the first call
// hands over the manager (same module instance as the server's, since the URL is the same), and with
// BENCH_PROBE_RELAY=1 RelaySession.prototype.close is wrapped. Nothing on the packet path is touched.
import dgram from 'node:dgram';
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MediaManager } from '../../media/media-manager.ts';
import { RelaySession, type RelaySessionStats } from '../../media/relay-session.ts';

const file = process.env.BENCH_PROBE_FILE;
const relay = process.env.BENCH_PROBE_RELAY === '1';
const RESOLUTION_MS = 10;

interface Totals {
  sessions: number;
  packets: number;
  forwarded: number;
  expected: number;
  lost: number;
  dropped: number;
  malformed: number;
  foreign: number;
  unarmed: number;
  noDestination: number;
  rtcpPackets: number;
  rtcpForwarded: number;
  /** Sessions with RTP admitted in both directions. */
  bothWays: number;
}

const zero = (): Totals => ({ sessions: 0, packets: 0, forwarded: 0, expected: 0, lost: 0, dropped: 0, malformed: 0, foreign: 0, unarmed: 0, noDestination: 0, rtcpPackets: 0, rtcpForwarded: 0, bothWays: 0 });

function add(t: Totals, s: RelaySessionStats): void {
  t.sessions++;
  for (const d of [s.aToB, s.bToA]) {
    t.packets += d.packets;
    t.forwarded += d.forwarded;
    t.expected += d.expected;
    t.lost += d.lost;
    t.dropped += d.dropped;
    t.malformed += d.malformed;
    t.foreign += d.foreign;
    t.unarmed += d.unarmed;
    t.noDestination += d.noDestination;
    t.rtcpPackets += d.rtcpPackets;
    t.rtcpForwarded += d.rtcpForwarded;
  }
  if (s.aToB.packets > 0 && s.bToA.packets > 0) t.bothWays++;
}

const sipRcvbuf = Number(process.env.BENCH_SIP_RCVBUF ?? 0);
const sipPort = Number(process.env.BENCH_SIP_PORT ?? 0);
if (sipRcvbuf > 0 && sipPort > 0) {
  type Bind = (this: dgram.Socket, ...args: unknown[]) => dgram.Socket;
  const proto = dgram.Socket.prototype as unknown as { bind: Bind };
  const bind = proto.bind;
  proto.bind = function (this: dgram.Socket, ...args: unknown[]) {
    this.once('listening', () => {
      if (this.address().port === sipPort) {
        this.setRecvBufferSize(sipRcvbuf);
        process.stderr.write(`bench probe: SIP socket :${sipPort} SO_RCVBUF set, now ${this.getRecvBufferSize()} bytes\n`);
      }
    });
    return bind.apply(this, args);
  };
}

if (file) {
  const managers = new Set<MediaManager>();
  const closedTotals = zero();
  const counted = new WeakSet<RelaySession>();

  const createSession = MediaManager.prototype.createSession;
  MediaManager.prototype.createSession = function (this: MediaManager, ...args: Parameters<typeof createSession>) {
    managers.add(this);
    MediaManager.prototype.createSession = createSession;
    return createSession.apply(this, args);
  };
  if (relay) {
    const close = RelaySession.prototype.close;
    RelaySession.prototype.close = function (this: RelaySession) {
      if (!counted.has(this)) {
        counted.add(this);
        add(closedTotals, this.stats());
      }
      return close.call(this);
    };
  }

  const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  eld.enable();
  const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4 - RESOLUTION_MS * 100) / 100) : null);

  const writeLine = (gcDone: boolean) => {
    const live = zero();
    let media: ReturnType<MediaManager['stats']> | undefined;
    for (const m of managers) {
      if (relay) for (const s of m.sessionStats()) add(live, s);
      media = m.stats();
    }
    const mem = process.memoryUsage();
    const line = {
      t: Date.now(),
      gc: gcDone,
      rssKiB: Math.round(mem.rss / 1024),
      heapUsedKiB: Math.round(mem.heapUsed / 1024),
      externalKiB: Math.round(mem.external / 1024),
      eventLoopDelayMs: { mean: ms(eld.mean), p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max) },
      media,
      ...(relay && { live, closed: closedTotals }),
    };
    eld.reset();
    appendFileSync(file, JSON.stringify(line) + '\n');
  };
  process.on('SIGUSR2', () => writeLine(false));
  process.on('SIGWINCH', () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    writeLine(gc !== undefined);
    // The collection just blocked the loop: keep that delay out of the next line's figures.
    setTimeout(() => eld.reset(), 100).unref();
  });
}
