// GET /rest/v1/user/sip/events as Server-Sent Events, over the real front end on 127.0.0.1: who gets
// what, the format, heartbeats on the injected clock, tokens, and what happens to slow readers.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub } from './event-hub.ts';
import { asrEventMessageSchema, callEventMessageSchema } from './schema-events.ts';
import { acceptsEventStream } from './routes-events.ts';
import { asrEvent, callEvent, closeAll, EVENTS_PATH, openSse, serveEvents, sleep, until } from './event-test-helpers.ts';
import { ids, makeApp, send, TOKENS } from './test-helpers.ts';

afterEach(closeAll);

const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });

describe('SSE: what a user gets', () => {
  it('only events of dialogs the user sees, as id/event/data blocks without participants', async () => {
    const s = await serveEvents();
    const alice = await openSse(s.port, auth('alice'));
    const bob = await openSse(s.port, auth('bob'));
    expect(alice.res.statusCode).toBe(200);
    expect(alice.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(alice.res.headers['cache-control']).toBe('no-store');
    await alice.waitFor(': connected\n\n');
    await until('two subscribed clients', () => EventHub.of(s.bus).size === 2);

    const get = (id: string) => s.store.get(id)!;
    s.bus.publish(callEvent(get(ids.A1), 'ring', { status: 180 })); // Alice's
    s.bus.publish(callEvent(get(ids.B1), 'ring')); // Bob's
    // Carol's: her sipuser id 1 is Alice's id too, in another domain.
    s.bus.publish(callEvent(get(ids.C1), 'start'));
    s.bus.publish(asrEvent(get(ids.A2), 'hello there', { final: false }));
    s.bus.publish(callEvent(get(ids.AB), 'transfer', { newdialogid: 'rDlg-001-NewOne', cause: 'refer' })); // both
    await alice.waitFor('event: transfer');
    await bob.waitFor('event: transfer');

    expect(alice.text()).toBe(
      [
        ': connected',
        `id: 1\nevent: ring\ndata: {"type":"ring","ts":1700000000500,"inviteid":"${get(ids.A1).dialog.inviteid}","dialogid":"${ids.A1}","bindings":[],"startts":1000,"status":180}`,
        `id: 2\nevent: asr\ndata: {"type":"asr","dialogid":"${ids.A2}","layer":"default","callid":"${get(ids.A2).dialog.acallid}","text":"hello there","final":false,"ts":1700000000600}`,
        `id: 3\nevent: transfer\ndata: {"type":"transfer","ts":1700000000500,"inviteid":"${get(ids.AB).dialog.inviteid}","dialogid":"${ids.AB}","bindings":[],"startts":3000,"cause":"refer","newdialogid":"rDlg-001-NewOne"}`,
        '',
      ].join('\n\n'),
    );
    expect(bob.events().map((e) => (e as { dialogid: string }).dialogid)).toEqual([ids.B1, ids.AB]);
    expect(bob.text()).toMatch(/^: connected\n\nid: 1\nevent: ring\n/);
    for (const m of [...alice.events(), ...bob.events()]) {
      expect(JSON.stringify(m)).not.toMatch(/participants|sipuser/);
      expect((m as { type: string }).type === 'asr' ? asrEventMessageSchema.safeParse(m).success : callEventMessageSchema.safeParse(m).success).toBe(true);
    }
    alice.close();
    bob.close();
  });

  it('labels (bindings) of the event are passed on', async () => {
    const s = await serveEvents();
    const alice = await openSse(s.port, auth('alice'));
    await until('subscribed', () => s.bus.subscribers === 1);
    s.bus.publish(callEvent(s.store.get(ids.CF)!, 'end', { cause: 'bye-a', status: 200 }));
    await alice.waitFor('event: end');
    expect(alice.events('end')).toEqual([
      { type: 'end', ts: 1700000000500, inviteid: s.store.get(ids.CF)!.dialog.inviteid, dialogid: ids.CF, bindings: ['vip'], startts: 5000, cause: 'bye-a', status: 200 },
    ]);
    alice.close();
  });

  it('opens with a comment, then a heartbeat comment per 15 s of the injected clock while idle', async () => {
    const s = await serveEvents();
    const alice = await openSse(s.port, auth('alice'));
    await alice.waitFor(': connected\n\n');
    await sleep(20);
    s.clock.advance(14_999);
    await sleep(30);
    expect(alice.text()).not.toContain('heartbeat');
    s.clock.advance(1);
    await alice.waitFor(': heartbeat\n\n');
    s.clock.advance(15_000);
    await alice.waitFor(': heartbeat\n\n', 2);
    alice.close();
  });

  it('the client going away unsubscribes it from the bus', async () => {
    const s = await serveEvents();
    const a = await openSse(s.port, auth('alice'));
    const b = await openSse(s.port, auth('alice'));
    await until('two clients', () => s.upgrade.clients.sse === 2);
    expect(s.bus.subscribers).toBe(1); // one hub listener for every client
    a.close();
    await until('one client', () => s.upgrade.clients.sse === 1);
    b.close();
    await until('no client', () => s.upgrade.clients.sse === 0 && s.bus.subscribers === 0);
    // The stream ended too, so the front end let go of the connections.
    await until('no connection', () => s.fe.connections === 0);
    expect(s.lines.some((l) => l.includes('event client disconnected') && l.includes('sse=0'))).toBe(true);
  });

  it('server shutdown ends the stream cleanly', async () => {
    const s = await serveEvents();
    const alice = await openSse(s.port, auth('alice'));
    await until('subscribed', () => s.upgrade.clients.sse === 1);
    await s.upgrade.close();
    await alice.ended;
    expect(alice.res.complete).toBe(true);
  });
});

describe('SSE: tokens, Accept, HEAD, no bus', () => {
  it('takes the token as ?access_token= too (EventSource cannot set headers); 401 without or with a wrong one', async () => {
    const s = await serveEvents();
    const viaQuery = await openSse(s.port, {}, `${EVENTS_PATH}?access_token=${TOKENS.bob}`);
    expect(viaQuery.res.statusCode).toBe(200);
    await until('subscribed', () => s.upgrade.clients.sse === 1);
    s.bus.publish(callEvent(s.store.get(ids.B1)!));
    await viaQuery.waitFor('event: ring');
    viaQuery.close();

    for (const path of [EVENTS_PATH, `${EVENTS_PATH}?access_token=nope`, `${EVENTS_PATH}?access_token=`]) {
      const r = await openSse(s.port, {}, path);
      await r.ended;
      expect([path, r.res.statusCode]).toEqual([path, 401]);
      expect(JSON.parse(r.text())).toMatchObject({ error_code: 1401 });
      expect(r.res.headers['www-authenticate']).toMatch(/^Bearer realm="callctl"/);
    }
  });

  it('access_token works on the events path only', async () => {
    const { app } = makeApp();
    const a = await send(app, 'GET', '/rest/v1/user/sip/calls', { who: null, query: { access_token: TOKENS.alice } });
    expect(a.status).toBe(401);
  });

  it('without Accept: text/event-stream: 1400; HEAD answers the head without a client', async () => {
    const s = await serveEvents();
    const { app } = makeApp({ events: s.bus });
    const plain = await send(app, 'GET', EVENTS_PATH);
    expect([plain.status, plain.code]).toEqual([400, 1400]);
    expect(plain.message).toMatch(/^Accept: must include text\/event-stream/);
    const head = await app.request(EVENTS_PATH, { method: 'HEAD', headers: { ...auth('alice'), accept: 'text/event-stream' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(EventHub.of(s.bus).size).toBe(0);
  });

  it('without a bus (API-only process): 1503, whatever the Accept', async () => {
    const s = await serveEvents({ bus: false });
    const r = await openSse(s.port, auth('alice'));
    await r.ended;
    expect(r.res.statusCode).toBe(503);
    expect(JSON.parse(r.text())).toMatchObject({ error_code: 1503, error_message: expect.stringMatching(/^event stream not available/) });
  });

  it('Accept parsing', () => {
    expect(acceptsEventStream('text/event-stream')).toBe(true);
    expect(acceptsEventStream('application/json, Text/Event-Stream;q=0.5')).toBe(true);
    expect(acceptsEventStream('text/event-stream;q=0')).toBe(false);
    expect(acceptsEventStream('*/*')).toBe(false);
    expect(acceptsEventStream(undefined)).toBe(false);
  });
});

describe('SSE: slow readers never slow the calls', () => {
  it('a burst past the queue: one overflow notice, the stream ends, publish never waits', async () => {
    const s = await serveEvents({ eventStream: { maxQueuedEvents: 10 } });
    const alice = await openSse(s.port, auth('alice'));
    await until('subscribed', () => s.bus.subscribers === 1);
    const ev = callEvent(s.store.get(ids.A1)!);
    const started = performance.now();
    for (let i = 0; i < 50; i++) s.bus.publish(ev);
    const took = performance.now() - started;
    expect(took).toBeLessThan(20);
    // The first ten were queued; the eleventh did not fit: all eleven are lost to this client.
    await alice.ended;
    expect(alice.text()).toBe(': connected\n\nevent: overflow\ndata: {"type":"overflow","dropped":11}\n\n');
    expect(alice.res.complete).toBe(true);
    expect(s.bus.subscribers).toBe(0);
    await until('client gone', () => s.upgrade.clients.sse === 0);
    expect(s.lines.some((l) => l.includes('event client too slow') && l.includes('dropped=11'))).toBe(true);
  });

  it('a reader that stops reading is cut off by bytes; the bus never waits; the notice follows what it had', async () => {
    const s = await serveEvents({ eventStream: { maxQueuedBytes: 256 * 1024 } });
    // A raw client that sends the request and then does not read.
    const sock: Socket = connect(s.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.write(`GET ${EVENTS_PATH} HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${TOKENS.alice}\r\n\r\n`);
    await until('subscribed', () => s.bus.subscribers === 1);
    sock.pause();

    const big = asrEvent(s.store.get(ids.A1)!, 'x'.repeat(64 * 1024));
    let published = 0;
    let slowest = 0;
    // Kernel buffers on loopback take megabytes before the front end even sees backpressure.
    while (s.bus.subscribers > 0 && published < 5000) {
      const t = performance.now();
      s.bus.publish(big);
      slowest = Math.max(slowest, performance.now() - t);
      published++;
      await new Promise((r) => setImmediate(r));
    }
    expect(s.bus.subscribers).toBe(0);
    expect(slowest).toBeLessThan(10);
    expect(s.upgrade.clients.sse).toBe(1); // still connected: the notice is waiting for it

    sock.resume();
    await until('the end of the stream', () => Buffer.concat(chunks.slice(-4)).toString('latin1').endsWith('0\r\n\r\n'), 10_000);
    const tail = Buffer.concat(chunks.slice(-4)).toString('latin1');
    expect(tail).toMatch(/event: overflow\ndata: \{"type":"overflow","dropped":[1-9][0-9]*\}\n\n\r\n0\r\n\r\n$/);
    await until('client gone', () => s.upgrade.clients.sse === 0);
    sock.destroy();
  });
});
