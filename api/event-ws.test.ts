// GET /rest/v1/user/sip/events as a WebSocket, through the front end's upgrade hook, with the `ws`
// client: tokens (header, ?access_token=), 401 in our error shape, scoping, the message format,
// pings, overflow, shutdown, and Upgrade requests that are not ours.
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RawClient } from '../http/test-raw-client.ts';
import { asrEvent, callEvent, closeAll, EVENTS_PATH, openSse, serveEvents, sleep, until, type Served } from './event-test-helpers.ts';
import { eventMessageSchema } from './schema-events.ts';
import { ids, TOKENS } from './test-helpers.ts';

afterEach(closeAll);

interface Client {
  ws: WebSocket;
  messages: unknown[];
  closed: Promise<{ code: number; reason: string }>;
}

function connectWs(s: Served, opts: { token?: string; query?: string; autoPong?: boolean } = {}): Promise<Client> {
  const headers = opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` };
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}${EVENTS_PATH}${opts.query ?? ''}`, { headers, autoPong: opts.autoPong ?? true });
  const messages: unknown[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('error', reject);
  });
}

/** The HTTP answer to an upgrade the server refused. */
function refused(s: Served, opts: { token?: string; query?: string }): Promise<{ status: number; headers: IncomingMessage['headers']; body: unknown }> {
  const headers = opts.token === undefined ? {} : { authorization: opts.token };
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}${EVENTS_PATH}${opts.query ?? ''}`, { headers });
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as unknown }));
    });
  });
}

describe('WebSocket: tokens', () => {
  it('by Authorization header or by ?access_token=', async () => {
    const s = await serveEvents();
    const byHeader = await connectWs(s, { token: TOKENS.alice });
    const byQuery = await connectWs(s, { query: `?access_token=${TOKENS.bob}` });
    await until('two clients', () => s.upgrade.clients.ws === 2);
    s.bus.publish(callEvent(s.store.get(ids.AB)!, 'answer', { cause: 'answered', status: 200 }));
    await until('both got it', () => byHeader.messages.length === 1 && byQuery.messages.length === 1);
    byHeader.ws.close();
    byQuery.ws.close();
    await until('no client', () => s.upgrade.clients.ws === 0 && s.bus.subscribers === 0);
  });

  it('none, wrong, or malformed: a plain HTTP 401 in our error shape, and the connection closes', async () => {
    const s = await serveEvents();
    const cases: [string, { token?: string; query?: string }, RegExp][] = [
      ['none', {}, /Authorization: Bearer <token> required/],
      ['wrong header', { token: 'Bearer nope' }, /invalid token/],
      ['malformed header', { token: 'Basic abc' }, /malformed/],
      ['wrong access_token', { query: '?access_token=nope' }, /invalid token/],
      ['empty access_token', { query: '?access_token=' }, /required/],
    ];
    for (const [what, opts, message] of cases) {
      const r = await refused(s, opts);
      expect([what, r.status]).toEqual([what, 401]);
      expect(r.body).toEqual({ error_code: 1401, error_message: expect.stringMatching(message) });
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="callctl"/);
      expect(r.headers.connection).toBe('close');
    }
    expect(s.upgrade.clients.ws).toBe(0);
  });
});

describe('WebSocket: what a user gets', () => {
  it('only events of dialogs the user sees, one JSON text message each, never participants', async () => {
    const s = await serveEvents();
    const alice = await connectWs(s, { token: TOKENS.alice });
    const carol = await connectWs(s, { token: TOKENS.carol });
    await until('two clients', () => s.upgrade.clients.ws === 2);
    const get = (id: string) => s.store.get(id)!;
    s.bus.publish(callEvent(get(ids.C1), 'start')); // Carol's (her id 1 is Alice's id in another domain)
    s.bus.publish(callEvent(get(ids.B1), 'start')); // Bob's
    s.bus.publish(callEvent(get(ids.A1), 'start'));
    s.bus.publish(asrEvent(get(ids.CF), 'bonjour'));
    s.bus.publish(callEvent(get(ids.A1), 'end', { cause: 'bye-b', status: 200 }));
    await until('alice got three', () => alice.messages.length === 3);
    await until('carol got one', () => carol.messages.length === 1);
    await sleep(20);
    const a1 = get(ids.A1).dialog;
    expect(alice.messages).toEqual([
      { type: 'start', ts: 1700000000500, inviteid: a1.inviteid, dialogid: ids.A1, bindings: [], startts: 1000 },
      { type: 'asr', dialogid: ids.CF, layer: 'default', callid: get(ids.CF).dialog.acallid, text: 'bonjour', final: true, ts: 1700000000600 },
      { type: 'end', ts: 1700000000500, inviteid: a1.inviteid, dialogid: ids.A1, bindings: [], startts: 1000, cause: 'bye-b', status: 200 },
    ]);
    expect(carol.messages).toEqual([expect.objectContaining({ type: 'start', dialogid: ids.C1 })]);
    for (const m of [...alice.messages, ...carol.messages]) {
      expect(Object.keys(m as object)).not.toContain('participants');
      expect(eventMessageSchema.safeParse(m).success).toBe(true);
    }
    alice.ws.close();
    carol.ws.close();
  });

  it('pings per heartbeat on the injected clock; a client that never answers is cut off', async () => {
    const s = await serveEvents();
    const good = await connectWs(s, { token: TOKENS.alice });
    const mute = await connectWs(s, { token: TOKENS.bob, autoPong: false });
    let pings = 0;
    good.ws.on('ping', () => pings++);
    await until('two clients', () => s.upgrade.clients.ws === 2);
    s.clock.advance(15_000);
    await until('a ping', () => pings === 1);
    await sleep(30); // the good client's pong arrives
    s.clock.advance(15_000);
    await until('a second ping', () => pings === 2);
    expect((await mute.closed).code).toBe(1006);
    expect(s.upgrade.clients.ws).toBe(1);
    good.ws.close();
  });
});

describe('WebSocket: slow clients never slow the calls', () => {
  it('a burst past the queue: one overflow message, then close 1008; publish never waits', async () => {
    const s = await serveEvents({ eventStream: { maxQueuedEvents: 10 } });
    const alice = await connectWs(s, { token: TOKENS.alice });
    await until('subscribed', () => s.bus.subscribers === 1);
    const ev = callEvent(s.store.get(ids.A2)!);
    const started = performance.now();
    for (let i = 0; i < 50; i++) s.bus.publish(ev);
    expect(performance.now() - started).toBeLessThan(20);
    const closed = await alice.closed;
    expect(closed).toEqual({ code: 1008, reason: 'overflow: client too slow' });
    expect(alice.messages).toEqual([{ type: 'overflow', dropped: 11 }]);
    expect(s.bus.subscribers).toBe(0);
    await until('client gone', () => s.upgrade.clients.ws === 0);
  });

  it('a client that stops reading is cut off by bytes; what it had comes first, then the notice', async () => {
    const s = await serveEvents({ eventStream: { maxQueuedBytes: 256 * 1024 } });
    const alice = await connectWs(s, { token: TOKENS.alice });
    await until('subscribed', () => s.bus.subscribers === 1);
    const sock = (alice.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    sock.pause();
    const big = asrEvent(s.store.get(ids.A1)!, 'y'.repeat(64 * 1024));
    let published = 0;
    let slowest = 0;
    while (s.bus.subscribers > 0 && published < 5000) {
      const t = performance.now();
      s.bus.publish(big);
      slowest = Math.max(slowest, performance.now() - t);
      published++;
      await new Promise((r) => setImmediate(r));
    }
    expect(s.bus.subscribers).toBe(0);
    expect(slowest).toBeLessThan(10);
    sock.resume();
    expect((await alice.closed).code).toBe(1008);
    const last = alice.messages.at(-1) as { type: string; dropped: number };
    expect(last.type).toBe('overflow');
    // Every event published reached the client or is counted as dropped.
    expect(alice.messages.length - 1 + last.dropped).toBe(published);
  });

  it('a client that never reads again is cut when the grace time runs out', async () => {
    const s = await serveEvents({ eventStream: { maxQueuedBytes: 256 * 1024, closeGraceMs: 5000 } });
    const alice = await connectWs(s, { token: TOKENS.alice });
    await until('subscribed', () => s.bus.subscribers === 1);
    (alice.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = asrEvent(s.store.get(ids.A1)!, 'z'.repeat(64 * 1024));
    for (let i = 0; i < 5000 && s.bus.subscribers > 0; i++) {
      s.bus.publish(big);
      await new Promise((r) => setImmediate(r));
    }
    expect(s.upgrade.clients.ws).toBe(1);
    s.clock.advance(4999);
    await sleep(20);
    expect(s.upgrade.clients.ws).toBe(1);
    s.clock.advance(1);
    await until('cut', () => s.upgrade.clients.ws === 0);
    expect(s.lines.some((l) => l.includes('did not take its last bytes in time'))).toBe(true);
  });
});

describe('WebSocket: shutdown and other upgrades', () => {
  it('close() ends every client (1001 for WebSockets, a clean end for SSE) and resolves when all are gone', async () => {
    const s = await serveEvents();
    const a = await connectWs(s, { token: TOKENS.alice });
    await until('one client', () => s.upgrade.clients.ws === 1);
    await s.upgrade.close();
    expect(await a.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(s.upgrade.clients).toEqual({ sse: 0, ws: 0 });
  });

  it('an Upgrade that is not a WebSocket on the events path is served as plain HTTP', async () => {
    const s = await serveEvents();
    const c = await RawClient.connect(s.port);
    c.write('GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n');
    const r = await c.response();
    expect([r.status, r.body.toString()]).toEqual([200, '{"status":"ok"}']);
    // The connection is an ordinary keep-alive one again.
    c.write('GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n');
    expect((await c.response()).status).toBe(404);
    // A WebSocket upgrade elsewhere: answered as if there were no Upgrade.
    c.write(`GET /rest/v1/user/sip/calls?limit=1&mask=dialogid HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${TOKENS.alice}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    const list = await c.response();
    expect([list.status, JSON.parse(list.body.toString())]).toEqual([200, [{ dialogid: ids.A1 }]]);
    // POST with Upgrade on the events path: the app's 405.
    c.write(`POST ${EVENTS_PATH} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${TOKENS.alice}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    const post = await c.response();
    expect([post.status, JSON.parse(post.body.toString()).error_code]).toEqual([405, 1405]);
    c.close();
  });

  it('a broken WebSocket handshake on the events path: 400 in our error shape', async () => {
    const s = await serveEvents();
    const c = await RawClient.connect(s.port);
    c.write(`GET ${EVENTS_PATH} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${TOKENS.alice}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const r = await c.response();
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body.toString())).toEqual({ error_code: 1400, error_message: 'WebSocket handshake: Missing or invalid Sec-WebSocket-Key header' });
    await c.waitClosed();
    c.write('');
    const v = await RawClient.connect(s.port);
    v.write(`GET ${EVENTS_PATH} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ${TOKENS.alice}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 7\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
    const vr = await v.response();
    expect([vr.status, vr.headers['sec-websocket-version']]).toEqual([400, '13']);
    v.close();
  });
});

describe('shutdown as server/start.ts does it', () => {
  it('front end close() and the handler close() together end SSE and WebSocket clients without waiting for the grace period', async () => {
    const s = await serveEvents();
    const ws = await connectWs(s, { token: TOKENS.alice });
    const sse = await openSse(s.port, { authorization: `Bearer ${TOKENS.bob}` });
    await until('two clients', () => s.upgrade.clients.ws === 1 && s.upgrade.clients.sse === 1);
    const started = Date.now();
    const closing = s.fe.close();
    await s.upgrade.close();
    await closing;
    // The front end's grace period in these tests is 500 ms.
    expect(Date.now() - started).toBeLessThan(300);
    expect((await ws.closed).code).toBe(1001);
    await sse.ended;
    expect(s.fe.connections).toBe(0);
  });
});
