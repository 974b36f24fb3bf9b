import { describe, expect, it } from 'vitest';
import { createRequest, createResponse, generateBranch, generateCallId, generateTag, reasonPhrase } from './builders.ts';
import { SipParseError } from './errors.ts';
import { SipHeaders } from './headers.ts';
import { SipRequest, SipResponse } from './message.ts';
import { parseDatagram } from './parser.ts';
import { serialize } from './serializer.ts';
import { parseUri, sipUri } from './uri.ts';
import { validateRequest } from './validate.ts';

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'v: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2',
  'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1;received=192.0.2.1',
  'max-forwards: 70',
  't: Bob <sip:bob@biloxi.example.com>',
  'f: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'i: a84b4c76e66710',
  'CSEQ: 314159 INVITE',
  'Timestamp: 54',
  'Record-Route: <sip:proxy.example.com;lr>',
  'X-Custom-Header: kept as is',
  'l: 999',
  'c: text/plain',
  '',
  'hello',
].join('\r\n');

function parsedInvite(): SipRequest {
  const m = parseDatagram(Buffer.from(INVITE.replace('l: 999', 'l: 5')));
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

describe('serialize (§7)', () => {
  it('writes canonical long names in the original order, CRLF line ends and the real Content-Length', () => {
    const m = parsedInvite();
    m.body = Buffer.from('hello, world');
    expect(serialize(m).toString()).toBe(
      [
        'INVITE sip:bob@biloxi.example.com SIP/2.0',
        'Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2',
        'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1;received=192.0.2.1',
        'Max-Forwards: 70',
        'To: Bob <sip:bob@biloxi.example.com>',
        'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
        'Call-ID: a84b4c76e66710',
        'CSeq: 314159 INVITE',
        'Timestamp: 54',
        'Record-Route: <sip:proxy.example.com;lr>',
        'X-Custom-Header: kept as is',
        'Content-Length: 12',
        'Content-Type: text/plain',
        '',
        'hello, world',
      ].join('\r\n'),
    );
  });

  it('adds Content-Length when the message has none', () => {
    const r = new SipResponse(200, 'OK', new SipHeaders([['Subject', '']]), Buffer.from('ab'));
    expect(serialize(r).toString()).toBe('SIP/2.0 200 OK\r\nSubject:\r\nContent-Length: 2\r\n\r\nab');
  });

  it('writes the Request-URI as received until it is replaced', () => {
    const m = parseDatagram(Buffer.from(INVITE.replace('sip:bob@biloxi.example.com SIP', 'sip:%62ob@biloxi.example.com SIP').replace('l: 999', 'l: 5')));
    if (m.kind !== 'request') throw new Error('expected a request');
    expect(serialize(m).toString()).toMatch(/^INVITE sip:%62ob@biloxi.example.com SIP\/2.0\r\n/);
    m.uri = sipUri({ user: 'carol', host: 'chicago.example.com' });
    expect(serialize(m).toString()).toMatch(/^INVITE sip:carol@chicago.example.com SIP\/2.0\r\n/);
  });

  it('refuses start-line fields that would break the framing', () => {
    const r = new SipResponse(200, 'OK\r\nVia: evil');
    expect(() => serialize(r)).toThrow(TypeError);
    expect(() => serialize(new SipResponse(1000, 'x'))).toThrow(TypeError);
    const q = new SipRequest('INVITE\r\n', parseUri('sip:a@b'));
    expect(() => serialize(q)).toThrow(TypeError);
  });

  it('parse(serialize(m)) gives back m', () => {
    const m = parsedInvite();
    const again = parseDatagram(serialize(m));
    if (again.kind !== 'request') throw new Error('expected a request');
    expect(again.method).toBe(m.method);
    expect(again.uri).toEqual(m.uri);
    expect(again.headers.entries()).toEqual(m.headers.entries());
    expect(again.body.equals(m.body)).toBe(true);
  });
});

describe('createResponse (§8.2.6)', () => {
  it('copies every Via, From, To, Call-ID and CSeq, and tags To', () => {
    const r = createResponse(parsedInvite(), 180, undefined, { toTag: 'a6c85cf' });
    expect(r.reason).toBe('Ringing');
    expect(r.headers.entries()).toEqual([
      ['Via', 'SIP/2.0/UDP proxy.example.com;branch=z9hG4bK2'],
      ['Via', 'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK1;received=192.0.2.1'],
      ['From', 'Alice <sip:alice@atlanta.example.com>;tag=1928301774'],
      ['To', 'Bob <sip:bob@biloxi.example.com>;tag=a6c85cf'],
      ['Call-ID', 'a84b4c76e66710'],
      ['CSeq', '314159 INVITE'],
    ]);
    expect(r.to?.tag).toBe('a6c85cf');
  });

  it('a 100 Trying copies Timestamp (§8.2.6.1)', () => {
    expect(createResponse(parsedInvite(), 100).headers.get('timestamp')).toBe('54');
    expect(createResponse(parsedInvite(), 200).headers.has('timestamp')).toBe(false);
  });

  it('keeps a To tag that is already there', () => {
    const req = parsedInvite();
    req.headers.set('To', 'Bob <sip:bob@biloxi.example.com>;tag=existing');
    expect(createResponse(req, 200, 'OK', { toTag: 'new' }).to?.tag).toBe('existing');
  });

  it('copies Record-Route when asked, and adds headers and a body', () => {
    const r = createResponse(parsedInvite(), 200, 'OK', {
      toTag: 't',
      copyRecordRoute: true,
      headers: [['Contact', '<sip:bob@192.0.2.4>']],
      body: 'v=0\r\n',
      contentType: 'application/sdp',
    });
    expect(r.recordRoutes).toHaveLength(1);
    expect(r.contacts).toHaveLength(1);
    expect(serialize(r).toString()).toContain('Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n');
  });

  it('answers a message the parser refused, from its partial form', () => {
    const bad = Buffer.from(INVITE.replace('CSEQ: 314159 INVITE', 'CSeq: 99999999999 INVITE').replace('l: 999', 'l: 5'));
    let err: SipParseError | undefined;
    try {
      parseDatagram(bad);
    } catch (e) {
      if (e instanceof SipParseError) err = e;
    }
    if (!err?.canAnswer || !err.partial) throw new Error('expected an answerable error');
    const r = createResponse(err.partial, err.status, err.reason, { toTag: generateTag() });
    const wire = serialize(r).toString();
    expect(wire).toMatch(/^SIP\/2.0 400 Bad Request - Malformed CSeq\r\n/);
    expect(wire).toContain('CSeq: 99999999999 INVITE\r\n');
    expect(r.headers.count('via')).toBe(2);
  });

  it('refuses bad status codes and tags', () => {
    expect(() => createResponse(parsedInvite(), 99)).toThrow(RangeError);
    expect(() => createResponse(parsedInvite(), 200, 'OK', { toTag: 'a b' })).toThrow(TypeError);
  });

  it('reason phrases come from §21, falling back to the class', () => {
    expect(reasonPhrase(486)).toBe('Busy Here');
    expect(reasonPhrase(499)).toBe('Bad Request');
    expect(reasonPhrase(299)).toBe('OK');
  });
});

describe('createRequest (§8.1.1)', () => {
  it('builds a request that parses and validates', () => {
    const r = createRequest({
      method: 'INVITE',
      uri: 'sip:bob@biloxi.example.com',
      from: { displayName: 'Alice', uri: parseUri('sip:alice@atlanta.example.com'), params: new Map([['tag', generateTag()]]) },
      to: '<sip:bob@biloxi.example.com>',
      cseq: 1,
      via: { transport: 'udp', host: '192.0.2.1', port: 5060, params: [['rport', null]] },
      contact: { uri: parseUri('sip:alice@192.0.2.1:5060') },
      body: 'v=0\r\n',
      contentType: 'application/sdp',
    });
    expect(r.maxForwards).toBe(70);
    expect(r.topVia?.branch).toMatch(/^z9hG4bK/);
    expect(r.topVia?.rport).toBe(true);
    expect(validateRequest(r)).toBeUndefined();
    const again = parseDatagram(serialize(r));
    expect(again.headers.entries().filter(([n]) => n !== 'Content-Length')).toEqual(r.headers.entries());
    expect(again.contentLength).toBe(5);
  });

  it('refuses a bad method or CSeq', () => {
    const base = { uri: 'sip:b@example.com', from: '<sip:a@example.com>;tag=1', to: '<sip:b@example.com>' };
    expect(() => createRequest({ ...base, method: 'IN VITE', cseq: 1 })).toThrow(TypeError);
    expect(() => createRequest({ ...base, method: 'INVITE', cseq: 2 ** 31 })).toThrow(RangeError);
  });
});

describe('identifiers', () => {
  it('branches carry the magic cookie and are unique', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(generateBranch());
    expect(seen.size).toBe(2000);
    for (const b of seen) expect(b).toMatch(/^z9hG4bK[A-Za-z0-9_-]{16}$/);
  });

  it('tags and Call-IDs are tokens and words with enough randomness', () => {
    expect(generateTag()).toMatch(/^[0-9a-f]{16}$/);
    expect(generateCallId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(generateCallId('pbx.example.com')).toMatch(/^[A-Za-z0-9_-]{22}@pbx\.example\.com$/);
    expect(generateTag()).not.toBe(generateTag());
  });
});
