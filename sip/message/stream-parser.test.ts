import { describe, expect, it } from 'vitest';
import { resolveLimits } from './limits.ts';
import type { SipMessage } from './message.ts';
import { SipStreamParser, type StreamEvent } from './stream-parser.ts';

function msg(lines: string[], body = ''): Buffer {
  const withLength = [...lines, `Content-Length: ${Buffer.byteLength(body)}`];
  return Buffer.from(withLength.join('\r\n') + '\r\n\r\n' + body);
}

const invite = msg(
  [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    'Content-Type: application/sdp',
  ],
  'v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\n\r\n\r\n',
);
const ringing = msg([
  'SIP/2.0 180 Ringing',
  'Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
  'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
]);
const bye = msg([
  'BYE sip:alice@pc33.atlanta.example.com SIP/2.0',
  'Via: SIP/2.0/TCP 192.0.2.4;branch=z9hG4bKnashds10',
  'Max-Forwards: 70',
  'From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
  'To: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 231 BYE',
]);

/** Events in a comparable shape: messages by start line and body. */
function summary(events: StreamEvent[]): unknown[] {
  return events.map((e) => {
    if (e.type !== 'message') return e.type === 'error' ? { error: e.error.code, fatal: e.fatal } : e.type;
    const m: SipMessage = e.message;
    return [m.kind === 'request' ? m.method : m.status, m.body.toString('latin1')];
  });
}

describe('framing on a stream (§7.5, §18.3)', () => {
  const stream = Buffer.concat([Buffer.from('\r\n'), invite, Buffer.from('\r\n\r\n'), ringing, bye, Buffer.from('\r\n\r\n')]);
  const expected = [
    ['INVITE', 'v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\n\r\n\r\n'],
    'keepalive',
    [180, ''],
    ['BYE', ''],
    'keepalive',
  ];

  it('several messages in one chunk are all framed by Content-Length', () => {
    expect(summary(new SipStreamParser().push(stream))).toEqual(expected);
  });

  it('messages split at every byte position are framed the same', () => {
    for (let i = 0; i <= stream.length; i++) {
      const p = new SipStreamParser();
      const events = [...p.push(stream.subarray(0, i)), ...p.push(stream.subarray(i))];
      expect(summary(events), `split at ${i}`).toEqual(expected);
      expect(p.buffered).toBe(0);
    }
  });

  it('messages fed one byte at a time are framed the same', () => {
    const p = new SipStreamParser();
    const events: StreamEvent[] = [];
    for (let i = 0; i < stream.length; i++) events.push(...p.push(stream.subarray(i, i + 1)));
    expect(summary(events)).toEqual(expected);
  });

  it('a single CRLF is ignored; a double CRLF is a keep-alive ping (RFC 5626 §3.5.1)', () => {
    const p = new SipStreamParser();
    expect(p.push(Buffer.from('\r\n'))).toEqual([]);
    expect(p.push(Buffer.from('\r\n'))).toEqual([{ type: 'keepalive' }]);
    expect(p.push(Buffer.from('\r\n\r\n\r\n\r\n'))).toEqual([{ type: 'keepalive' }, { type: 'keepalive' }]);
  });

  it('bodies are copies, not views of the reused buffer', () => {
    const p = new SipStreamParser();
    const [first] = p.push(invite);
    p.push(Buffer.alloc(invite.length, 0x41).fill(bye, 0, bye.length));
    if (first?.type !== 'message') throw new Error('expected a message');
    expect(first.message.body.toString()).toBe('v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\n\r\n\r\n');
  });

  it('bare LF line endings frame too', () => {
    const lf = Buffer.from(bye.toString().replace(/\r\n/g, '\n'));
    expect(summary(new SipStreamParser().push(lf))).toEqual([['BYE', '']]);
  });
});

describe('errors on a stream', () => {
  it('a message without Content-Length ends the stream, answerable', () => {
    const p = new SipStreamParser();
    const noLength = Buffer.from(bye.toString().replace('Content-Length: 0\r\n', ''));
    const events = p.push(Buffer.concat([noLength, invite]));
    expect(events).toHaveLength(1);
    const e = events[0];
    if (e?.type !== 'error') throw new Error('expected an error');
    expect([e.fatal, e.error.code, e.error.reason, e.error.canAnswer]).toEqual([
      true,
      'SIP_MISSING_CONTENT_LENGTH',
      'Bad Request - Missing Content-Length',
      true,
    ]);
    expect(p.failed).toBe(true);
    expect(p.push(invite)).toEqual([]);
  });

  it('a malformed message with a good Content-Length is skipped and the stream goes on', () => {
    const bad = msg(['OPTIONS sip:x@example.com SIP/2.0', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'From: Bell, Alexander <sip:a@b>', 'To: <sip:x@example.com>', 'Call-ID: 1', 'CSeq: 1 OPTIONS'], 'body!');
    const events = new SipStreamParser().push(Buffer.concat([bad, bye]));
    expect(summary(events)).toEqual([{ error: 'SIP_BAD_HEADER', fatal: false }, ['BYE', '']]);
    const e = events[0];
    if (e?.type !== 'error') throw new Error('expected an error');
    expect([e.error.reason, e.error.canAnswer]).toEqual(['Bad Request - Malformed From', true]);
  });

  it('an unknown version with a good Content-Length is skipped and answerable with 505', () => {
    const v3 = Buffer.from(bye.toString().replace(' SIP/2.0\r\n', ' SIP/3.0\r\n'));
    const events = new SipStreamParser().push(Buffer.concat([v3, bye]));
    expect(summary(events)).toEqual([{ error: 'SIP_VERSION_NOT_SUPPORTED', fatal: false }, ['BYE', '']]);
  });
});

