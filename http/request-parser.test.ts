// The parser without sockets: what it produces, each named error, and its limits enforced as the
// bytes arrive (it never holds more than a limit's worth of a head).
import { describe, expect, it } from 'vitest';
import { HttpParseError, type HttpParseErrorCode } from './http-parse-error.ts';
import { parseHttpLimits } from './limits.ts';
import { RequestParser, type ParseEvent, type RequestHead } from './request-parser.ts';

const limits = parseHttpLimits({});
const parser = () => new RequestParser(limits);
const b = (s: string) => Buffer.from(s, 'latin1');

function parseAll(raw: string, p = parser()): ParseEvent[] {
  return p.push(b(raw));
}

function errorOf(events: ParseEvent[]): HttpParseError | undefined {
  const ev = events.find((e) => e.type === 'error');
  return ev?.type === 'error' ? ev.error : undefined;
}

function headOf(events: ParseEvent[]): RequestHead {
  const ev = events.find((e) => e.type === 'head');
  if (ev?.type !== 'head') throw new Error('no head');
  return ev.head;
}

describe('RequestParser: requests', () => {
  it('parses a request with a Content-Length body into head, body, end', () => {
    const events = parseAll('LOOKUP /rest/v1/user/sip/calls?x=1 HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"user":"11"}');
    expect(events.map((e) => e.type)).toEqual(['head', 'body', 'end']);
    expect(headOf(events)).toEqual({
      method: 'LOOKUP',
      target: '/rest/v1/user/sip/calls?x=1',
      targetForm: 'origin',
      minor: 1,
      headers: [
        ['host', 'h'],
        ['content-type', 'application/json'],
        ['content-length', '13'],
      ],
      host: 'h',
      contentLength: 13,
      chunked: false,
      keepAlive: true,
      expectContinue: false,
      upgrade: false,
    });
    const body = events[1];
    expect(body?.type === 'body' && body.data.toString()).toBe('{"user":"11"}');
  });

  it('parses pipelined requests one after another', () => {
    const events = parseAll('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(events.map((e) => (e.type === 'head' ? e.head.target : e.type))).toEqual(['/a', 'end', '/b', 'end']);
  });

  it('read() hands out one event at a time and leaves the rest buffered', () => {
    const p = parser();
    p.feed(b('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(p.read()?.type).toBe('head');
    expect(p.read()?.type).toBe('end');
    expect(p.buffered).toBe('GET /b HTTP/1.1\r\nHost: h\r\n\r\n'.length);
    expect(p.read()?.type).toBe('head');
  });

  it('decodes chunked bodies with extensions and drops trailers', () => {
    const events = parseAll('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nWiki\r\n5\r\npedia\r\n0\r\nX-T: 1\r\n\r\n');
    const body = Buffer.concat(events.flatMap((e) => (e.type === 'body' ? [e.data] : []))).toString();
    expect(body).toBe('Wikipedia');
    expect(headOf(events).chunked).toBe(true);
    expect(headOf(events).headers.map(([n]) => n)).toEqual(['host', 'transfer-encoding']);
    expect(events[events.length - 1]?.type).toBe('end');
  });

  it('HTTP/1.0 is not persistent unless it asks; HTTP/1.1 is unless it says close', () => {
    expect(headOf(parseAll('GET / HTTP/1.0\r\n\r\n')).keepAlive).toBe(false);
    expect(headOf(parseAll('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n')).keepAlive).toBe(true);
    expect(headOf(parseAll('GET / HTTP/1.1\r\nHost: h\r\n\r\n')).keepAlive).toBe(true);
    expect(headOf(parseAll('GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n')).keepAlive).toBe(false);
  });

  it('marks upgrades and 100-continue', () => {
    const up = headOf(parseAll('GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
    expect(up.upgrade).toBe(true);
    expect(headOf(parseAll('GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n')).upgrade).toBe(false);
    const cont = headOf(parseAll('PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n'));
    expect(cont.expectContinue).toBe(true);
    // HTTP/1.0 requests have the expectation ignored (RFC 9110 §10.1.1).
    expect(headOf(parseAll('PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n')).expectContinue).toBe(false);
  });

  it('body slices stay valid after later feeds', () => {
    const p = parser();
    p.feed(b('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nhel'));
    const slices: Buffer[] = [];
    for (let ev = p.read(); ev; ev = p.read()) if (ev.type === 'body') slices.push(ev.data);
    p.feed(b('lo'));
    for (let ev = p.read(); ev; ev = p.read()) if (ev.type === 'body') slices.push(ev.data);
    p.feed(b('world'));
    for (let ev = p.read(); ev; ev = p.read()) if (ev.type === 'body') slices.push(ev.data);
    expect(Buffer.concat(slices).toString()).toBe('helloworld');
  });

  it('end(): a clean boundary is fine, a cut request is an error', () => {
    const p = parser();
    p.push(b('GET / HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(p.end()).toBeUndefined();
    const q = parser();
    q.push(b('GET / HTTP/1.1\r\nHo'));
    const ev = q.end();
    expect(ev?.type === 'error' && ev.error.code).toBe('HTTP_INCOMPLETE_MESSAGE');
  });

  it('takeRemaining() returns what follows an upgrade request', () => {
    const p = parser();
    p.feed(b('GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\x81\x05hello'));
    expect(p.read()?.type).toBe('head');
    expect(p.takeRemaining().toString('latin1')).toBe('\x81\x05hello');
  });

  it('reports one error, then nothing, and ignores later bytes', () => {
    const p = parser();
    const events = p.push(b('GET / HTTP/1.1\nHost: h\n\n'));
    expect(events).toHaveLength(1);
    expect(p.push(b('GET / HTTP/1.1\r\nHost: h\r\n\r\n'))).toEqual([]);
    expect(p.failed).toBe(true);
  });
});

describe('RequestParser: named errors', () => {
  const cases: [string, string, HttpParseErrorCode, number][] = [
    ['bare LF', 'GET / HTTP/1.1\nHost: h\r\n\r\n', 'HTTP_BARE_LF', 400],
    ['bare CR', 'GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n', 'HTTP_BARE_CR', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n', 'HTTP_OBS_FOLD', 400],
    ['space before colon', 'GET / HTTP/1.1\r\nHost : h\r\n\r\n', 'HTTP_SPACE_BEFORE_COLON', 400],
    ['invalid field name', 'GET / HTTP/1.1\r\nHost: h\r\nX@: 1\r\n\r\n', 'HTTP_INVALID_HEADER_NAME', 400],
    ['NUL in value', 'GET / HTTP/1.1\r\nHost: h\r\nX: a\x00\r\n\r\n', 'HTTP_INVALID_HEADER_VALUE', 400],
    ['missing Host', 'GET / HTTP/1.1\r\n\r\n', 'HTTP_MISSING_HOST', 400],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n', 'HTTP_DUPLICATE_HOST', 400],
    ['bad Host', 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', 'HTTP_INVALID_HOST', 400],
    ['bad method', 'GE(T / HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_INVALID_METHOD', 400],
    ['bad target', 'GET a HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_INVALID_TARGET', 400],
    ['bad version', 'GET / HTTP/1.x\r\nHost: h\r\n\r\n', 'HTTP_INVALID_VERSION', 400],
    ['HTTP/3.0', 'GET / HTTP/3.0\r\nHost: h\r\n\r\n', 'HTTP_VERSION_NOT_SUPPORTED', 505],
    ['duplicate CL', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx', 'HTTP_DUPLICATE_CONTENT_LENGTH', 400],
    ['CL list', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1,1\r\n\r\nx', 'HTTP_DUPLICATE_CONTENT_LENGTH', 400],
    ['CL not digits', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\nx', 'HTTP_INVALID_CONTENT_LENGTH', 400],
    ['CL and TE', 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 'HTTP_CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 400],
    ['TE in 1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 'HTTP_TRANSFER_ENCODING_IN_HTTP10', 400],
    ['TE gzip, chunked', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 'HTTP_UNSUPPORTED_TRANSFER_ENCODING', 501],
    ['TE chunked, chunked', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', 'HTTP_INVALID_TRANSFER_ENCODING', 400],
    ['TE empty', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,\r\n\r\n', 'HTTP_INVALID_TRANSFER_ENCODING', 400],
    ['chunk size 0x', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x1\r\n', 'HTTP_INVALID_CHUNK_SIZE', 400],
    ['chunk size sign, seen before its line ends', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-', 'HTTP_INVALID_CHUNK_SIZE', 400],
    ['chunk ext unterminated quote', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a="b\r\n', 'HTTP_INVALID_CHUNK_EXTENSION', 400],
    ['chunk ext trailing space', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a \r\n', 'HTTP_INVALID_CHUNK_EXTENSION', 400],
    ['chunk data overrun', 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n', 'HTTP_INVALID_CHUNK', 400],
    ['unknown expectation', 'GET / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n', 'HTTP_EXPECTATION_FAILED', 417],
    ['many empty lines', '\r\n'.repeat(5) + 'GET / HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP_TOO_MANY_EMPTY_LINES', 400],
    ['binary before any LF', '\x16\x03\x01', 'HTTP_INVALID_METHOD', 400],
  ];
  it.each(cases.map(([name, raw, code, status]) => [name, code, status, raw] as const))('%s → %s (%i)', (_name, code, status, raw) => {
    const err = errorOf(parseAll(raw));
    expect(err).toBeInstanceOf(HttpParseError);
    expect(err?.code).toBe(code);
    expect(err?.status).toBe(status);
  });
});

describe('RequestParser: limits as bytes arrive', () => {
  const small = parseHttpLimits({ maxRequestLineBytes: 100, maxHeaderBytes: 1000, maxHeaderCount: 10, maxBodyBytes: 5000 });

  /** Feeds `total` bytes of `fill` after `prefix` in 1 KiB pieces; returns the error and the bytes fed until it. */
  function flood(prefix: string, fill: string, total: number, l = small) {
    const p = new RequestParser(l);
    let fed = 0;
    let maxBuffered = 0;
    const piece = b(fill.repeat(Math.ceil(1024 / fill.length)).slice(0, 1024));
    for (const ev of p.push(b(prefix))) if (ev.type === 'error') return { error: ev.error, fed: prefix.length, maxBuffered };
    fed = prefix.length;
    while (fed < total) {
      const events = p.push(piece);
      fed += piece.length;
      maxBuffered = Math.max(maxBuffered, p.buffered);
      const err = errorOf(events);
      if (err) return { error: err, fed, maxBuffered };
    }
    return { error: undefined, fed, maxBuffered };
  }

  it('10 MB of one header value: 431 within a piece of crossing the limit, never holding more', () => {
    const r = flood('GET / HTTP/1.1\r\nHost: h\r\nX-Flood: ', 'a', 10 << 20);
    expect(r.error?.code).toBe('HTTP_HEADER_OVERFLOW');
    expect(r.error?.status).toBe(431);
    expect(r.fed).toBeLessThanOrEqual(1000 + 1024 + 64);
    expect(r.maxBuffered).toBeLessThanOrEqual(1000 + 1024);
  });

  it('10 MB of many small header lines: 431 once the count is crossed', () => {
    const r = flood('GET / HTTP/1.1\r\nHost: h\r\n', 'X: 1\r\n', 10 << 20);
    expect(r.error?.code).toBe('HTTP_TOO_MANY_HEADERS');
    expect(r.fed).toBeLessThanOrEqual(2048);
  });

  it('with a generous count, many lines hit the byte limit instead', () => {
    const l = parseHttpLimits({ maxHeaderBytes: 4096, maxHeaderCount: 1000 });
    const r = flood('GET / HTTP/1.1\r\nHost: h\r\n', 'X: 1\r\n', 10 << 20, l);
    expect(r.error?.code).toBe('HTTP_HEADER_OVERFLOW');
    expect(r.fed).toBeLessThanOrEqual(4096 + 1024 + 64);
  });

  it('an endless request line: 414 before its end', () => {
    const r = flood('GET /', 'a', 10 << 20);
    expect(r.error?.code).toBe('HTTP_REQUEST_LINE_TOO_LONG');
    expect(r.error?.status).toBe(414);
    expect(r.fed).toBeLessThanOrEqual(100 + 1024 + 8);
  });

  it('the request line limit is exact', () => {
    const line = (n: number) => `GET /${'a'.repeat(n - 'GET / HTTP/1.1'.length)} HTTP/1.1`;
    expect(line(100)).toHaveLength(100);
    expect(errorOf(parseAll(`${line(100)}\r\nHost: h\r\n\r\n`, new RequestParser(small)))).toBeUndefined();
    expect(errorOf(parseAll(`${line(101)}\r\nHost: h\r\n\r\n`, new RequestParser(small)))?.code).toBe('HTTP_REQUEST_LINE_TOO_LONG');
  });

  it('the header count limit is exact', () => {
    const head = (n: number) => `GET / HTTP/1.1\r\nHost: h\r\n${Array.from({ length: n - 1 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`;
    expect(errorOf(parseAll(head(10), new RequestParser(small)))).toBeUndefined();
    expect(errorOf(parseAll(head(11), new RequestParser(small)))?.code).toBe('HTTP_TOO_MANY_HEADERS');
  });

  it('a Content-Length over the limit is refused from the head alone', () => {
    const err = errorOf(parseAll('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5001\r\n\r\n', new RequestParser(small)));
    expect(err?.code).toBe('HTTP_BODY_TOO_LARGE');
    expect(err?.status).toBe(413);
    expect(errorOf(parseAll('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n', new RequestParser(small)))?.code).toBe('HTTP_BODY_TOO_LARGE');
  });

  it('chunked bodies are counted as they arrive: 413 at the chunk that crosses the limit', () => {
    const p = new RequestParser(small);
    p.push(b('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'));
    let delivered = 0;
    for (let i = 0; i < 100; i++) {
      const events = p.push(b(`3e8\r\n${'x'.repeat(1000)}\r\n`));
      for (const ev of events) if (ev.type === 'body') delivered += ev.data.length;
      const err = errorOf(events);
      if (err) {
        expect(err.code).toBe('HTTP_BODY_TOO_LARGE');
        expect(delivered).toBe(5000);
        return;
      }
    }
    throw new Error('no 413');
  });

  it('endless chunk extensions are refused', () => {
    const r = flood('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;', 'a', 10 << 20);
    expect(r.error?.code).toBe('HTTP_CHUNK_EXTENSIONS_OVERFLOW');
    expect(r.fed).toBeLessThanOrEqual(8192);
  });

  it('endless trailers are refused', () => {
    const r = flood('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ', 'a', 10 << 20);
    expect(r.error?.code).toBe('HTTP_HEADER_OVERFLOW');
  });

  it('a head dribbled byte by byte is parsed, and copying stays linear', () => {
    const p = new RequestParser(limits);
    const raw = b(`GET / HTTP/1.1\r\nHost: h\r\nX-Long: ${'v'.repeat(15000)}\r\n\r\n`);
    const events: ParseEvent[] = [];
    const t0 = performance.now();
    for (let i = 0; i < raw.length; i++) events.push(...p.push(raw.subarray(i, i + 1)));
    expect(events.map((e) => e.type)).toEqual(['head', 'end']);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('limits options', () => {
  it('fills defaults', () => {
    expect(parseHttpLimits({}).maxHeaderBytes).toBe(16384);
  });

  it('refuses an invalid option, naming it', () => {
    expect(() => parseHttpLimits({ maxHeaderCount: 0 })).toThrow(/maxHeaderCount/);
    expect(() => parseHttpLimits({ maxBodyBytes: -1 })).toThrow(/maxBodyBytes/);
    expect(() => parseHttpLimits({ headersTimeoutMs: 1.5 })).toThrow(/headersTimeoutMs/);
  });
});
