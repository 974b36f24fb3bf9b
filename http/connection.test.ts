// The connection over a fake socket with a ManualClock: every deadline (slowloris headers, slow
// body, idle keep-alive, lingering close) and the pipeline limit, driven without waiting.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/log.ts';
import { HttpConnection } from './connection.ts';
import { parseHttpLimits, type HttpLimits } from './limits.ts';
import type { FetchHandler, FrontEndEnv } from './types.ts';

class FakeSocket extends EventEmitter {
  readonly remoteAddress = '192.0.2.7';
  readonly remotePort = 40000;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 8080;
  chunks: Buffer[] = [];
  ended = false;
  destroyed = false;
  paused = false;

  write(data: string | Uint8Array, enc?: BufferEncoding): boolean {
    this.chunks.push(typeof data === 'string' ? Buffer.from(data, enc ?? 'utf8') : Buffer.from(data));
    return true;
  }
  end(): this {
    this.ended = true;
    return this;
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit('close');
    }
    return this;
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  cork(): void {}
  uncork(): void {}
  setNoDelay(): this {
    return this;
  }

  /** Everything written so far, then forgotten. */
  take(): string {
    const s = Buffer.concat(this.chunks).toString('latin1');
    this.chunks = [];
    return s;
  }
  send(s: string): void {
    this.emit('data', Buffer.from(s, 'latin1'));
  }
}

const limits = parseHttpLimits({ headersTimeoutMs: 1000, bodyTimeoutMs: 2000, keepAliveTimeoutMs: 500 });

function setup(fetch: FetchHandler = () => new Response('ok'), l: HttpLimits = limits) {
  const clock = new ManualClock(1_700_000_000_000);
  const socket = new FakeSocket();
  let gone = false;
  const conn = new HttpConnection(socket as unknown as Socket, {
    fetch,
    limits: l,
    clock,
    logger: silentLogger,
    upgradeHandler: () => undefined,
    date: () => 'Tue, 14 Nov 2023 22:13:20 GMT',
    lazyRequests: true,
    onGone: () => {
      gone = true;
    },
  });
  return { clock, socket, conn, isGone: () => gone };
}

const statusOf = (out: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1]);
const flush = () => new Promise((r) => setImmediate(r));

