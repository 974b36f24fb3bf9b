import { describe, expect, it } from 'vitest';
import { SipParseError } from './errors.ts';
import { DATAGRAM_LIMITS, resolveLimits } from './limits.ts';
import type { SipRequest } from './message.ts';
import { isKeepalive, parseDatagram } from './parser.ts';

const LINES = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
];

function dgram(lines: string[], body = '', eol = '\r\n'): Buffer {
  return Buffer.from(lines.join(eol) + eol + eol + body, 'utf8');
}

function req(buf: Buffer): SipRequest {
  const m = parseDatagram(buf);
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

function refused(buf: Buffer, limits = DATAGRAM_LIMITS): SipParseError {
  try {
    parseDatagram(buf, limits);
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error('expected a SipParseError');
}

describe('message framing in a datagram (§18.3)', () => {
  it('without Content-Length the body is the rest of the datagram', () => {
    expect(req(dgram(LINES, 'v=0\r\n')).body.toString()).toBe('v=0\r\n');
  });

  it('a Content-Length shorter than the rest truncates the body', () => {
    expect(req(dgram([...LINES, 'Content-Length: 3'], 'v=0\r\ngarbage')).body.toString()).toBe('v=0');
  });

  it('a Content-Length longer than the rest is refused but answerable', () => {
    const e = refused(dgram([...LINES, 'Content-Length: 10'], 'v=0'));
    expect([e.code, e.status, e.canAnswer]).toEqual(['SIP_BODY_TRUNCATED', 400, true]);
  });

  it('CRLFs before the start line are skipped (§7.5)', () => {
    expect(req(Buffer.concat([Buffer.from('\r\n\r\n'), dgram(LINES)])).method).toBe('INVITE');
  });

  it('a datagram of nothing but CRLF is a keep-alive, not a message', () => {
    expect(isKeepalive(Buffer.from('\r\n\r\n'))).toBe(true);
    expect(isKeepalive(Buffer.from('\r\nX'))).toBe(false);
    expect(isKeepalive(Buffer.alloc(0))).toBe(false);
    expect(refused(Buffer.from('\r\n\r\n')).code).toBe('SIP_EMPTY_MESSAGE');
  });

  it('a message without the empty line after the headers is refused (§7.1)', () => {
    const e = refused(Buffer.from(LINES.join('\r\n') + '\r\n'));
    expect([e.code, e.canAnswer]).toEqual(['SIP_INCOMPLETE_HEAD', true]);
  });
});

describe('line endings and folding (§7, §7.3.1)', () => {
  it('bare LF line endings are tolerated (RFC 2616 §19.3 robustness)', () => {
    const m = req(dgram([...LINES, 'Content-Length: 4'], 'v=0\n', '\n'));
    expect(m.cseq).toEqual({ seq: 314159, method: 'INVITE' });
    expect(m.body.toString()).toBe('v=0\n');
  });

  it('mixed CRLF and LF line endings are tolerated', () => {
    const text = LINES.slice(0, 4).join('\r\n') + '\n' + LINES.slice(4).join('\n') + '\r\n\n';
    expect(req(Buffer.from(text)).callId).toBe('a84b4c76e66710');
  });

  it('a CR that does not end a line is refused', () => {
    expect(refused(dgram([...LINES, 'Subject: a\rb'])).code).toBe('SIP_BAD_ENCODING');
    expect(refused(dgram(['INVITE sip:bob@biloxi.example.com SIP/2.0\r', ...LINES.slice(1)])).code).toBe('SIP_BAD_ENCODING');
  });

  it('folded header lines are unfolded into one SP', () => {
    const m = req(dgram([...LINES, 'Subject: I know you are there,', '     pick up the phone', '\tand talk to me!']));
    expect(m.headers.get('subject')).toBe('I know you are there, pick up the phone and talk to me!');
  });

  it('a continuation line with no header before it is refused', () => {
    const lines = [LINES[0]!, ' folded-too-early', ...LINES.slice(1)];
    expect(refused(dgram(lines)).code).toBe('SIP_BAD_HEADER_LINE');
  });

  it('header lines without a colon or with a bad name are refused, still answerable', () => {
    const e = refused(dgram([...LINES, 'NoColonHere']));
    expect([e.code, e.reason, e.canAnswer]).toEqual(['SIP_BAD_HEADER_LINE', 'Bad Request - Malformed Header Line', true]);
    expect(refused(dgram([...LINES, 'Bad Name: x'])).code).toBe('SIP_BAD_HEADER_LINE');
    expect(refused(dgram([...LINES, ': x'])).code).toBe('SIP_BAD_HEADER_LINE');
  });

  it('white space before the colon is allowed (HCOLON)', () => {
    expect(req(dgram([...LINES, 'Subject \t : hi'])).headers.get('subject')).toBe('hi');
  });
});

describe('character set (§7, §25)', () => {
  it('UTF-8 in header values is decoded', () => {
    expect(req(dgram([...LINES, 'Subject: Grüße 🎉'])).headers.get('subject')).toBe('Grüße 🎉');
  });

  it('octets that are not UTF-8 are refused', () => {
    const buf = Buffer.concat([dgram(LINES.slice(0, -1)).subarray(0, -2), Buffer.from([0x53, 0x3a, 0x20, 0xc3, 0x28, 0x0d, 0x0a, 0x0d, 0x0a])]);
    const e = refused(buf);
    expect([e.code, e.canAnswer]).toEqual(['SIP_BAD_ENCODING', true]);
  });

  it('control characters are refused outside a quoted-pair, accepted inside one', () => {
    expect(refused(dgram([...LINES, 'Subject: bell\x07'])).code).toBe('SIP_BAD_ENCODING');
    expect(refused(dgram([...LINES, 'X-A: "\x00"'])).code).toBe('SIP_BAD_ENCODING');
    expect(req(dgram([...LINES, 'X-A: "\\\x00"'])).headers.get('x-a')).toBe('"\\\x00"');
    expect(refused(dgram(['INVITE sip:bob@biloxi.example.com\x01 SIP/2.0', ...LINES.slice(1)])).code).toBe('SIP_BAD_ENCODING');
  });
});

describe('start line (§7.1, §7.2)', () => {
  it('a request with an unknown method is accepted', () => {
    const lines = ['FOOBAR sip:bob@biloxi.example.com SIP/2.0', ...LINES.slice(1, -2), 'CSeq: 1 FOOBAR'];
    expect(req(dgram(lines)).method).toBe('FOOBAR');
  });

  it('the version is case-insensitive, but only 2.0 is served', () => {
    expect(req(dgram(['INVITE sip:bob@biloxi.example.com sip/2.0', ...LINES.slice(1)])).version).toBe('SIP/2.0');
    const e = refused(dgram(['INVITE sip:bob@biloxi.example.com SIP/3.0', ...LINES.slice(1)]));
    expect([e.code, e.status]).toEqual(['SIP_VERSION_NOT_SUPPORTED', 505]);
    expect(refused(dgram(['INVITE sip:bob@biloxi.example.com SIP/2', ...LINES.slice(1)])).code).toBe('SIP_BAD_START_LINE');
  });

  it('status codes are three digits from 100 to 699, followed by SP', () => {
    const tail = LINES.slice(1);
    expect(parseDatagram(dgram(['SIP/2.0 180 Ringing', ...tail]))).toMatchObject({ kind: 'response', status: 180, reason: 'Ringing' });
    for (const bad of ['SIP/2.0 099 Low', 'SIP/2.0 700 High', 'SIP/2.0 20 OK', 'SIP/2.0 2000 OK', 'SIP/2.0 200', 'SIP/2.0 2x0 OK']) {
      const e = refused(dgram([bad, ...tail]));
      expect([e.code, e.canAnswer], bad).toEqual(['SIP_BAD_STATUS_CODE', false]);
    }
  });

  it('tabs are not separators in the Request-Line', () => {
    expect(refused(dgram(['INVITE\tsip:bob@biloxi.example.com SIP/2.0', ...LINES.slice(1)])).code).toBe('SIP_BAD_START_LINE');
  });
});

describe('answering errors', () => {
  it('a malformed ACK cannot be answered (§17.1.1.3: ACK gets no response)', () => {
    const lines = ['ACK sip:bob@biloxi.example.com SIP/2.0', ...LINES.slice(1, -2), 'CSeq: 1 ACK'].map((l) =>
      l.startsWith('Max-Forwards') ? 'Max-Forwards: 999' : l,
    );
    const e = refused(dgram(lines));
    expect([e.code, e.canAnswer]).toEqual(['SIP_BAD_HEADER', false]);
  });

  it('an error carries the partial message and the reason for the 400', () => {
    const e = refused(dgram([...LINES.slice(0, 6), 'CSeq: 1 INVITE extra']));
    expect(e.reason).toBe('Bad Request - Malformed CSeq');
    expect(e.status).toBe(400);
    expect(e.header).toBe('CSeq');
    expect(e.partial?.method).toBe('INVITE');
    expect(e.partial?.headers.get('call-id')).toBe('a84b4c76e66710');
  });

  it('a request missing a header a response needs cannot be answered', () => {
    const e = refused(dgram(LINES.filter((l) => !l.startsWith('Call-ID')).concat('Max-Forwards: x')));
    expect(e.canAnswer).toBe(false);
  });
});

describe('limits', () => {
  const small = resolveLimits('datagram', { maxMessageBytes: 2048, maxStartLineBytes: 128, maxHeaderCount: 12, maxHeaderLineBytes: 100, maxBodyBytes: 16 });

  it('a start line over the limit is a 414', () => {
    const e = refused(dgram([`INVITE sip:${'a'.repeat(200)}@example.com SIP/2.0`, ...LINES.slice(1)]), small);
    expect([e.code, e.status]).toEqual(['SIP_START_LINE_TOO_LONG', 414]);
  });

  it('a header line over the limit is refused, folded or not', () => {
    expect(refused(dgram([...LINES, `Subject: ${'x'.repeat(100)}`]), small).code).toBe('SIP_HEADER_TOO_LONG');
    const e = refused(dgram([...LINES, 'Subject: start', ...Array.from({ length: 5 }, () => ` ${'y'.repeat(30)}`)]), small);
    expect([e.code, e.status, e.canAnswer]).toEqual(['SIP_HEADER_TOO_LONG', 513, true]);
  });

  it('too many header fields are refused', () => {
    const e = refused(dgram([...LINES, ...Array.from({ length: 10 }, (_, i) => `X-${i}: v`)]), small);
    expect([e.code, e.status]).toEqual(['SIP_TOO_MANY_HEADERS', 513]);
  });

  it('a body over the limit is a 413', () => {
    const e = refused(dgram([...LINES, 'Content-Length: 20'], 'x'.repeat(20)), small);
    expect([e.code, e.status]).toEqual(['SIP_BODY_TOO_LARGE', 413]);
  });

  it('a message over the limit is a 513', () => {
    const e = refused(dgram(LINES, 'x'.repeat(3000)), small);
    expect([e.code, e.status]).toEqual(['SIP_MESSAGE_TOO_LARGE', 513]);
  });

  it('limits are validated', () => {
    expect(() => resolveLimits('stream', { maxHeaderCount: 0 })).toThrow();
    expect(() => resolveLimits('datagram', { maxBodyBytes: 100_000 })).toThrow(/maxBodyBytes/);
    expect(() => resolveLimits('datagram', { bogus: 1 } as never)).toThrow();
    expect(resolveLimits('stream').maxMessageBytes).toBe(1024 * 1024);
  });
});

describe('lazily parsed typed headers', () => {
  it('a malformed header the stack does not need at once is refused when read', () => {
    const m = req(dgram([...LINES, 'Expires: soon']));
    expect(() => m.expires).toThrow(SipParseError);
    expect(() => m.expires).toThrow('Malformed Expires');
  });

  it('typed forms are cached', () => {
    const m = req(dgram(LINES));
    expect(m.from).toBe(m.from);
    expect(m.via).toBe(m.via);
  });
});
