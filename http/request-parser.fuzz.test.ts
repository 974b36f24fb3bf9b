// Property tests of the parser: noise and mutated requests never make it throw, and always end in
// requests or one named 4xx/5xx error; valid requests cut at random points parse back to exactly
// what was sent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpParseError } from './http-parse-error.ts';
import { parseHttpLimits } from './limits.ts';
import { RequestParser, type ParseEvent } from './request-parser.ts';

const limits = parseHttpLimits({ maxRequestLineBytes: 512, maxHeaderBytes: 2048, maxHeaderCount: 30, maxBodyBytes: 4096 });

interface Parsed {
  method: string;
  target: string;
  headers: [string, string][];
  body: Buffer;
}

interface Outcome {
  requests: Parsed[];
  error: HttpParseError | undefined;
}

/** Feeds `input` cut at `cuts`, then signals the end; checks the event grammar on the way. */
function run(input: Buffer, cuts: number[] = []): Outcome {
  const p = new RequestParser(limits);
  const events: ParseEvent[] = [];
  let at = 0;
  for (const c of [...new Set(cuts)].filter((c) => c > 0 && c < input.length).sort((x, y) => x - y)) {
    events.push(...p.push(input.subarray(at, c)));
    at = c;
  }
  events.push(...p.push(input.subarray(at)));
  const last = p.end();
  if (last) events.push(last);

  const requests: Parsed[] = [];
  let open: { method: string; target: string; headers: [string, string][]; chunks: Buffer[] } | undefined;
  let error: HttpParseError | undefined;
  for (const ev of events) {
    // Nothing follows an error.
    expect(error).toBeUndefined();
    switch (ev.type) {
      case 'head':
        expect(open).toBeUndefined();
        open = { method: ev.head.method, target: ev.head.target, headers: ev.head.headers, chunks: [] };
        break;
      case 'body':
        expect(open).toBeDefined();
        open!.chunks.push(Buffer.from(ev.data));
        break;
      case 'end':
        expect(open).toBeDefined();
        requests.push({ method: open!.method, target: open!.target, headers: open!.headers, body: Buffer.concat(open!.chunks) });
        open = undefined;
        break;
      case 'error':
        error = ev.error;
        expect(error).toBeInstanceOf(HttpParseError);
        expect(error.code).toMatch(/^HTTP_[A-Z0-9_]+$/);
        expect(error.status).toBeGreaterThanOrEqual(400);
        expect(error.status).toBeLessThanOrEqual(599);
        break;
    }
  }
  // After end() a request is never left half-done: it completed or the error says why not.
  if (!error) expect(open).toBeUndefined();
  return { requests, error };
}

// Generators of valid requests.
const tchars = "A-Za-z0-9!#$%&'*+.^_`|~-";
const token = fc.stringMatching(new RegExp(`^[${tchars}]{1,12}$`));
const framingNames = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade']);
const fieldName = token.filter((n) => !framingNames.has(n.toLowerCase()));
const fieldValue = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[!-~\x80-\xff](?:[ \t!-~\x80-\xff]{0,30}[!-~\x80-\xff])?$/),
);
const target = fc
  .tuple(fc.array(fc.stringMatching(/^[A-Za-z0-9._~-]{0,8}$/), { maxLength: 4 }), fc.option(fc.stringMatching(/^[A-Za-z0-9=&%{}"|:@/?-]{0,20}$/)))
  .map(([segs, q]) => `/${segs.join('/')}${q === null ? '' : `?${q}`}`)
  .filter((t) => !/\/\.\.?(?:\/|\?|$)/.test(t));
const ext = fc.constantFrom('', ';a=b', ';x', ' ; q="v \\" w"', ';n=1;m');

interface Spec {
  method: string;
  target: string;
  host: string;
  fields: [string, string][];
  body: Uint8Array;
  framing: 'length' | 'chunked';
  chunkSizes: number[];
  exts: string[];
  trailers: [string, string][];
}

const spec: fc.Arbitrary<Spec> = fc.record({
  method: token,
  target,
  host: fc.stringMatching(/^[a-z0-9.-]{1,20}(?::[0-9]{1,5})?$/),
  fields: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 8 }),
  body: fc.uint8Array({ maxLength: 300 }),
  framing: fc.constantFrom('length' as const, 'chunked' as const),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 20 }),
  exts: fc.array(ext, { minLength: 21, maxLength: 21 }),
  trailers: fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 3 }),
});