describe('limits on a stream are enforced as bytes arrive', () => {
  it('a 10 MB header line fails at the limit without being buffered', () => {
    const p = new SipStreamParser();
    let events: StreamEvent[] = p.push(Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nX-Flood: '));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let pushed = 0;
    let maxBuffered = 0;
    while (pushed < 10 * 1024 * 1024 && events.length === 0) {
      events = p.push(chunk);
      pushed += chunk.length;
      maxBuffered = Math.max(maxBuffered, p.buffered);
    }
    expect(summary(events)).toEqual([{ error: 'SIP_HEADER_TOO_LONG', fatal: true }]);
    expect(pushed).toBeLessThanOrEqual(p.limits.maxHeaderLineBytes + chunk.length);
    expect(maxBuffered).toBeLessThanOrEqual(p.limits.maxMessageBytes);
  });

  it('10 MB in a single chunk fails without growing the buffer past the limit', () => {
    const p = new SipStreamParser();
    const flood = Buffer.alloc(10 * 1024 * 1024, 0x61);
    Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\nX-Flood: ').copy(flood);
    const events = p.push(flood);
    expect(summary(events)).toEqual([{ error: 'SIP_HEADER_TOO_LONG', fatal: true }]);
    expect(p.buffered).toBe(0);
  });

  it('endless small headers fail at the header count', () => {
    const p = new SipStreamParser();
    let events = p.push(Buffer.from('OPTIONS sip:bob@example.com SIP/2.0\r\n'));
    for (let i = 0; i < 10_000 && events.length === 0; i++) events = p.push(Buffer.from(`X-H${i}: v\r\n`));
    expect(summary(events)).toEqual([{ error: 'SIP_TOO_MANY_HEADERS', fatal: true }]);
  });

  it('an endless start line fails at its limit with 414', () => {
    const p = new SipStreamParser();
    let events = p.push(Buffer.from('INVITE sip:'));
    for (let i = 0; i < 100 && events.length === 0; i++) events = p.push(Buffer.alloc(1024, 0x61));
    const e = events[0];
    if (e?.type !== 'error') throw new Error('expected an error');
    expect([e.error.code, e.error.status]).toEqual(['SIP_START_LINE_TOO_LONG', 414]);
  });

  it('a Content-Length over the body limit fails before the body arrives (413)', () => {
    const p = new SipStreamParser(resolveLimits('stream', { maxBodyBytes: 1000 }));
    const events = p.push(Buffer.from(bye.toString().replace('Content-Length: 0', 'Content-Length: 5000')));
    const e = events[0];
    if (e?.type !== 'error') throw new Error('expected an error');
    expect([e.fatal, e.error.code, e.error.status, e.error.canAnswer]).toEqual([true, 'SIP_BODY_TOO_LARGE', 413, true]);
  });

  it('a whole message over the limit fails (513)', () => {
    const limits = resolveLimits('stream', { maxMessageBytes: 4096, maxBodyBytes: 4096 });
    const events = new SipStreamParser(limits).push(Buffer.from(bye.toString().replace('Content-Length: 0', 'Content-Length: 4000')));
    expect(summary(events)).toEqual([{ error: 'SIP_MESSAGE_TOO_LARGE', fatal: true }]);
  });

  it('many headers within every per-line limit still stop at the message limit', () => {
    const limits = resolveLimits('stream', { maxMessageBytes: 8192, maxHeaderCount: 10_000, maxBodyBytes: 0 });
    const p = new SipStreamParser(limits);
    let events = p.push(Buffer.from('OPTIONS sip:bob@example.com SIP/2.0\r\n'));
    for (let i = 0; i < 10_000 && events.length === 0; i++) events = p.push(Buffer.from(`X-H${i}: ${'v'.repeat(50)}\r\n`));
    expect(summary(events)).toEqual([{ error: 'SIP_MESSAGE_TOO_LARGE', fatal: true }]);
  });

  it('messages of exactly the limit pass, one after the other', () => {
    const body = 'x'.repeat(500);
    const m = msg(['MESSAGE sip:a@example.com SIP/2.0', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'Max-Forwards: 70', 'From: <sip:b@example.com>;tag=1', 'To: <sip:a@example.com>', 'Call-ID: c', 'CSeq: 1 MESSAGE', 'Content-Type: text/plain'], body);
    const limits = resolveLimits('stream', { maxMessageBytes: m.length, maxBodyBytes: 500 });
    const p = new SipStreamParser(limits);
    expect(summary(p.push(Buffer.concat([m, m, m])))).toEqual([
      ['MESSAGE', body],
      ['MESSAGE', body],
      ['MESSAGE', body],
    ]);
  });
});