describe('deadlines', () => {
  it('slowloris: a head dribbled in is cut at headersTimeoutMs from its first byte, with 408 and close', () => {
    const { clock, socket } = setup();
    socket.send('GET / HTTP/1.1\r\n');
    // Each new line comes just in time for a per-read timeout, but the deadline does not move.
    for (let i = 0; i < 9; i++) {
      clock.advance(100);
      socket.send(`X-Slow-${i}: x\r\n`);
    }
    clock.advance(99);
    expect(socket.take()).toBe('');
    clock.advance(1);
    const out = socket.take();
    expect(statusOf(out)).toBe(408);
    expect(out).toContain('connection: close\r\n');
    expect(socket.ended).toBe(true);
    // Bytes after the verdict are dropped, never parsed.
    socket.send('Host: h\r\n\r\n');
    expect(socket.take()).toBe('');
  });

  it('the headers deadline of a second request runs from its own first byte', async () => {
    const { clock, socket } = setup();
    socket.send('GET /1 HTTP/1.1\r\nHost: h\r\n\r\n');
    await flush();
    expect(statusOf(socket.take())).toBe(200);
    clock.advance(400); // idle, under keepAliveTimeoutMs
    socket.send('GET /2 HTTP/1.1\r\n');
    clock.advance(999);
    expect(socket.take()).toBe('');
    clock.advance(1);
    expect(statusOf(socket.take())).toBe(408);
  });

  it('a slow body is cut at bodyTimeoutMs from the end of the head', () => {
    let called = false;
    const { clock, socket } = setup(() => {
      called = true;
      return new Response('ok');
    });
    socket.send('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nhello');
    clock.advance(1999);
    socket.send('wor');
    expect(socket.take()).toBe('');
    clock.advance(1);
    const out = socket.take();
    expect(statusOf(out)).toBe(408);
    expect(out).toContain('"error_code":1408');
    expect(called).toBe(false);
    expect(socket.ended).toBe(true);
  });

  it('a slow chunked body is cut the same way', () => {
    const { clock, socket } = setup();
    socket.send('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel');
    clock.advance(2000);
    expect(statusOf(socket.take())).toBe(408);
  });

  it('an idle keep-alive connection closes silently after keepAliveTimeoutMs', async () => {
    const { clock, socket, isGone } = setup();
    socket.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await flush();
    expect(statusOf(socket.take())).toBe(200);
    clock.advance(499);
    expect(socket.ended).toBe(false);
    clock.advance(1);
    expect(socket.ended).toBe(true);
    expect(socket.take()).toBe('');
    // Lingering close: if the client never closes its side, the socket is destroyed later.
    clock.advance(2000);
    expect(socket.destroyed).toBe(true);
    expect(isGone()).toBe(true);
  });

  it('a connection that never sends a byte closes after keepAliveTimeoutMs', () => {
    const { clock, socket } = setup();
    clock.advance(500);
    expect(socket.ended).toBe(true);
    expect(socket.take()).toBe('');
  });

  it('no deadline runs while a handler works', async () => {
    let finish: (r: Response) => void = () => {};
    const { clock, socket } = setup(() => new Promise<Response>((r) => (finish = r)));
    socket.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    clock.advance(60_000);
    expect(socket.ended).toBe(false);
    finish(new Response('late'));
    await flush();
    expect(statusOf(socket.take())).toBe(200);
    clock.advance(500);
    expect(socket.ended).toBe(true);
  });

  it('each keep-alive request pushes the idle deadline back', async () => {
    const { clock, socket } = setup();
    for (let i = 0; i < 5; i++) {
      clock.advance(400);
      socket.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
      await flush();
      expect(statusOf(socket.take())).toBe(200);
    }
    expect(socket.ended).toBe(false);
    clock.advance(500);
    expect(socket.ended).toBe(true);
  });

  it('a peer that half-closes still gets its answers, then the connection ends', async () => {
    const { socket } = setup(async () => {
      await flush();
      return new Response('ok');
    });
    socket.send('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
    socket.emit('end');
    await flush();
    await flush();
    const out = socket.take();
    expect(out.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    expect(socket.destroyed).toBe(true);
  });
});

describe('pipeline limit', () => {
  it('stops reading at maxPipelinedRequests unanswered requests and resumes as answers go out', async () => {
    const pending: ((r: Response) => void)[] = [];
    const seen: string[] = [];
    const { socket } = setup(
      (req) => {
        seen.push(new URL(req.url).pathname);
        return new Promise<Response>((r) => pending.push(r));
      },
      parseHttpLimits({ maxPipelinedRequests: 2 }),
    );
    socket.send(['/1', '/2', '/3', '/4', '/5'].map((p) => `GET ${p} HTTP/1.1\r\nHost: h\r\n\r\n`).join(''));
    expect(seen).toEqual(['/1', '/2']);
    expect(socket.paused).toBe(true);
    pending[0]!(new Response('one'));
    await flush();
    expect(seen).toEqual(['/1', '/2', '/3']);
    expect(socket.paused).toBe(true);
    pending[1]!(new Response('two'));
    pending[2]!(new Response('three'));
    await flush();
    await flush();
    expect(seen).toEqual(['/1', '/2', '/3', '/4', '/5']);
    pending[3]!(new Response('four'));
    pending[4]!(new Response('five'));
    await flush();
    await flush();
    expect(socket.paused).toBe(false);
    const bodies = socket.take().split('\r\n\r\n').slice(1).map((s) => s.replace(/HTTP\/1\.1[\s\S]*/, ''));
    expect(bodies).toEqual(['one', 'two', 'three', 'four', 'five']);
  });

  it('with the pipeline full, no deadline fires for the unread bytes', async () => {
    let release: (r: Response) => void = () => {};
    const { clock, socket } = setup(() => new Promise<Response>((r) => (release = r)), parseHttpLimits({ maxPipelinedRequests: 1, headersTimeoutMs: 1000 }));
    socket.send('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHo');
    clock.advance(5000);
    expect(socket.take()).toBe('');
    release(new Response('one'));
    await flush();
    expect(statusOf(socket.take())).toBe(200);
    // Reading resumed: now the partial second head is on the clock.
    clock.advance(1000);
    expect(statusOf(socket.take())).toBe(408);
  });
});

describe('answers', () => {
  it('Expect: 100-continue writes the interim response before the body arrives', async () => {
    const { socket } = setup(async (req) => new Response(await req.text()));
    socket.send('PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n');
    expect(socket.take()).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    socket.send('hi');
    await flush();
    const out = socket.take();
    expect(statusOf(out)).toBe(200);
    expect(out.endsWith('\r\n\r\nhi')).toBe(true);
  });

  it('env carries the raw body, the peer address and one object standing for the connection', async () => {
    const envs: FrontEndEnv[] = [];
    const { socket } = setup((_req, e) => {
      envs.push(e);
      return new Response(null, { status: 204 });
    });
    socket.send('GET /?a=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n{"a":2}');
    await flush();
    expect(envs[0]).toEqual({ rawBody: Buffer.from('{"a":2}'), remoteAddress: '192.0.2.7', remotePort: 40000, connection: {} });
    expect(socket.take()).toMatch(/^HTTP\/1\.1 204 No Content\r\n(?![\s\S]*content-length)/);
    socket.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await flush();
    expect(envs[1]!.connection).toBe(envs[0]!.connection);
    const other = setup((_req, e) => {
      envs.push(e);
      return new Response(null, { status: 204 });
    });
    other.socket.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await flush();
    expect(envs[2]!.connection).not.toBe(envs[0]!.connection);
  });

  it('a handler that returns something else than a Response gets 500', async () => {
    const { socket } = setup((() => 'nope') as unknown as FetchHandler);
    socket.send('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    await flush();
    expect(statusOf(socket.take())).toBe(500);
  });
});