function serialize(s: Spec): { bytes: Buffer; expected: Parsed } {
  const framingField: [string, string] = s.framing === 'length' ? ['Content-Length', String(s.body.length)] : ['Transfer-Encoding', 'chunked'];
  const fields: [string, string][] = [['Host', s.host], ...s.fields, framingField];
  let head = `${s.method} ${s.target} HTTP/1.1\r\n`;
  for (const [n, v] of fields) head += `${n}: ${v}\r\n`;
  head += '\r\n';
  const parts: Buffer[] = [Buffer.from(head, 'latin1')];
  if (s.framing === 'length') parts.push(Buffer.from(s.body));
  else {
    let pos = 0;
    let i = 0;
    while (pos < s.body.length) {
      const n = Math.min(s.chunkSizes[i % Math.max(1, s.chunkSizes.length)] ?? s.body.length, s.body.length - pos);
      parts.push(Buffer.from(`${n.toString(16)}${s.exts[i % 21]}\r\n`, 'latin1'), Buffer.from(s.body.subarray(pos, pos + n)), Buffer.from('\r\n'));
      pos += n;
      i++;
    }
    let tail = `0${s.exts[20]}\r\n`;
    for (const [n, v] of s.trailers) tail += `${n}: ${v}\r\n`;
    parts.push(Buffer.from(`${tail}\r\n`, 'latin1'));
  }
  return {
    bytes: Buffer.concat(parts),
    expected: {
      method: s.method,
      target: s.target,
      headers: fields.map(([n, v]) => [n.toLowerCase(), v]),
      body: Buffer.from(s.body),
    },
  };
}

const cuts = fc.array(fc.nat({ max: 4000 }), { maxLength: 12 });

describe('RequestParser properties', () => {
  it('arbitrary bytes never throw and end in requests or one named 4xx/5xx error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (bytes, cs) => {
        const input = Buffer.from(bytes);
        const { requests, error } = run(input, cs);
        if (!error && requests.length === 0) expect(input.toString('latin1')).toMatch(/^(\r\n)*$/);
      }),
      { numRuns: 1000 },
    );
  });

  it('noise that looks like HTTP never throws, and cutting it does not change the outcome', () => {
    const pieces = fc.constantFrom('GET', 'POST', ' ', '/', 'HTTP/1.1', 'HTTP/1.0', '\r\n', '\n', '\r', ':', 'Host', 'Host: h\r\n', 'Content-Length', 'Transfer-Encoding', 'Transfer-Encoding: chunked\r\n', 'Content-Length: 3\r\n', 'chunked', '0', '5', 'a', ';', '"', '\t', '\x00', ',', 'POST / HTTP/1.1\r\n', '\r\n\r\n');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 60 }), cuts, (ps, cs) => {
        const input = Buffer.from(ps.join(''), 'latin1');
        const whole = run(input);
        const cut = run(input, cs);
        expect(cut.requests).toEqual(whole.requests);
        expect(cut.error === undefined).toBe(whole.error === undefined);
        // Below every limit, the first offending byte decides the code. (A line both too long and
        // malformed may be named either way, depending on which fault was seen first.)
        if (input.length < 500) expect(cut.error?.code).toEqual(whole.error?.code);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid requests never throw and end in requests or one named error', () => {
    const mutation = fc.record({ kind: fc.constantFrom('insert', 'delete', 'replace', 'duplicate-line'), at: fc.nat(), byte: fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x20, 0x2c, 0x3a, 0x3b, 0x30, 0x7f, 0xff, 0x41) });
    fc.assert(
      fc.property(spec, fc.array(mutation, { minLength: 1, maxLength: 3 }), cuts, (s, ms, cs) => {
        let bytes = serialize(s).bytes;
        for (const m of ms) {
          const at = m.at % (bytes.length + 1);
          if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte]), bytes.subarray(at)]);
          else if (m.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
          else if (m.kind === 'replace' && at < bytes.length) (bytes = Buffer.from(bytes))[at] = m.byte;
          else if (m.kind === 'duplicate-line') {
            const start = bytes.lastIndexOf(0x0a, at) + 1;
            const end = bytes.indexOf(0x0a, at);
            if (end !== -1) bytes = Buffer.concat([bytes.subarray(0, end + 1), bytes.subarray(start, end + 1), bytes.subarray(end + 1)]);
          }
        }
        run(bytes, cs);
      }),
      { numRuns: 1000 },
    );
  });

  it('valid requests, pipelined and cut anywhere, parse back to what was sent', () => {
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 3 }), cuts, (specs, cs) => {
        const made = specs.map(serialize);
        const { requests, error } = run(Buffer.concat(made.map((m) => m.bytes)), cs);
        expect(error).toBeUndefined();
        expect(requests).toEqual(made.map((m) => m.expected));
      }),
      { numRuns: 500 },
    );
  });

  it('cutting never changes the outcome', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), spec, cuts, (noise, s, cs) => {
        const input = Buffer.concat([serialize(s).bytes, Buffer.from(noise)]);
        const whole = run(input);
        const cut = run(input, cs);
        expect(cut.requests).toEqual(whole.requests);
        expect(cut.error?.code).toEqual(whole.error?.code);
      }),
      { numRuns: 500 },
    );
  });
});
