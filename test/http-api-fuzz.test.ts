// The HTTP front end and the API app together, over real sockets, under mutated raw requests:
// request lines with the seed's verbs, headers, query strings and bodies (Content-Length, chunked,
// Expect, pipelined pairs, the event stream's SSE and WebSocket ways in) changed byte by byte. Each
// connection gets an answer (an HTTP response in the error shape of the spec) or is closed; never a
// 500, never an error in the log; afterwards the server answers a plain request as before, and with
// a live event bus every stream client that hung up is gone from it. The parser is fuzzed on its
// own (http/request-parser.fuzz.test.ts) and the app on its own (api/app-fuzz.test.ts); this checks
// the joint between them. Seeded: FUZZ_SEED=<n>, FUZZ_REQUESTS=<n>; FUZZ_STATS=1 prints statuses.
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventsUpgradeHandler } from '../api/event-ws.ts';
import { captureLogger, ids, makeApp, stubPorts, testConfig } from '../api/test-helpers.ts';
import { CallEventBus } from '../events/call-events.ts';
import { createHttpFrontEnd, type HttpFrontEnd } from '../http/server.ts';
import { seededRandom } from '../lib/seeded-random.ts';
import { mutateBytes } from './helpers/mutate-bytes.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1_500);

const CALLS = '/rest/v1/user/sip/calls';
const AUTH = 'Authorization: Bearer alice-token\r\n';
const json = (verb: string, path: string, body: string) =>
  `${verb} ${path} HTTP/1.1\r\nHost: t\r\n${AUTH}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const SEEDS = [
  `GET ${CALLS}?filter=${encodeURIComponent('{"status":"dialog"}')}&mask=dialogid,status&limit=5&order=-startts HTTP/1.1\r\nHost: t\r\n${AUTH}\r\n`,
  `GET ${CALLS}/${ids.A1}?flat=true HTTP/1.1\r\nHost: t\r\n${AUTH}Connection: close\r\n\r\n`,
  `HEAD ${CALLS}/${ids.A1} HTTP/1.1\r\nHost: t\r\n${AUTH}\r\n`,
  json('LOOKUP', CALLS, `{"dialogid":"${ids.A1}"}`),
  json('POST', CALLS, '{"from":"11","to":"13","response_mode":0}'),
  json('REFER', `${CALLS}/${ids.A1}`, '{"referto":"13"}'),
  json('SETUP_BINDINGS', `${CALLS}/${ids.A1}`, '{"cmd":"add","binding":"vip"}'),
  `DELETE ${CALLS}/${ids.A1} HTTP/1.1\r\nHost: t\r\n${AUTH}Content-Length: 0\r\n\r\n`,
  `POST ${CALLS} HTTP/1.1\r\nHost: t\r\n${AUTH}X-HTTP-Method-Override: LOOKUP\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"callid":"abc"}\r\n0\r\n\r\n`,
  `POST ${CALLS} HTTP/1.1\r\nHost: t\r\n${AUTH}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}`,
  `GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET ${CALLS}/${ids.B1} HTTP/1.1\r\nHost: t\r\n${AUTH}\r\n`,
  // The event stream: 1503 where the process has no SIP node; with one, a stream we hang up on.
  `GET /rest/v1/user/sip/events HTTP/1.1\r\nHost: t\r\n${AUTH}Accept: text/event-stream\r\n\r\n`,
  `GET /rest/v1/user/sip/events HTTP/1.1\r\nHost: t\r\n${AUTH}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
];

const INTERESTING = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x2f, 0x3a, 0x3b, 0x3d, 0x3f, 0x7b, 0x7d, 0x7f, 0x80, 0xff, 0x30, 0x39];

const mutate = (buf: Buffer, rnd: () => number): Buffer => mutateBytes(buf, rnd, { interesting: INTERESTING, maxRun: 30 });

/** Sends `bytes` on a new connection, ends its side, and returns what came back by the close (or after 2 s, or once a stream opened). */
function exchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = createConnection({ host: '127.0.0.1', port, allowHalfOpen: true }, () => s.end(bytes));
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, 2_000);
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      // An upgraded WebSocket or an open event stream does not end by itself: we hang up.
      const head = Buffer.concat(chunks).toString('latin1');
      if (head.includes('\r\n\r\n') && (head.startsWith('HTTP/1.1 101') || /content-type: text\/event-stream/i.test(head))) done();
    });
    s.on('close', done);
    s.on('error', done);
  });
}

