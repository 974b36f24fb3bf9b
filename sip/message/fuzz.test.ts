// Property-based tests: whatever the bytes, the parsers answer with a message or a SipParseError
// (never another exception, never a hang), and generated valid messages survive a round trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.ts';
import { ALL_SPECS } from './header-forms.ts';
import type { SipMessage } from './message.ts';
import { parseDatagram } from './parser.ts';
import { serialize } from './serializer.ts';
import { SipStreamParser } from './stream-parser.ts';
import { formatUri, sipUri } from './uri.ts';
import { validateRequest, validateResponse } from './validate.ts';
import * as T from './rfc4475.fixtures.ts';

/** The outcome of parsing, failing the test on anything but a SipParseError of the parser's own. */
function parseOrError(buf: Buffer): SipMessage | SipParseError {
  try {
    return parseDatagram(buf);
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    // A foreign exception wrapped by toParseError would carry it as cause: that is a bug.
    expect(e.cause).toBeUndefined();
    return e;
  }
}

/** Reads every typed header; validation must report problems as SipParseError, not throw. */
function exercise(m: SipMessage): void {
  const err = m.kind === 'request' ? validateRequest(m) : validateResponse(m);
  if (err) expect(err.cause).toBeUndefined();
  for (const spec of ALL_SPECS) {
    try {
      m.headers.all(spec);
    } catch (e) {
      expect(e).toBeInstanceOf(SipParseError);
    }
  }
}

const seeds = [
  T.wsinv, T.intmeth, T.esc01, T.escnull, T.esc02, T.lwsdisp, T.dblreq, T.semiuri, T.transports,
  T.mpart01, T.unreason, T.noreason, T.badinv01, T.quotbal, T.escruri, T.baddate, T.regbadct,
  T.unksm2, T.regaut01, T.bcast, T.inv2543, T.cparam01, T.regescrt,
];

const interesting = [0x00, 0x07, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x25, 0x2c, 0x3a, 0x3b, 0x3c, 0x3e, 0x3d, 0x40, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xc3, 0xff];
const byteArb = fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 255 }));

type Mutation = { kind: 'flip' | 'insert' | 'delete' | 'dup' | 'truncate'; at: number; len: number; byte: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'dup', 'truncate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 40 }),
  byte: byteArb,
});

function mutate(buf: Buffer, muts: Mutation[]): Buffer {
  let b = buf;
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') {
      b = Buffer.from(b);
      b[at] = m.byte;
    } else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.kind === 'dup') b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
    else b = b.subarray(0, at);
  }
  return b;
}

describe('the parser never throws anything but SipParseError', () => {
  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = parseOrError(Buffer.from(bytes));
        if (!(r instanceof SipParseError)) exercise(r);
      }),
      { numRuns: 2000 },
    );
  });

  it('on random text shaped like SIP', () => {
    const line = fc.oneof(
      fc.constantFrom('INVITE sip:a@b SIP/2.0', 'SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'To: <sip:a@b>', 'From: x <sip:c@d>;tag=1', 'Call-ID: 1@h', 'CSeq: 1 INVITE', 'Content-Length: 3', 'Max-Forwards: 70', ' folded', ''),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 15 }), fc.constantFrom('\r\n', '\n', '\r'), (lines, eol) => {
        const r = parseOrError(Buffer.from(lines.join(eol), 'utf8'));
        if (!(r instanceof SipParseError)) exercise(r);
      }),
      { numRuns: 2000 },
    );
  });

  it('on mutations of valid messages; what it accepts it can write and read again', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (seed, muts) => {
        const r = parseOrError(mutate(seed, muts));
        if (r instanceof SipParseError) return;
        exercise(r);
        const again = parseOrError(serialize(r));
        expect(again).not.toBeInstanceOf(SipParseError);
      }),
      { numRuns: 3000 },
    );
  });

  it('on a stream of mutated messages cut into random chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...seeds), fc.array(mutationArb, { maxLength: 2 })), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
        (parts, cuts) => {
          const stream = Buffer.concat(parts.map(([seed, muts]) => mutate(seed, muts)));
          const p = new SipStreamParser();
          let off = 0;
          let i = 0;
          while (off < stream.length) {
            const n = cuts[i++ % cuts.length] ?? 1;
            for (const e of p.push(stream.subarray(off, off + n))) {
              if (e.type === 'message') exercise(e.message);
              if (e.type === 'error') expect(e.error.cause).toBeUndefined();
            }
            off += n;
            expect(p.buffered).toBeLessThanOrEqual(p.limits.maxMessageBytes);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

// Generators of valid parts, from the grammar of §25.
const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const tokenChars = alnum + "-.!%*_+`'~";
const token = fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength: 12 });
const label = fc
  .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), fc.string({ unit: fc.constantFrom(...alnum.toLowerCase() + '-'), maxLength: 8 }), fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'))
  .map(([a, b, c]) => a + b + c);
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.')),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.')),
  fc.constantFrom('[2001:db8::1]', '[::1]', '[fe80::1:2:3]'),
);
const anyText = fc.string({ unit: 'grapheme', maxLength: 12 });
const uriArb = fc
  .record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), { nil: undefined }),
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.array(fc.tuple(token.map((t) => t.toLowerCase()), fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), { nil: null })), { maxLength: 3 }),
  })
  .map((p) => sipUri(p));
