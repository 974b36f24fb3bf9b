// The front end as a whole over real sockets: response framing (streams, HEAD, cookies), upgrades,
// shutdown, options, logging, and a Hono app behind it.
import { Hono } from 'hono';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteParts } from '../lib/byte-parts.ts';
import { ManualClock } from '../lib/clock.ts';
import { createLogger } from '../lib/log.ts';
import { NativeRequest } from './lazy-request.ts';
import { createHttpFrontEnd, type HttpFrontEnd, type HttpFrontEndOptions } from './server.ts';
import { RawClient } from './test-raw-client.ts';
import type { FetchHandler } from './types.ts';

const open: HttpFrontEnd[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((fe) => fe.close()));
});

async function serve(fetch: FetchHandler, extra: Partial<HttpFrontEndOptions> = {}): Promise<{ fe: HttpFrontEnd; client: () => Promise<RawClient> }> {
  const fe = createHttpFrontEnd({ fetch, closeGraceMs: 500, ...extra });
  open.push(fe);
  const { port } = await fe.listen(0, '127.0.0.1');
  return { fe, client: () => RawClient.connect(port) };
}

const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('responses', () => {
  it('a streaming body goes out chunked, each piece as it comes (Server-Sent Events)', async () => {
    let push: (s: string) => void = () => {};
    let finish: () => void = () => {};
    const { client } = await serve(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(c) {
              push = (s) => c.enqueue(new TextEncoder().encode(s));
              finish = () => c.close();
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    );
    const c = await client();
    c.write(GET('/events'));
    await sleep(50);
    push('data: one\n\n');
    // The first event is readable before the stream ends: the head and one chunk are out.
    const deadline = Date.now() + 2000;
    while (c.pendingBytes === 0 && Date.now() < deadline) await sleep(10);
    expect(c.pendingBytes).toBeGreaterThan(0);
    push('data: two\n\n');
    finish();
    const res = await c.response();
    expect(res.status).toBe(200);
    expect(res.chunked).toBe(true);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.body.toString()).toBe('data: one\n\ndata: two\n\n');
    c.write(GET('/again'));
    c.close();
  });

  it('a stream to an HTTP/1.0 client is delimited by the close', async () => {
    const { client } = await serve(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(c) {
              await sleep(20);
              c.enqueue(new TextEncoder().encode('piece;'));
              c.close();
            },
          }),
        ),
    );
    const c = await client();
    c.write('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await c.waitClosed();
    const res = await c.response();
    expect(res.chunked).toBe(false);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers.connection).toBe('close');
    expect(res.body.toString()).toBe('piece;');
  });

  it('a body that is complete at once (a Blob) gets a Content-Length', async () => {
    const { client } = await serve(() => new Response(new Blob(['blob body'])));
    const c = await client();
    c.write(GET('/'));
    const res = await c.response();
    expect(res.chunked).toBe(false);
    expect(res.headers['content-length']).toBe('9');
    expect(res.body.toString()).toBe('blob body');
    c.close();
  });

  it('native Responses work as well as light ones', async () => {
    const { NativeResponse } = await import('./light-response.ts');
    const { client } = await serve(() => new NativeResponse('native', { status: 202, headers: { 'x-n': '1' } }));
    const c = await client();
    c.write(GET('/'));
    const res = await c.response();
    expect([res.status, res.headers['x-n'], res.body.toString()]).toEqual([202, '1', 'native']);
    c.close();
  });

  it('HEAD: no body; the handler may state the Content-Length of the GET', async () => {
    const { client } = await serve(() => new Response(null, { headers: { 'content-length': '1234', 'x-h': 'y' } }));
    const c = await client();
    c.write('HEAD / HTTP/1.1\r\nHost: t\r\n\r\n');
    const res = await c.response({ noBody: true });
    expect(res.headers['content-length']).toBe('1234');
    expect(res.headers['x-h']).toBe('y');
    c.write(GET('/'));
    // The same handler on GET: its Content-Length is replaced by the real one (0).
    expect((await c.response()).headers['content-length']).toBe('0');
    c.close();
  });

  it('framing and connection fields of the handler are replaced; each Set-Cookie keeps its line', async () => {
    const { client } = await serve(() => {
      const h = new Headers({ connection: 'keep-alive, x', 'transfer-encoding': 'gzip', 'keep-alive': 'timeout=99', 'x-ok': '1' });
      h.append('set-cookie', 'a=1; Path=/');
      h.append('set-cookie', 'b=2, c=3');
      return new Response('body', { headers: h });
    });
    const c = await client();
    c.write(GET('/'));
    const res = await c.response();
    expect(res.raw).not.toMatch(/transfer-encoding|keep-alive/i);
    expect(res.raw).toContain('set-cookie: a=1; Path=/\r\nset-cookie: b=2, c=3\r\n');
    expect(res.headers['content-length']).toBe('4');
    c.close();
  });

  it('a body larger than one write goes out whole', async () => {
    const big = 'z'.repeat(300_000);
    const { client } = await serve(() => new Response(big));
    const c = await client();
    c.write(GET('/'));
    expect((await c.response()).body.toString()).toBe(big);
    c.close();
  });

  it('a ByteParts body goes out whole and in order, small (one buffer) or large (one writev)', async () => {
    for (const size of [1_000, 40_000]) {
      // The front end's Response takes ByteParts; the DOM's BodyInit does not name it, hence the cast.
      const chunks = Array.from({ length: 100 }, (_, i) => Buffer.from(String(i % 10).repeat(size / 100)));
      const want = Buffer.concat(chunks).toString();
      const { client } = await serve(() => new Response(new ByteParts([Buffer.alloc(0), ...chunks]) as unknown as string));
      const c = await client();
      c.write(GET('/'));
      const res = await c.response();
      expect(res.headers['content-length']).toBe(String(size));
      expect(res.body.toString()).toBe(want);
      c.write('HEAD / HTTP/1.1\r\nHost: t\r\n\r\n');
      expect((await c.response({ noBody: true })).body.length).toBe(0);
      c.close();
    }
  });

  it('a handler that rejects gets 500, is logged, and the connection is still usable', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sink: (l) => lines.push(l) });
    const { client } = await serve(
      async (req) => {
        if (new URL(req.url).pathname === '/bad') throw new Error('kaput');
        return new Response('fine');
      },
      { logger },
    );
    const c = await client();
    c.write(GET('/bad') + GET('/good'));
    const bad = await c.response();
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.body.toString())).toEqual({ error_code: 1500, error_message: 'internal error' });
    expect((await c.response()).body.toString()).toBe('fine');
    expect(lines.some((l) => l.includes('handler failed') && l.includes('kaput'))).toBe(true);
    c.close();
  });

  it('the request signal aborts when the client goes away mid-stream', async () => {
    let aborted: Promise<void> = Promise.resolve();
    const { client } = await serve((req) => {
      aborted = new Promise((resolve) => req.signal.addEventListener('abort', () => resolve()));
      return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('x')) }));
    });
    const c = await client();
    c.write(GET('/events'));
    await sleep(50);
    c.close();
    await aborted;
  });

  it('overrideGlobalObjects: false hands handlers native Requests', async () => {
    let proto: unknown;
    const { client } = await serve(
      async (req) => {
        proto = Object.getPrototypeOf(req);
        return new Response(`${req.method} ${await req.text()}`);
      },
      { overrideGlobalObjects: false },
    );
    const c = await client();
    c.write('REFER /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab');
    expect((await c.response()).body.toString()).toBe('REFER ab');
    expect(proto).toBe(NativeRequest.prototype);
    c.close();
  });
});

