// RFC 4475 torture messages: valid ones parse (and survive a round trip), invalid ones are refused
// by the parser or by validateRequest with the reason a 400 (or 505) would carry.
import { describe, expect, it } from 'vitest';
import { SipParseError, type SipErrorCode } from './errors.ts';
import { H } from './header-forms.ts';
import type { SipMessage, SipRequest, SipResponse } from './message.ts';
import { parseDatagram } from './parser.ts';
import { serialize } from './serializer.ts';
import { SipStreamParser } from './stream-parser.ts';
import type { SipUri } from './uri.ts';
import { validateRequest, validateResponse } from './validate.ts';
import { isRfc3261Branch, isUnicastHost } from './via.ts';
import * as T from './rfc4475.fixtures.ts';

function request(buf: Buffer): SipRequest {
  const m = parseDatagram(buf);
  if (m.kind !== 'request') throw new Error('expected a request');
  return m;
}

function response(buf: Buffer): SipResponse {
  const m = parseDatagram(buf);
  if (m.kind !== 'response') throw new Error('expected a response');
  return m;
}

function sip(uri: unknown): SipUri {
  const u = uri as SipUri;
  expect(u.kind).toBe('sip');
  return u;
}

function parseError(buf: Buffer): SipParseError {
  try {
    parseDatagram(buf);
  } catch (e) {
    expect(e).toBeInstanceOf(SipParseError);
    return e as SipParseError;
  }
  throw new Error('expected the message to be refused');
}

function expectRefused(buf: Buffer, code: SipErrorCode, reason: string, canAnswer: boolean): SipParseError {
  const e = parseError(buf);
  expect({ code: e.code, reason: e.reason, canAnswer: e.canAnswer }).toEqual({ code, reason, canAnswer });
  return e;
}

/** A valid message is kept by a round trip through serialize: same start line, fields and body. */
function expectRoundTrip(m: SipMessage): void {
  const again = parseDatagram(serialize(m));
  const shape = (x: SipMessage) => ({
    start: x.kind === 'request' ? [x.method, x.uri] : [x.status, x.reason],
    fields: [...x.headers].filter((f) => f.key !== 'content-length').map((f) => [f.key, f.value]),
    body: x.body.toString('latin1'),
  });
  expect(shape(again)).toEqual(shape(m));
}

