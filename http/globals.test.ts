// LazyRequest and LightResponse must be indistinguishable from the native classes for everything a
// handler does; with the globals installed, `new Request(req)` and `new Response()` keep working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteParts } from '../lib/byte-parts.ts';
import { installFrontEndGlobals, uninstallFrontEndGlobals } from './globals.ts';
import { abortRequest, createLazyRequest, NativeRequest } from './lazy-request.ts';
import { lightParts, LightResponse, NativeResponse } from './light-response.ts';

beforeAll(() => installFrontEndGlobals());
afterAll(() => uninstallFrontEndGlobals());

const lazy = (method = 'POST', body: string | null = '{"a":1}') =>
  createLazyRequest({
    method,
    url: 'http://h.test/p?q=1',
    headers: [
      ['content-type', 'application/json'],
      ['x-two', 'a'],
      ['x-two', 'b'],
    ],
    body: body === null ? null : new TextEncoder().encode(body),
  });

describe('LazyRequest', () => {
  it('is a Request with method, url and headers', () => {
    const r = lazy('SWITCHCONF');
    expect(r).toBeInstanceOf(Request);
    expect(r).toBeInstanceOf(NativeRequest);
    expect(r.method).toBe('SWITCHCONF');
    expect(r.url).toBe('http://h.test/p?q=1');
    expect(r.headers.get('x-two')).toBe('a, b');
    expect(Object.prototype.toString.call(r)).toBe('[object Request]');
  });

  it('reads its body once, like a native Request', async () => {
    const r = lazy();
    expect(r.bodyUsed).toBe(false);
    expect(await r.json()).toEqual({ a: 1 });
    expect(r.bodyUsed).toBe(true);
    await expect(r.text()).rejects.toThrow(TypeError);
    await expect(r.arrayBuffer()).rejects.toThrow(TypeError);
  });

  it('text, arrayBuffer, bytes and blob give the same bytes', async () => {
    expect(await lazy().text()).toBe('{"a":1}');
    expect(new TextDecoder().decode(await lazy().arrayBuffer())).toBe('{"a":1}');
    expect(new TextDecoder().decode(await (lazy() as Request & { bytes(): Promise<Uint8Array> }).bytes())).toBe('{"a":1}');
    const blob = await lazy().blob();
    expect(blob.type).toBe('application/json');
    expect(await blob.text()).toBe('{"a":1}');
  });

  it('GET has no body, as a WHATWG Request', async () => {
    const r = lazy('GET', null);
    expect(await r.text()).toBe('');
    expect(r.body).toBeNull();
  });

  it('anything else builds the real Request once: cache, body stream, clone', async () => {
    const r = lazy();
    expect(r.cache).toBe('default');
    expect(r.mode).toBe('cors');
    const copy = r.clone();
    expect(await copy.text()).toBe('{"a":1}');
    expect(await new Response(r.body).text()).toBe('{"a":1}');
  });

  it('new Request(lazy, init) works once the globals are installed', async () => {
    const r = new Request(lazy(), { headers: { 'x-new': '1' } });
    expect(r.method).toBe('POST');
    expect(r.headers.get('x-new')).toBe('1');
    expect(await r.text()).toBe('{"a":1}');
  });

  it('its signal aborts when the connection says the client left', () => {
    const r = lazy();
    const signal = r.signal;
    expect(signal.aborted).toBe(false);
    abortRequest(r, new Error('gone'));
    expect(signal.aborted).toBe(true);
    // A signal asked for after the abort is aborted too.
    const r2 = lazy();
    abortRequest(r2, new Error('gone'));
    expect(r2.signal.aborted).toBe(true);
  });
});

describe('LightResponse', () => {
  it('is what new Response() builds, and instanceof holds both ways', () => {
    const light = new Response('x');
    expect(light).toBeInstanceOf(LightResponse);
    expect(light).toBeInstanceOf(Response);
    expect(light).toBeInstanceOf(NativeResponse);
    const native = new NativeResponse('x');
    expect(native).toBeInstanceOf(Response);
    expect(Response.json({ a: 1 })).toBeInstanceOf(Response);
  });

  it('answers status, headers and body like the native one', async () => {
    const r = new Response('{"e":1}', { status: 404, headers: { 'Content-Type': 'application/json' } });
    expect(r.status).toBe(404);
    expect(r.ok).toBe(false);
    expect(r.statusText).toBe('');
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.json()).toEqual({ e: 1 });
    expect(r.bodyUsed).toBe(true);
  });

  it('a string body gets text/plain by default, bytes get nothing', () => {
    expect(new Response('x').headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(new Response(new Uint8Array([1])).headers.get('content-type')).toBeNull();
    expect(lightParts(new Response('x'))?.defaultContentType).toBe(true);
  });

  it('stays light until something beyond status and headers is read', () => {
    const r = new Response('abc', { status: 201, headers: { 'x-a': '1' } });
    expect(lightParts(r)).toMatchObject({ status: 201, body: 'abc', headers: { 'x-a': '1' } });
    r.headers.set('x-b', '2');
    const parts = lightParts(r);
    expect(parts?.headers).toBeInstanceOf(Headers);
    expect((parts?.headers as Headers).get('x-b')).toBe('2');
    void r.body;
    expect(lightParts(r)).toBeUndefined();
    expect(r.headers.get('x-b')).toBe('2');
  });

  it('keeps a ByteParts body unjoined for the writer, and joins it when read', async () => {
    const body = new ByteParts([Buffer.from('[1,'), Buffer.from('2]')]);
    // The front end's Response takes ByteParts; the DOM's BodyInit does not name it, hence the casts.
    const r = new Response(body as unknown as string, { headers: { 'content-type': 'application/json' } });
    expect(lightParts(r)?.body).toBe(body);
    expect(await r.json()).toEqual([1, 2]);
    expect(LightResponse.takesByteParts).toBe(true);
    // Outside the fast path (here a statusText) it goes native, joined.
    expect(await new Response(body as unknown as string, { statusText: 'Fine' }).text()).toBe('[1,2]');
  });

  it('throws where the native constructor throws', () => {
    expect(() => new Response('x', { status: 99 })).toThrow(RangeError);
    expect(() => new Response('x', { status: 204 })).toThrow(TypeError);
    expect(() => new Response('x', { headers: { 'bad name': 'v' } })).toThrow(TypeError);
    expect(() => new Response('x', { headers: { 'x-a': 'a\r\nb' } })).toThrow(TypeError);
  });

  it('other bodies and inits go native at once', async () => {
    const stream = new Response(new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([104, 105])), c.close()) }));
    expect(lightParts(stream)).toBeUndefined();
    expect(await stream.text()).toBe('hi');
    expect(lightParts(new Response('x', { statusText: 'Fine' }))).toBeUndefined();
    expect(lightParts(new Response('x', { headers: [['a', 'b']] }))).toBeUndefined();
    expect(lightParts(new Response('x', { headers: new Headers({ a: 'b' }) }))?.headers).toBeInstanceOf(Headers);
  });

  it('clone and Set-Cookie behave', async () => {
    const h = new Headers();
    h.append('set-cookie', 'a=1');
    h.append('set-cookie', 'b=2');
    const r = new Response('x', { headers: h });
    expect(r.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const c = r.clone();
    expect(await c.text()).toBe('x');
    expect(await r.text()).toBe('x');
  });
});