describe('upgrades', () => {
  it('hands the socket, the request and the bytes after it to the upgrade handler', async () => {
    let got: { url: string; head: string } | undefined;
    const { fe, client } = await serve(() => new Response('not upgraded'));
    fe.onUpgrade((req, socket, head) => {
      got = { url: req.url, head: head.toString() };
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.write(d));
      socket.resume();
    });
    const c = await client();
    c.write(GET('/first') + GET('/ws', 'Upgrade: echo\r\nConnection: Upgrade\r\n') + 'early');
    expect((await c.response()).body.toString()).toBe('not upgraded');
    expect((await c.response()).status).toBe(101);
    expect(got).toEqual({ url: 'http://t/ws', head: 'early' });
    expect(fe.connections).toBe(0);
    c.write('ping');
    const deadline = Date.now() + 2000;
    while (c.pendingBytes < 4 && Date.now() < deadline) await sleep(10);
    expect(c.pendingBytes).toBe(4);
    c.close();
  });

  it('without an upgrade handler the request is served as usual', async () => {
    const { client } = await serve(() => new Response('plain'));
    const c = await client();
    c.write(GET('/ws', 'Upgrade: websocket\r\nConnection: Upgrade\r\n'));
    expect((await c.response()).body.toString()).toBe('plain');
    c.close();
  });
});

