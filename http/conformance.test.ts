// The conformance matrix: raw bytes over a real socket against a listening front end, each row an
// exact request and the status (and whether the connection closes) RFC 9110/9112 call for. Rows
// that keep the connection open prove it by getting a second request answered on it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpFrontEnd, type HttpFrontEnd } from './server.ts';
import { RawClient, type RawResponse } from './test-raw-client.ts';

interface Seen {
  method: string;
  url: string;
  body: string;
  rawBody: string;
  headers: [string, string][];
}

const seen: Seen[] = [];
let fe: HttpFrontEnd;
let port: number;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  fe = createHttpFrontEnd({
    limits: { maxRequestLineBytes: 1024, maxHeaderBytes: 2048, maxHeaderCount: 20, maxBodyBytes: 4096 },
    fetch: async (req, env) => {
      const path = new URL(req.url).pathname;
      const entry: Seen = {
        method: req.method,
        url: req.url,
        body: await req.text(),
        rawBody: Buffer.from(env.rawBody).toString('latin1'),
        headers: [...req.headers],
      };
      seen.push(entry);
      if (path.startsWith('/delay/')) await sleep(Number(path.slice(7)));
      if (path === '/throw') throw new Error('handler exploded');
      return new Response(JSON.stringify(entry), { headers: { 'content-type': 'application/json' } });
    },
  });
  port = (await fe.listen(0, '127.0.0.1')).port;
});

afterAll(async () => {
  await fe.close();
});

beforeEach(() => {
  seen.length = 0;
});

const CRLF = '\r\n';
/** A request from its lines, CRLF everywhere, then the body. */
const req = (lines: string[], body = '') => lines.join(CRLF) + CRLF + CRLF + body;
const get = (extra: string[] = [], target = '/') => req([`GET ${target} HTTP/1.1`, 'Host: example.test', ...extra]);
const post = (extra: string[], body: string) => req(['POST /p HTTP/1.1', 'Host: example.test', ...extra], body);

interface Row {
  name: string;
  raw: string;
  status: number;
  close: boolean;
  check?: (res: RawResponse) => void;
}

async function exchange(raw: string): Promise<{ client: RawClient; res: RawResponse }> {
  const client = await RawClient.connect(port);
  client.write(raw);
  const res = await client.response();
  return { client, res };
}

/** The connection is still usable: a second request on it gets its answer. */
async function expectUsable(client: RawClient): Promise<void> {
  client.write(get([], '/after'));
  const again = await client.response();
  expect(again.status).toBe(200);
  expect(JSON.parse(again.body.toString()).url).toBe('http://example.test/after');
}

async function runRow(row: Row): Promise<RawResponse> {
  const { client, res } = await exchange(row.raw);
  try {
    expect(res.status).toBe(row.status);
    row.check?.(res);
    if (row.close) {
      expect(res.headers.connection).toBe('close');
      await client.waitClosed();
    } else {
      expect(res.headers.connection).not.toBe('close');
      await expectUsable(client);
    }
    return res;
  } finally {
    client.close();
  }
}

const seedVerbs = ['GET', 'POST', 'LOOKUP', 'REFER', 'REFERREPLACES', 'SWITCHCONF', 'REFERCONF', 'NOTIFY', 'SEND_DTMF', 'SETUP_ASR', 'SETUP_RECORD', 'SETUP_BINDINGS', 'DELETE', 'INVITE'];

describe('every seed verb is a method', () => {
  it.each(seedVerbs)('%s with a JSON body reaches the handler with its method and body', async (verb) => {
    const body = '{"by":"a"}';
    const res = await runRow({
      name: verb,
      raw: req([`${verb} /rest/v1/user/sip/calls/rDlg-001-abc123?x=1 HTTP/1.1`, 'Host: example.test', 'Content-Type: application/json', `Content-Length: ${body.length}`], body),
      status: 200,
      close: false,
    });
    const echoed = JSON.parse(res.body.toString()) as Seen;
    expect(echoed.method).toBe(verb);
    expect(echoed.url).toBe('http://example.test/rest/v1/user/sip/calls/rDlg-001-abc123?x=1');
    // GET keeps its body out of the WHATWG Request but hands it over in env.rawBody.
    expect(echoed.rawBody).toBe(body);
    expect(echoed.body).toBe(verb === 'GET' ? '' : body);
  });
});