/** An API process without a SIP node (events answer 1503), and one with a node's event bus. */
let bare: { fe: HttpFrontEnd; port: number };
let withEvents: { fe: HttpFrontEnd; port: number; bus: CallEventBus };
const log = captureLogger();

beforeAll(async () => {
  const { ops, control } = stubPorts();
  const app = makeApp({ logger: log.logger, operations: ops, calls: control }).app;
  const fe = createHttpFrontEnd({ fetch: (req, env) => app.fetch(req, env), logger: log.logger, closeGraceMs: 200 });
  bare = { fe, port: (await fe.listen(0, '127.0.0.1')).port };

  const bus = new CallEventBus();
  const live = makeApp({ logger: log.logger, operations: ops, calls: control, events: bus }).app;
  const fe2 = createHttpFrontEnd({ fetch: (req, env) => live.fetch(req, env), logger: log.logger, closeGraceMs: 200 });
  fe2.onUpgrade(createEventsUpgradeHandler({ config: testConfig(), events: bus, logger: log.logger, fallback: (socket) => fe2.handle(socket) }));
  withEvents = { fe: fe2, port: (await fe2.listen(0, '127.0.0.1')).port, bus };
});

afterAll(async () => {
  await Promise.all([bare?.fe.close(), withEvents?.fe.close()]);
});

/** Sends REQUESTS mutated seeds to `port`; the status lines that came back, and what broke the rules. */
async function storm(port: number, seed: number): Promise<{ statuses: Map<string, number>; bad: string[] }> {
  const rnd = seededRandom(seed);
  const statuses = new Map<string, number>();
  const bad: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const picked = Buffer.from(SEEDS[Math.floor(rnd() * SEEDS.length)]!, 'latin1');
    const reply = await exchange(port, rnd() < 0.1 ? picked : mutate(picked, rnd));
    // Every response in the reply (pipelined requests get one each).
    for (const m of reply.matchAll(/HTTP\/1\.1 (\d{3})[^\r]*\r\n((?:[^\r]+\r\n)*)\r\n/g)) {
      const status = Number(m[1]);
      statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
      if (status >= 500 && status !== 503 && status !== 501 && status !== 505) bad.push(m[0].split('\r\n')[0]!);
      // An error the API or the front end wrote has the spec's JSON body.
      if (status >= 400 && !/content-type: application\/json/i.test(m[2]!)) bad.push(`${m[0].split('\r\n')[0]!} without a JSON body`);
    }
  }
  if (process.env.FUZZ_STATS) console.log([...statuses].sort((a, b) => b[1] - a[1]));
  return { statuses, bad };
}

/** A plain GET one still answers. */
async function stillServing(port: number): Promise<void> {
  const after = await exchange(port, Buffer.from(`GET ${CALLS}/${ids.A1} HTTP/1.1\r\nHost: t\r\n${AUTH}Connection: close\r\n\r\n`, 'latin1'));
  expect(after).toMatch(/^HTTP\/1\.1 200 /);
  expect(after).toContain(`"dialogid":"${ids.A1}"`);
}

const errorsLogged = () => log.lines.filter((l) => / error /.test(l.slice(0, 40)));

describe('the front end and the API app under mutated raw requests', () => {
  it('answer in the error shape or close, never 500, log no error, and go on serving', async () => {
    const { statuses, bad } = await storm(bare.port, SEED);
    expect(bad).toEqual([]);
    expect(statuses.get('400') ?? 0).toBeGreaterThan(0);
    expect(statuses.get('200') ?? 0).toBeGreaterThan(0);
    expect(errorsLogged()).toEqual([]);
    await stillServing(bare.port);
  }, 120_000);

  it('with a live event bus: the same, event streams open and close, and every client that hung up is gone from the bus', async () => {
    const { statuses, bad } = await storm(withEvents.port, SEED + 1);
    expect(bad).toEqual([]);
    expect(statuses.get('101') ?? 0).toBeGreaterThan(0);
    expect(errorsLogged()).toEqual([]);
    await stillServing(withEvents.port);
    const deadline = Date.now() + 5_000;
    while (withEvents.bus.subscribers > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(withEvents.bus.subscribers).toBe(0);
  }, 120_000);
});