describe('RFC 4475 §3.1.1 valid messages', () => {
  it('3.1.1.1 a short tortuous INVITE is accepted: folding, odd spacing and case, compact forms', () => {
    const m = request(T.wsinv);
    expect(m.method).toBe('INVITE');
    const ruri = sip(m.uri);
    expect([ruri.user, ruri.host, [...ruri.params]]).toEqual(['carol', 'chair-dnrc.example.org', [['unknownparam', null]]]);
    expect(m.to?.tag).toBe('1918181833n');
    expect(sip(m.to?.uri).user).toBe('carol');
    expect(m.from?.displayName).toBe('C Torture \\"');
    expect(m.from?.tag).toBe('98asjd8');
    expect(m.maxForwards).toBe(68);
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.callId).toBe('wsinv.ndaksdj@192.0.2.1');
    expect(m.via.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.org', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.headers.get('Subject')).toBe('');
    expect(m.headers.get('newfangledheader')).toBe('newfangled value continued newfangled value');
    expect(m.headers.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect([...sip(m.routes[0]?.uri).params]).toEqual([
      ['lr', null],
      ['unknownwith', 'value'],
      ['unknown-no-value', null],
    ]);
    const contact = m.contacts[0];
    if (contact === '*' || contact === undefined) throw new Error('expected a contact');
    expect(contact.displayName).toBe('Quoted string ""');
    expect([...contact.params]).toEqual([
      ['newparam', 'newvalue'],
      ['secondparam', null],
      ['q', '0.33'],
    ]);
    expect(contact.q).toBe(0.33);
    expect(m.body.length).toBe(T.wsinvBodyLength);
    expect(validateRequest(m)).toBeUndefined();
    expectRoundTrip(m);
  });

  it('3.1.1.2 a wide range of valid characters is accepted, and an unknown method is an extension token', () => {
    const m = request(T.intmeth);
    expect(m.method).toBe(T.weirdMethod);
    const ruri = sip(m.uri);
    expect([ruri.user, ruri.password, ruri.host]).toEqual([T.weirdUser, T.weirdPassword, 'example.org']);
    expect(m.to?.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(m.from?.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(m.from?.params.get("fromparam''~+*_!.-%")).toBe('"работающий"');
    expect(m.from?.tag).toBe("_token~1'+`*%!-.");
    expect(m.callId).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).toBe('\uFEFF大停電');
    expect(m.topVia?.branch).toBe("z9hG4bK-.!%66*_+`'~");
    expect(validateRequest(m)).toBeUndefined();
    expectRoundTrip(m);
  });

  it('3.1.1.3 %-escapes are decoded in user parts and URI parameters', () => {
    const m = request(T.esc01);
    expect(sip(m.uri).user).toBe('sips:user@example.org');
    expect(sip(m.to?.uri).user).toBe('user');
    expect(sip(m.from?.uri).user).toBe('I have spaces');
    const c = m.contacts[0];
    if (c === '*' || c === undefined) throw new Error('expected a contact');
    const uri = sip(c.uri);
    expect(uri.user).toBe('caller');
    expect([...uri.params]).toEqual([
      ['lr', null],
      ['name', 'value%41'],
    ]);
    expect(m.contentType).toMatchObject({ type: 'application', subtype: 'sdp' });
    expect(validateRequest(m)).toBeUndefined();
    expectRoundTrip(m);
  });

  it('3.1.1.4 escaped nulls in URIs are accepted', () => {
    const m = request(T.escnull);
    expect(sip(m.to?.uri).user).toBe('null-\0-null');
    expect(sip(m.from?.uri).user).toBe('null-\0-null');
    expect(m.contacts.map((c) => (c === '*' ? c : sip(c.uri).user))).toEqual(['\0', '\0\0']);
    expect(validateRequest(m)).toBeUndefined();
    expectRoundTrip(m);
  });

  it('3.1.1.5 a % that is not an escape is kept: the method is not REGISTER', () => {
    const m = request(T.esc02);
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.to?.displayName).toBe('%Z%45');
    expect(m.from?.displayName).toBe('%Z%45');
    expect(m.contacts).toHaveLength(2);
    expect(validateRequest(m)).toBeUndefined();
    expectRoundTrip(m);
  });

  it('3.1.1.6 a display name followed by < without LWS is accepted', () => {
    const m = request(T.lwsdisp);
    expect(m.from?.displayName).toBe('caller');
    expect(m.from?.tag).toBe('323');
    expectRoundTrip(m);
  });

  it('3.1.1.7 long values in header fields are accepted', () => {
    const m = request(T.longreq);
    expect(m.to?.displayName).toBe(T.longName);
    expect(m.from?.tag).toBe(T.longTag);
    expect(sip(m.from?.uri).user).toBe(T.longUser);
    expect(m.callId).toBe(T.longCallId);
    expect(m.via).toHaveLength(T.longViaCount);
    expect(m.headers.get(T.longHeaderName)).toMatch(/^unknown-(long)+-value;/);
    expect(validateRequest(m)).toBeUndefined();
    expectRoundTrip(m);
  });

  it('3.1.1.8 extra octets after Content-Length in a UDP datagram are ignored', () => {
    const m = request(T.dblreq);
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
    expectRoundTrip(m);
  });

  it('3.1.1.9 a semicolon in the user part stays in the user part', () => {
    const m = request(T.semiuri);
    const uri = sip(m.uri);
    expect(uri.user).toBe('user;par=u@example.net');
    expect(uri.host).toBe('example.org');
    expect(uri.params.size).toBe(0);
    expect(m.headers.values('Accept')).toHaveLength(6);
    expectRoundTrip(m);
  });

  it('3.1.1.10 varied and unknown transports are accepted', () => {
    const m = request(T.transports);
    expect(m.via.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS-SCTP', 'UNKNOWN', 'TCP']);
    expectRoundTrip(m);
  });

  it('3.1.1.11 a multipart body with binary content is kept octet for octet', () => {
    const m = request(T.mpart01);
    expect(m.body.equals(T.mpartBody)).toBe(true);
    expect(m.body.includes(T.mpartBinary)).toBe(true);
    expect(m.contentType).toMatchObject({ type: 'multipart', subtype: 'mixed' });
    expect(m.contentType?.params.get('boundary')).toBe('7a9cbec02ceef655');
    expect(m.headers.one(H.date)?.toISOString()).toBe('2005-10-15T04:44:56.000Z');
    expect(validateRequest(m)).toBeUndefined();
    const again = parseDatagram(serialize(m));
    expect(again.body.equals(T.mpartBody)).toBe(true);
  });

  it('3.1.1.12 an unusual reason phrase with UTF-8 is accepted', () => {
    const m = response(T.unreason);
    expect(m.status).toBe(200);
    expect(m.reason).toBe(T.unusualReason);
    expect(validateResponse(m)).toBeUndefined();
    expectRoundTrip(m);
  });

  it('3.1.1.13 an empty reason phrase is accepted', () => {
    const m = response(T.noreason);
    expect(m.status).toBe(100);
    expect(m.reason).toBe('');
    expectRoundTrip(m);
  });
});

describe('RFC 4475 §3.1.2 invalid messages', () => {
  it('3.1.2.1 extraneous header field separators are rejected', () => {
    expectRefused(T.badinv01, 'SIP_BAD_HEADER', 'Bad Request - Malformed Via', true);
  });

  it('3.1.2.2 a Content-Length larger than the datagram is rejected', () => {
    expectRefused(T.clerr, 'SIP_BODY_TRUNCATED', 'Bad Request - Content-Length Larger Than Message', true);
    // On a stream the parser simply waits for the rest.
    const p = new SipStreamParser();
    expect(p.push(T.clerr)).toEqual([]);
    expect(p.buffered).toBe(T.clerr.length);
  });

  it('3.1.2.3 a negative Content-Length is rejected, and ends a stream', () => {
    expectRefused(T.ncl, 'SIP_BAD_CONTENT_LENGTH', 'Bad Request - Malformed Content-Length', true);
    const events = new SipStreamParser().push(T.ncl);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', fatal: true });
  });

  it('3.1.2.4 request scalar fields with overlarge values are rejected', () => {
    expectRefused(T.scalar02, 'SIP_BAD_HEADER', 'Bad Request - Malformed CSeq', true);
    // Each overlarge field is refused on its own too.
    const fixedCSeq = Buffer.from(T.scalar02.toString('latin1').replace('36893488147419103232', '1'), 'latin1');
    expectRefused(fixedCSeq, 'SIP_BAD_HEADER', 'Bad Request - Malformed Max-Forwards', true);
    const fixedMf = Buffer.from(fixedCSeq.toString('latin1').replace('Max-Forwards: 300', 'Max-Forwards: 70'), 'latin1');
    const m = request(fixedMf);
    expect(validateRequest(m)?.reason).toBe('Bad Request - Malformed Contact');
    m.headers.set('Contact', '<sip:user@host129.example.org>;expires=3600');
    expect(validateRequest(m)?.reason).toBe('Bad Request - Malformed Expires');
    m.headers.set('Expires', '4294967295');
    expect(validateRequest(m)).toBeUndefined();
  });

  it('3.1.2.5 response scalar fields with overlarge values are refused, and never answered', () => {
    expectRefused(T.scalarlg, 'SIP_BAD_HEADER', 'Bad Request - Malformed CSeq', false);
    const fixed = Buffer.from(T.scalarlg.toString('latin1').replace('9292394834772304023312', '1'), 'latin1');
    const m = response(fixed);
    expect(validateResponse(m)?.reason).toBe('Bad Request - Malformed Retry-After');
    m.headers.set('Retry-After', '30');
    expect(validateResponse(m)?.reason).toBe('Bad Request - Malformed Warning');
  });

  it('3.1.2.6 an unterminated quoted string in a display name is rejected', () => {
    expectRefused(T.quotbal, 'SIP_BAD_HEADER', 'Bad Request - Malformed To', true);
  });

  it('3.1.2.7 a Request-URI enclosed in <> is rejected', () => {
    expectRefused(T.ltgtruri, 'SIP_BAD_REQUEST_URI', 'Bad Request - Malformed Request-URI', true);
  });

  it('3.1.2.8 LWS inside the Request-URI is rejected', () => {
    expectRefused(T.lwsruri, 'SIP_BAD_START_LINE', 'Bad Request - Malformed Request-Line', true);
  });

  it('3.1.2.9 multiple SP separating Request-Line elements are rejected', () => {
    expectRefused(T.lwsstart, 'SIP_BAD_START_LINE', 'Bad Request - Malformed Request-Line', true);
  });

  it('3.1.2.10 SP characters at the end of the Request-Line are rejected', () => {
    expectRefused(T.trws, 'SIP_BAD_START_LINE', 'Bad Request - Malformed Request-Line', true);
  });

  it('3.1.2.11 escaped headers in a SIP Request-URI are rejected', () => {
    expectRefused(T.escruri, 'SIP_BAD_REQUEST_URI', 'Bad Request - Headers in Request-URI', true);
  });

  it('3.1.2.12 a Date in another time zone than GMT is rejected', () => {
    const m = request(T.baddate);
    expect(validateRequest(m)).toMatchObject({ code: 'SIP_BAD_HEADER', reason: 'Bad Request - Malformed Date', canAnswer: true });
  });

  it('3.1.2.13 a Contact URI with "?" outside <> is rejected', () => {
    const m = request(T.regbadct);
    expect(validateRequest(m)).toMatchObject({ reason: 'Bad Request - Malformed Contact', canAnswer: true });
  });

  it('3.1.2.14 spaces within the addr-spec are rejected', () => {
    expectRefused(T.badaspec, 'SIP_BAD_HEADER', 'Bad Request - Malformed To', true);
  });

  it('3.1.2.15 non-token characters in an unquoted display name are rejected', () => {
    expectRefused(T.baddn, 'SIP_BAD_HEADER', 'Bad Request - Malformed From', true);
  });

  it('3.1.2.16 an unknown protocol version is answered with 505', () => {
    const e = expectRefused(T.badvers, 'SIP_VERSION_NOT_SUPPORTED', 'Version Not Supported', true);
    expect(e.status).toBe(505);
    expect(e.partial?.method).toBe('OPTIONS');
  });

  it('3.1.2.17 a CSeq method other than the start line method is rejected', () => {
    const m = request(T.mismatch01);
    expect(validateRequest(m)).toMatchObject({ code: 'SIP_CSEQ_METHOD_MISMATCH', reason: 'Bad Request - CSeq Method Mismatch', canAnswer: true });
  });

  it('3.1.2.18 an unknown method with a CSeq method mismatch is rejected', () => {
    const m = request(T.mismatch02);
    expect(m.method).toBe('NEWMETHOD');
    expect(validateRequest(m)?.code).toBe('SIP_CSEQ_METHOD_MISMATCH');
  });

  it('3.1.2.19 an overlarge response code is refused and not answered', () => {
    expectRefused(T.bigcode, 'SIP_BAD_STATUS_CODE', 'Bad Request - Malformed Status-Line', false);
  });
});

describe('RFC 4475 §3.2-3.4 semantics: parsed, left to the layers above', () => {
  it('3.2.1 a branch that is only the magic cookie parses but is no RFC 3261 branch', () => {
    const m = request(T.badbranch);
    expect(m.topVia?.branch).toBe('z9hG4bK');
    expect(isRfc3261Branch(m.topVia?.branch)).toBe(false);
    expect(isRfc3261Branch('z9hG4bK1')).toBe(true);
  });

  it('3.3.1 missing Call-ID, From and To fail validation and cannot be answered', () => {
    const m = request(T.insuf);
    const e = validateRequest(m);
    expect(e).toMatchObject({ code: 'SIP_MISSING_HEADER', reason: 'Bad Request - Missing To', canAnswer: false });
  });

  it('3.3.2 a Request-URI with an unknown scheme parses (416 is the application\'s)', () => {
    const m = request(T.unkscm);
    expect(m.uri).toEqual({ kind: 'absolute', scheme: 'nobodyknowsthisscheme', value: 'totallyopaquecontent' });
    expect(m.uriText).toBe('nobodyKnowsThisScheme:totallyopaquecontent');
    expect(validateRequest(m)).toBeUndefined();
  });

  it('3.3.3 a Request-URI with a known but atypical scheme parses', () => {
    const m = request(T.novelsc);
    expect(m.uri).toMatchObject({ kind: 'absolute', scheme: 'soap.beep', value: '//192.0.2.103:3002' });
  });

  it('3.3.4 unknown URI schemes in To, From and Contact parse', () => {
    const m = request(T.unksm2);
    expect(m.to?.uri).toMatchObject({ scheme: 'isbn' });
    expect(m.from?.uri).toMatchObject({ scheme: 'http', value: '//www.example.org' });
    expect(m.contacts[0]).toMatchObject({ uri: { scheme: 'name', value: 'John_Smith' } });
    expect(validateRequest(m)).toBeUndefined();
  });

  it('3.3.5 Require and Proxy-Require with unknown option tags parse', () => {
    const m = request(T.bext01);
    expect(m.headers.values('Proxy-Require')).toEqual(['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    expect(m.headers.values('Require')).toEqual(['nothingSupportedHere']);
  });

  it('3.3.6 an unknown Content-Type parses', () => {
    const m = request(T.invut);
    expect(m.contentType).toMatchObject({ type: 'application', subtype: 'unknownformat' });
    expect(validateRequest(m)).toBeUndefined();
  });

  it('3.3.7 an unknown authorization scheme parses', () => {
    const m = request(T.regaut01);
    expect(m.headers.all(H.authorization)).toEqual([{ scheme: 'NoOneKnowsThisScheme', params: new Map([['opaque-data', 'here']]) }]);
    expect(validateRequest(m)).toBeUndefined();
  });

  it('3.3.8 multiple values in single-value required fields are rejected', () => {
    expectRefused(T.multi01, 'SIP_DUPLICATE_HEADER', 'Bad Request - Multiple From', true);
  });

  it('3.3.9 multiple Content-Length values are rejected', () => {
    expectRefused(T.mcl01, 'SIP_DUPLICATE_HEADER', 'Bad Request - Multiple Content-Length', true);
  });

  it('3.3.10 a 200 OK with a broadcast Via parses, and the broadcast address is no unicast host', () => {
    const m = response(T.bcast);
    expect(m.via[1]?.host).toBe('255.255.255.255');
    expect(isUnicastHost('255.255.255.255')).toBe(false);
    expect(isUnicastHost('192.0.2.198')).toBe(true);
    expect(validateResponse(m)).toBeUndefined();
  });

  it('3.3.11 a Max-Forwards of zero is legal', () => {
    expect(request(T.zeromf).maxForwards).toBe(0);
  });

  it('3.3.12 a parameter after an addr-spec Contact is a header parameter', () => {
    const c = request(T.cparam01).contacts[0];
    if (c === '*' || c === undefined) throw new Error('expected a contact');
    expect(c.params.has('unknownparam')).toBe(true);
    expect(sip(c.uri).params.size).toBe(0);
  });

  it('3.3.13 a parameter inside <> is a URI parameter', () => {
    const c = request(T.cparam02).contacts[0];
    if (c === '*' || c === undefined) throw new Error('expected a contact');
    expect(c.params.size).toBe(0);
    expect(sip(c.uri).params.has('unknownparam')).toBe(true);
  });

  it('3.3.14 an escaped header in a Contact URI is decoded', () => {
    const c = request(T.regescrt).contacts[0];
    if (c === '*' || c === undefined) throw new Error('expected a contact');
    expect(sip(c.uri).headers).toEqual([['Route', '<sip:sip.example.org>']]);
  });

  it('3.3.15 an Accept nobody can satisfy parses', () => {
    expect(request(T.sdp01).headers.values('Accept')).toEqual(['text/nobodyKnowsThis']);
  });

  it('3.4.1 an RFC 2543 INVITE is accepted when Max-Forwards may be missing', () => {
    const m = request(T.inv2543);
    expect(m.topVia?.branch).toBeUndefined();
    expect(m.from?.tag).toBeUndefined();
    expect(m.contentLength).toBeUndefined();
    expect(m.body.toString()).toBe(T.inv2543Body);
    expect(validateRequest(m, { allowMissingMaxForwards: true })).toBeUndefined();
    expect(validateRequest(m)?.reason).toBe('Bad Request - Missing Max-Forwards');
  });
});