const rows: Row[] = [
  // Request line (RFC 9112 §3).
  { name: 'lowercase method is its own token', raw: req(['get / HTTP/1.1', 'Host: example.test']), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).method).toBe('get') },
  { name: 'two leading empty lines are ignored', raw: CRLF + CRLF + get(), status: 200, close: false },
  { name: 'ten leading empty lines are refused', raw: CRLF.repeat(10) + get(), status: 400, close: true },
  { name: 'double space in request line', raw: req(['GET  / HTTP/1.1', 'Host: example.test']), status: 400, close: true },
  { name: 'missing version (HTTP/0.9 style)', raw: 'GET /\r\n\r\n', status: 400, close: true },
  { name: 'HTTP/2.0 is not supported', raw: req(['GET / HTTP/2.0', 'Host: example.test']), status: 505, close: true },
  { name: 'HTTP/1.2 is not supported', raw: req(['GET / HTTP/1.2', 'Host: example.test']), status: 505, close: true },
  { name: 'lowercase http/1.1', raw: req(['GET / http/1.1', 'Host: example.test']), status: 400, close: true },
  { name: 'version with two digits', raw: req(['GET / HTTP/1.10', 'Host: example.test']), status: 400, close: true },
  { name: 'garbage (a TLS ClientHello)', raw: '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', status: 400, close: true },
  { name: 'target not in origin-form', raw: req(['GET foo HTTP/1.1', 'Host: example.test']), status: 400, close: true },
  { name: 'control byte in target', raw: req(['GET /a\x01b HTTP/1.1', 'Host: example.test']), status: 400, close: true },
  { name: 'non-ASCII byte in target', raw: req(['GET /caf\xe9 HTTP/1.1', 'Host: example.test']), status: 400, close: true },
  { name: 'backslash in path', raw: req(['GET /a\\..\\b HTTP/1.1', 'Host: example.test']), status: 400, close: false },
  { name: 'dot segments are resolved', raw: get([], '/a/b/../c'), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).url).toBe('http://example.test/a/c') },
  { name: 'raw JSON in the query string (curl -g)', raw: get([], '/calls?filter={"status":"dialog"}'), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).url).toBe('http://example.test/calls?filter={%22status%22:%22dialog%22}') },
  { name: 'OPTIONS * (asterisk-form)', raw: req(['OPTIONS * HTTP/1.1', 'Host: example.test']), status: 200, close: false },
  { name: 'GET * is refused', raw: req(['GET * HTTP/1.1', 'Host: example.test']), status: 400, close: true },
  { name: 'absolute-form wins over Host', raw: req(['GET http://other.test/abs?q=1 HTTP/1.1', 'Host: example.test']), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).url).toBe('http://other.test/abs?q=1') },
  { name: 'CONNECT is not allowed', raw: req(['CONNECT example.test:443 HTTP/1.1', 'Host: example.test:443']), status: 405, close: false, check: (r) => expect(JSON.parse(r.body.toString())).toEqual({ error_code: 1405, error_message: 'method CONNECT not allowed' }) },
  { name: 'TRACE is not allowed', raw: req(['TRACE / HTTP/1.1', 'Host: example.test']), status: 405, close: false, check: (r) => expect(JSON.parse(r.body.toString())).toEqual({ error_code: 1405, error_message: 'method TRACE not allowed' }) },
  { name: 'track (any case) is not allowed', raw: req(['track / HTTP/1.1', 'Host: example.test']), status: 405, close: false },

  // Line endings (RFC 9112 §2.2).
  { name: 'bare LF everywhere', raw: 'GET / HTTP/1.1\nHost: example.test\n\n', status: 400, close: true },
  { name: 'bare LF after one field', raw: 'GET / HTTP/1.1\r\nHost: example.test\nX-A: b\r\n\r\n', status: 400, close: true },
  { name: 'bare LF ending the head', raw: 'GET / HTTP/1.1\r\nHost: example.test\r\n\n', status: 400, close: true },
  { name: 'bare CR inside a field line', raw: 'GET / HTTP/1.1\r\nHost: example.test\rX-A: b\r\n\r\n', status: 400, close: true },
  { name: 'bare CR in the request line', raw: 'GET /\r HTTP/1.1\r\nHost: example.test\r\n\r\n', status: 400, close: true },

  // Field lines (RFC 9112 §5, RFC 9110 §5.5).
  { name: 'obs-fold', raw: get(['X-A: one', ' two']), status: 400, close: true },
  { name: 'obs-fold with a tab', raw: get(['X-A: one', '\ttwo']), status: 400, close: true },
  { name: 'whitespace before the first field', raw: req(['GET / HTTP/1.1', ' Host: example.test']), status: 400, close: true },
  { name: 'space before colon', raw: req(['GET / HTTP/1.1', 'Host : example.test']), status: 400, close: true },
  { name: 'tab before colon', raw: req(['GET / HTTP/1.1', 'Host\t: example.test']), status: 400, close: true },
  { name: 'empty field name', raw: get([': value']), status: 400, close: true },
  { name: 'bad character in field name', raw: get(['X(A): b']), status: 400, close: true },
  { name: 'line without a colon', raw: get(['NoColonHere']), status: 400, close: true },
  { name: 'NUL in a field value', raw: get(['X-A: a\x00b']), status: 400, close: true },
  { name: 'control byte in a field value', raw: get(['X-A: a\x01b']), status: 400, close: true },
  { name: 'DEL in a field value', raw: get(['X-A: a\x7fb']), status: 400, close: true },
  { name: 'obs-text in a field value is kept', raw: get(['X-A: caf\xe9']), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).headers).toContainEqual(['x-a', 'caf\xe9']) },
  { name: 'optional whitespace around a value is trimmed', raw: get(['X-A: \t spaced \t ']), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).headers).toContainEqual(['x-a', 'spaced']) },

  // Host (RFC 9112 §3.2).
  { name: 'missing Host in HTTP/1.1', raw: req(['GET / HTTP/1.1', 'X-A: b']), status: 400, close: true },
  { name: 'two Host fields', raw: req(['GET / HTTP/1.1', 'Host: a.test', 'Host: b.test']), status: 400, close: true },
  { name: 'Host with a userinfo part', raw: req(['GET / HTTP/1.1', 'Host: user@example.test']), status: 400, close: true },
  { name: 'Host with a path', raw: req(['GET / HTTP/1.1', 'Host: example.test/evil']), status: 400, close: true },
  { name: 'HTTP/1.0 without Host closes after the answer', raw: 'GET /old HTTP/1.0\r\n\r\n', status: 200, close: true },

  // Content-Length (RFC 9110 §8.6, RFC 9112 §6.3).
  { name: 'Content-Length body', raw: post(['Content-Length: 5'], 'hello'), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).body).toBe('hello') },
  { name: 'duplicate Content-Length, same value', raw: post(['Content-Length: 5', 'Content-Length: 5'], 'hello'), status: 400, close: true },
  { name: 'conflicting Content-Length', raw: post(['Content-Length: 5', 'Content-Length: 6'], 'hello!'), status: 400, close: true },
  { name: 'Content-Length list "5, 5"', raw: post(['Content-Length: 5, 5'], 'hello'), status: 400, close: true },
  { name: 'negative Content-Length', raw: post(['Content-Length: -5'], 'hello'), status: 400, close: true },
  { name: 'hex Content-Length', raw: post(['Content-Length: 0x5'], 'hello'), status: 400, close: true },
  { name: 'Content-Length with a plus sign', raw: post(['Content-Length: +5'], 'hello'), status: 400, close: true },
  { name: 'Content-Length with inner space', raw: post(['Content-Length: 5 5'], 'hello'), status: 400, close: true },
  { name: 'empty Content-Length', raw: post(['Content-Length: '], 'hello'), status: 400, close: true },
  { name: 'Content-Length over the limit is refused before the body', raw: post(['Content-Length: 5000000'], ''), status: 413, close: true },

  // Transfer-Encoding (RFC 9112 §6.1, §7).
  { name: 'chunked body', raw: post(['Transfer-Encoding: chunked'], '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).body).toBe('hello world') },
  { name: 'chunked is case-insensitive', raw: post(['Transfer-Encoding: Chunked'], '2\r\nhi\r\n0\r\n\r\n'), status: 200, close: false },
  { name: 'chunk extensions and trailers', raw: post(['Transfer-Encoding: chunked'], '5;name=value;flag\r\nhello\r\n3 ; q="a \\"b\\" c"\r\nabc\r\n0;last\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n'), status: 200, close: false, check: (r) => {
    const echoed = JSON.parse(r.body.toString()) as Seen;
    expect(echoed.body).toBe('helloabc');
    // Trailers are dropped, not merged into the header fields.
    expect(echoed.headers.map(([n]) => n)).not.toContain('x-trailer');
  } },
  { name: 'Content-Length with Transfer-Encoding', raw: post(['Content-Length: 5', 'Transfer-Encoding: chunked'], '0\r\n\r\n'), status: 400, close: true },
  { name: 'Transfer-Encoding in HTTP/1.0', raw: 'POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400, close: true },
  { name: 'unsupported coding before chunked (gzip, chunked)', raw: post(['Transfer-Encoding: gzip, chunked'], '0\r\n\r\n'), status: 501, close: true },
  { name: 'unsupported coding over two lines', raw: post(['Transfer-Encoding: gzip', 'Transfer-Encoding: chunked'], '0\r\n\r\n'), status: 501, close: true },
  { name: 'gzip alone: chunked not final, length unknowable', raw: post(['Transfer-Encoding: gzip'], 'x'), status: 400, close: true },
  { name: 'chunked, chunked', raw: post(['Transfer-Encoding: chunked, chunked'], '0\r\n\r\n'), status: 400, close: true },
  { name: 'chunked not last', raw: post(['Transfer-Encoding: chunked, gzip'], '0\r\n\r\n'), status: 400, close: true },
  { name: 'xchunked', raw: post(['Transfer-Encoding: xchunked'], '0\r\n\r\n'), status: 400, close: true },
  { name: 'space before colon in Transfer-Encoding', raw: post(['Transfer-Encoding : chunked'], '0\r\n\r\n'), status: 400, close: true },
  { name: 'chunk size 0x5', raw: post(['Transfer-Encoding: chunked'], '0x5\r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'chunk size -5', raw: post(['Transfer-Encoding: chunked'], '-5\r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'chunk size +5', raw: post(['Transfer-Encoding: chunked'], '+5\r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'chunk size with leading space', raw: post(['Transfer-Encoding: chunked'], ' 5\r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'chunk size with trailing space', raw: post(['Transfer-Encoding: chunked'], '5 \r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'chunk size not hex', raw: post(['Transfer-Encoding: chunked'], 'g\r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'overlong chunk size', raw: post(['Transfer-Encoding: chunked'], '00000000000000000005\r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'chunk longer than its size', raw: post(['Transfer-Encoding: chunked'], '3\r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'chunk size line with a bare LF', raw: post(['Transfer-Encoding: chunked'], '5\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'bad chunk extension', raw: post(['Transfer-Encoding: chunked'], '5;=x\r\nhello\r\n0\r\n\r\n'), status: 400, close: true },
  { name: 'obs-fold in a trailer', raw: post(['Transfer-Encoding: chunked'], '0\r\nX-T: a\r\n b\r\n\r\n'), status: 400, close: true },
  { name: 'chunked over the body limit', raw: post(['Transfer-Encoding: chunked'], '800\r\n' + 'a'.repeat(2048) + '\r\n800\r\n' + 'b'.repeat(2048) + '\r\n1\r\nc\r\n0\r\n\r\n'), status: 413, close: true },
  { name: 'one chunk announced over the body limit', raw: post(['Transfer-Encoding: chunked'], 'ffffff\r\n'), status: 413, close: true },

  // Limits (as bytes arrive).
  { name: 'request line too long', raw: get([], '/' + 'a'.repeat(1100)), status: 414, close: true },
  { name: 'header section too large', raw: get(['X-Big: ' + 'b'.repeat(2100)]), status: 431, close: true },
  { name: 'too many header fields', raw: get(Array.from({ length: 21 }, (_, i) => `X-H${i}: ${i}`)), status: 431, close: true },

  // Expectations (RFC 9110 §10.1.1).
  { name: 'unknown expectation', raw: post(['Expect: something-else', 'Content-Length: 2'], 'hi'), status: 417, close: true },

  // Connection management (RFC 9112 §9).
  { name: 'Connection: close', raw: get(['Connection: close']), status: 200, close: true },
  { name: 'HTTP/1.0 closes by default', raw: 'GET / HTTP/1.0\r\nHost: example.test\r\n\r\n', status: 200, close: true },
  { name: 'HTTP/1.0 with keep-alive stays open', raw: 'GET / HTTP/1.0\r\nHost: example.test\r\nConnection: keep-alive\r\n\r\n', status: 200, close: false, check: (r) => expect(r.headers.connection).toBe('keep-alive') },

  // Method override.
  { name: 'X-HTTP-Method-Override on POST', raw: post(['X-HTTP-Method-Override: SWITCHCONF', 'Content-Length: 2'], '{}'), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString())).toMatchObject({ method: 'SWITCHCONF', body: '{}' }) },
  { name: 'X-HTTP-Method-Override that is not a token', raw: post(['X-HTTP-Method-Override: SWITCH CONF', 'Content-Length: 2'], '{}'), status: 400, close: false },
  { name: 'X-HTTP-Method-Override to TRACE', raw: post(['X-HTTP-Method-Override: TRACE', 'Content-Length: 2'], '{}'), status: 405, close: false },
  { name: 'X-HTTP-Method-Override is ignored on GET', raw: get(['X-HTTP-Method-Override: DELETE']), status: 200, close: false, check: (r) => expect(JSON.parse(r.body.toString()).method).toBe('GET') },

  // Handler failures.
  { name: 'a throwing handler answers 500 and the connection stays usable', raw: get([], '/throw'), status: 500, close: false, check: (r) => expect(JSON.parse(r.body.toString())).toEqual({ error_code: 1500, error_message: 'internal error' }) },
];

describe('conformance matrix', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await runRow(row);
  });
});

describe('request smuggling', () => {
  it('CL.TE: the bytes after the chunked terminator are never a request', async () => {
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: example.test\r\n\r\n';
    const raw = post(['Content-Length: ' + (5 + smuggled.length), 'Transfer-Encoding: chunked'], '0\r\n\r\n' + smuggled);
    const { client, res } = await exchange(raw);
    expect(res.status).toBe(400);
    await client.waitClosed();
    expect(seen).toEqual([]);
    expect(client.pendingBytes).toBe(0);
  });

  it('TE.CL: a chunk that would hide a request under a short Content-Length is refused', async () => {
    const inner = 'GPOST /smuggled HTTP/1.1\r\nHost: example.test\r\nContent-Length: 15\r\n\r\nx=1';
    const raw = post(['Transfer-Encoding: chunked', 'Content-Length: 4'], `${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`);
    const { client, res } = await exchange(raw);
    expect(res.status).toBe(400);
    await client.waitClosed();
    expect(seen).toEqual([]);
  });

  it('TE with an obfuscated value next to Content-Length is refused, never re-synced', async () => {
    const raw = post(['Content-Length: 4', 'Transfer-Encoding: \tchunked'], '1\r\nZ\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: example.test\r\n\r\n');
    const { client, res } = await exchange(raw);
    expect(res.status).toBe(400);
    await client.waitClosed();
    expect(seen).toEqual([]);
  });

  it('after a framing error, pipelined requests behind it are dropped', async () => {
    const raw = get([], '/first') + 'GET / HTTP/1.1\nHost: x\n\n' + get([], '/smuggled');
    const client = await RawClient.connect(port);
    client.write(raw);
    expect((await client.response()).status).toBe(200);
    expect((await client.response()).status).toBe(400);
    await client.waitClosed();
    expect(seen.map((s) => new URL(s.url).pathname)).toEqual(['/first']);
  });
});

describe('connections', () => {
  it('Expect: 100-continue gets 100 before the body is sent', async () => {
    const client = await RawClient.connect(port);
    client.write(req(['PUT /upload HTTP/1.1', 'Host: example.test', 'Expect: 100-continue', 'Content-Length: 5']));
    const interim = await client.response();
    expect(interim.status).toBe(100);
    expect(seen).toEqual([]);
    client.write('hello');
    const final = await client.response();
    expect(final.status).toBe(200);
    expect(JSON.parse(final.body.toString()).body).toBe('hello');
    client.close();
  });

  it('Expect: 100-continue behind a pending request waits for that answer first', async () => {
    const client = await RawClient.connect(port);
    client.write(get([], '/delay/150') + req(['PUT /upload HTTP/1.1', 'Host: example.test', 'Expect: 100-continue', 'Content-Length: 2']));
    const first = await client.response();
    expect(first.status).toBe(200);
    expect((await client.response()).status).toBe(100);
    client.write('ok');
    expect((await client.response()).status).toBe(200);
    client.close();
  });

  it('Expect: 100-continue on a request refused from its head is answered at once, then closed', async () => {
    const client = await RawClient.connect(port);
    client.write(req(['TRACE /x HTTP/1.1', 'Host: example.test', 'Expect: 100-continue', 'Content-Length: 5']));
    const res = await client.response();
    expect(res.status).toBe(405);
    expect(res.headers.connection).toBe('close');
    await client.waitClosed();
  });

  it('pipelined requests are answered in order even when the first finishes last', async () => {
    const client = await RawClient.connect(port);
    client.write(get([], '/delay/300') + get([], '/delay/0') + get([], '/delay/100'));
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) paths.push(new URL(JSON.parse((await client.response()).body.toString()).url).pathname);
    expect(paths).toEqual(['/delay/300', '/delay/0', '/delay/100']);
    // All three ran at once: the handler saw them in arrival order before the first one finished.
    expect(seen.map((s) => new URL(s.url).pathname)).toEqual(['/delay/300', '/delay/0', '/delay/100']);
    client.close();
  });

  it('keep-alive: ten requests one after another on one connection', async () => {
    const client = await RawClient.connect(port);
    for (let i = 0; i < 10; i++) {
      client.write(get([], `/n/${i}`));
      const res = await client.response();
      expect(JSON.parse(res.body.toString()).url).toBe(`http://example.test/n/${i}`);
    }
    expect(fe.connections).toBeGreaterThanOrEqual(1);
    client.close();
  });

  it('a request split into single bytes parses the same', async () => {
    const client = await RawClient.connect(port);
    const raw = post(['Transfer-Encoding: chunked', 'X-Split: yes'], '3\r\nabc\r\n0\r\n\r\n');
    for (const ch of raw) {
      client.write(ch);
      await sleep(0);
    }
    const res = await client.response();
    expect(JSON.parse(res.body.toString())).toMatchObject({ method: 'POST', body: 'abc' });
    client.close();
  });

  it('HEAD gets the head only', async () => {
    const client = await RawClient.connect(port);
    client.write(req(['HEAD /h HTTP/1.1', 'Host: example.test']));
    const res = await client.response({ noBody: true });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    await expectUsable(client);
    client.close();
  });

  it('Date is sent', async () => {
    const { client, res } = await exchange(get());
    expect(new Date(res.headers.date!).getTime()).toBeGreaterThan(Date.now() - 5000);
    client.close();
  });
});