const displayName = fc.option(anyText, { nil: undefined });
const quoteDn = (d: string | undefined): string => (d === undefined ? '' : `"${d.replace(/(["\\])/g, '\\$1')}" `);

const requestArb = fc
  .record({
    method: token,
    uri: uriArb,
    vias: fc.array(fc.tuple(fc.constantFrom('UDP', 'TCP', 'TLS', 'WS'), host, token), { minLength: 1, maxLength: 4 }),
    from: fc.tuple(displayName, uriArb, token),
    to: fc.tuple(displayName, uriArb),
    callId: fc.tuple(token, fc.option(token, { nil: undefined })).map(([a, b]) => (b ? `${a}@${b}` : a)),
    seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    maxForwards: fc.integer({ min: 0, max: 255 }),
    extra: fc.array(fc.tuple(token.map((t) => 'X-' + t), fc.string({ unit: fc.constantFrom(...alnum + ' ,;:"<>=@/'), maxLength: 30 })), { maxLength: 4 }),
    body: fc.uint8Array({ maxLength: 200 }),
  })
  .map((r) => {
    const lines = [
      `${r.method} ${formatUri(r.uri)} SIP/2.0`,
      ...r.vias.map(([t, h, b]) => `Via: SIP/2.0/${t} ${h};branch=z9hG4bK${b}`),
      `Max-Forwards: ${r.maxForwards}`,
      `From: ${quoteDn(r.from[0])}<${formatUri(r.from[1])}>;tag=${r.from[2]}`,
      `To: ${quoteDn(r.to[0])}<${formatUri(r.to[1])}>`,
      `Call-ID: ${r.callId}`,
      `CSeq: ${r.seq} ${r.method}`,
      ...r.extra.map(([n, v]) => `${n}: ${v}`.trimEnd()),
      ...(r.body.length > 0 ? ['Content-Type: application/octet-stream'] : []),
      `Content-Length: ${r.body.length}`,
    ];
    return { wire: Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), r.body]), gen: r };
  });

describe('generated valid messages', () => {
  it('parse, validate and round-trip through serialize', () => {
    fc.assert(
      fc.property(requestArb, ({ wire, gen }) => {
        const m = parseDatagram(wire);
        if (m.kind !== 'request') throw new Error('expected a request');
        expect(validateRequest(m)).toBeUndefined();
        expect(m.method).toBe(gen.method);
        expect(m.uri).toEqual(gen.uri);
        expect(m.from?.uri).toEqual(gen.from[1]);
        expect(m.from?.displayName).toBe(gen.from[0]);
        expect(m.to?.displayName).toBe(gen.to[0]);
        expect(m.cseq).toEqual({ seq: gen.seq, method: gen.method });
        expect(m.via.map((v) => v.host)).toEqual(gen.vias.map(([, h]) => h));
        expect(Buffer.from(gen.body).equals(m.body)).toBe(true);
        const again = parseDatagram(serialize(m));
        if (again.kind !== 'request') throw new Error('expected a request');
        expect(again.uri).toEqual(m.uri);
        expect(again.headers.entries()).toEqual(m.headers.entries());
        expect(again.body.equals(m.body)).toBe(true);
        // The same message cut anywhere on a stream gives the same message.
        const p = new SipStreamParser();
        const cut = wire.length >> 1;
        const events = [...p.push(wire.subarray(0, cut)), ...p.push(wire.subarray(cut))];
        expect(events).toHaveLength(1);
        const e = events[0];
        if (e?.type !== 'message') throw new Error('expected a message');
        expect(e.message.headers.entries()).toEqual(m.headers.entries());
      }),
      { numRuns: 1000 },
    );
  });
});