describe('shutdown and options', () => {
  it('close() finishes in-flight answers with Connection: close, ends idle sockets, refuses new ones', async () => {
    const { fe, client } = await serve(async () => {
      await sleep(100);
      return new Response('done');
    });
    const busy = await client();
    const idle = await client();
    busy.write(GET('/slow'));
    await sleep(20);
    const closed = fe.close();
    await idle.waitClosed();
    const res = await busy.response();
    expect(res.body.toString()).toBe('done');
    expect(res.headers.connection).toBe('close');
    await busy.waitClosed();
    await closed;
    expect(fe.connections).toBe(0);
  });

  it('close() destroys what is still running after the grace period', async () => {
    const clock = new ManualClock(0);
    const fe = createHttpFrontEnd({ fetch: () => new Promise<Response>(() => {}), clock, closeGraceMs: 1000 });
    const { port } = await fe.listen(0, '127.0.0.1');
    const c = await RawClient.connect(port);
    c.write(GET('/hang'));
    await sleep(30);
    let done = false;
    const closing = fe.close().then(() => (done = true));
    await sleep(20);
    expect(done).toBe(false);
    clock.advance(1000);
    await closing;
    await c.waitClosed();
  });

  it('invalid limits throw with the option named', () => {
    expect(() => createHttpFrontEnd({ fetch: () => new Response(), limits: { maxPipelinedRequests: 0 } })).toThrow(/maxPipelinedRequests/);
  });

  it('serves a socket accepted elsewhere through handle()', async () => {
    const { createServer, connect } = await import('node:net');
    const fe = createHttpFrontEnd({ fetch: () => new Response('via handle') });
    open.push(fe);
    const srv = createServer((s: Socket) => fe.handle(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const s = connect(port, '127.0.0.1');
    const text = await new Promise<string>((resolve) => {
      let acc = '';
      s.on('data', (d) => {
        acc += d.toString();
        if (acc.endsWith('via handle')) resolve(acc);
      });
      s.write(GET('/'));
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    s.destroy();
    srv.close();
  });
});

describe('a Hono app behind the front end', () => {
  it('routes extension methods, reads bodies, and middleware headers set after the handler reach the wire', async () => {
    const app = new Hono<{ Bindings: { rawBody: Uint8Array } }>();
    app.use('*', async (c, next) => {
      await next();
      c.res.headers.set('x-after', 'yes');
    });
    app.on('LOOKUP', '/calls', async (c) => c.json({ viaEnv: new TextDecoder().decode(c.env.rawBody), body: await c.req.json() }));
    app.get('/calls/:id', (c) => c.json({ error_code: 1413, error_message: `dialog ${c.req.param('id')} not found` }, 404));
    const { client } = await serve((req, env) => app.fetch(req, env));
    const c = await client();
    c.write('LOOKUP /calls HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"user":"11"}');
    const res = await c.response();
    expect(res.status).toBe(200);
    expect(res.headers['x-after']).toBe('yes');
    expect(JSON.parse(res.body.toString())).toEqual({ viaEnv: '{"user":"11"}', body: { user: '11' } });
    c.write(GET('/calls/rDlg-001-nosuch'));
    const nf = await c.response();
    expect(nf.status).toBe(404);
    expect(nf.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(nf.body.toString())).toEqual({ error_code: 1413, error_message: 'dialog rDlg-001-nosuch not found' });
    c.close();
  });
});
