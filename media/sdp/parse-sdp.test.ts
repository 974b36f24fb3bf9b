import { describe, expect, it } from 'vitest';
import { parseSdp } from './parse-sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';
import { SdpError, type SdpErrorCode } from './sdp-error.ts';
import { ALL_SAMPLES, BARESIP_OFFER, GATEWAY_ANSWER, IPV6_HOLD_OFFER, LINPHONE_OFFER } from './sdp-samples.ts';

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
const MIN = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];

function errorOf(input: string | Uint8Array, opts?: Parameters<typeof parseSdp>[1]): SdpError {
  try {
    parseSdp(input, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(SdpError);
    return e as SdpError;
  }
  throw new Error('expected an SdpError');
}

describe('parseSdp / serializeSdp round trips', () => {
  for (const [name, text] of Object.entries(ALL_SAMPLES)) {
    it(`${name} comes back byte for byte`, () => {
      expect(serializeSdp(parseSdp(text))).toBe(text);
    });
  }

  it('accepts bare LF line ends and writes CRLF', () => {
    const lf = BARESIP_OFFER.replaceAll('\r\n', '\n');
    expect(serializeSdp(parseSdp(lf))).toBe(BARESIP_OFFER);
  });

  it('accepts a last line without a line end, and trailing empty lines', () => {
    expect(serializeSdp(parseSdp(BARESIP_OFFER.trimEnd()))).toBe(BARESIP_OFFER);
    expect(serializeSdp(parseSdp(BARESIP_OFFER + '\r\n\r\n'))).toBe(BARESIP_OFFER);
  });

  it('parses bytes as UTF-8 (session name with non-ASCII)', () => {
    const text = crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=Сессия ☎', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0']);
    const sdp = parseSdp(Buffer.from(text, 'utf8'));
    expect(sdp.sessionName).toBe('Сессия ☎');
    expect(serializeSdp(sdp)).toBe(text);
  });
});

describe('parseSdp structure', () => {
  it('types the lines a relay acts on and keeps the rest verbatim and in order', () => {
    const sdp = parseSdp(BARESIP_OFFER);
    expect(sdp.origin).toEqual({
      username: '-',
      sessionId: '1739368453',
      sessionVersion: 3453463456n,
      addressType: 'IP4',
      address: '192.168.1.20',
    });
    expect(sdp.sessionName).toBe('-');
    expect(sdp.lines).toEqual([
      { kind: 'connection', addressType: 'IP4', address: '192.168.1.20' },
      { kind: 'field', letter: 't', value: '0 0' },
      { kind: 'attribute', name: 'tool', value: 'baresip 3.10.1' },
    ]);
    const m = sdp.media[0]!;
    expect(m).toMatchObject({ media: 'audio', port: 10766, proto: 'RTP/AVP', formats: ['9', '0', '8', '101'] });
    expect(m.lines.map((l) => l.kind)).toEqual([
      'field',
      'rtpmap',
      'rtpmap',
      'rtpmap',
      'rtpmap',
      'fmtp',
      'direction',
      'attribute',
      'attribute',
      'attribute',
      'ptime',
    ]);
    expect(m.lines[4]).toEqual({ kind: 'rtpmap', payloadType: 101, encoding: 'telephone-event', clockRate: 8000 });
    expect(m.lines[5]).toEqual({ kind: 'fmtp', format: '101', parameters: '0-15' });
    expect(m.lines[8]).toEqual({ kind: 'attribute', name: 'rtcp-rsize' });
    expect(m.lines[10]).toEqual({ kind: 'ptime', ms: 20 });
  });

  it('reads rtpmap channel parameters, a=rtcp with an address, media-level c=', () => {
    const lin = parseSdp(LINPHONE_OFFER);
    expect(lin.media[0]!.lines[0]).toEqual({ kind: 'rtpmap', payloadType: 96, encoding: 'opus', clockRate: 48000, parameters: '2' });
    const gw = parseSdp(GATEWAY_ANSWER);
    expect(gw.media[0]!.lines).toContainEqual({ kind: 'rtcp', port: 30011, addressType: 'IP4', address: '203.0.113.8' });
    expect(gw.media[0]!.lines[0]).toEqual({ kind: 'connection', addressType: 'IP4', address: '203.0.113.7' });
  });

  it('reads IPv6 and multicast connection addresses, port counts', () => {
    expect(parseSdp(IPV6_HOLD_OFFER).lines[0]).toEqual({ kind: 'connection', addressType: 'IP6', address: '2001:db8::10' });
    const sdp = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 h.example.com', 's=-', 'c=IN IP4 224.2.1.1/127/3', 't=0 0', 'm=audio 49170/2 RTP/AVP 0']));
    expect(sdp.lines[0]).toEqual({ kind: 'connection', addressType: 'IP4', address: '224.2.1.1', ttl: 127, count: 3 });
    expect(sdp.media[0]).toMatchObject({ port: 49170, portCount: 2 });
    expect(sdp.origin.address).toBe('h.example.com');
  });

  it('keeps non-RTP formats as tokens (T.38, data channels)', () => {
    const sdp = parseSdp(crlf([...MIN, 'm=image 4002 udptl t38', 'a=T38FaxVersion:0']));
    expect(sdp.media[0]!.formats).toEqual(['t38']);
  });

  it('keeps unknown line types when asked to', () => {
    const text = crlf([...MIN, 'm=video 6000 RTP/AVP 96', 'y=0123456789']);
    expect(errorOf(text).code).toBe('SDP_UNKNOWN_LINE_TYPE');
    expect(serializeSdp(parseSdp(text, { unknownLineTypes: 'keep' }))).toBe(text);
  });
});

describe('parseSdp errors', () => {
  const cases: [string, string | string[], SdpErrorCode][] = [
    ['empty body', '', 'SDP_EMPTY'],
    ['only line ends', '\r\n\r\n', 'SDP_EMPTY'],
    ['not starting with v=', ['o=- 1 1 IN IP4 192.0.2.1', 'v=0'], 'SDP_MISPLACED_LINE'],
    ['v=1', ['v=1', ...MIN.slice(1)], 'SDP_BAD_VERSION'],
    ['missing o=', ['v=0', 's=-', 't=0 0'], 'SDP_MISPLACED_LINE'],
    ['only v=', ['v=0'], 'SDP_MISSING_LINE'],
    ['o= with 5 fields', ['v=0', 'o=- 1 IN IP4 192.0.2.1', 's=-', 't=0 0'], 'SDP_BAD_ORIGIN'],
    ['o= version not numeric', ['v=0', 'o=- 1 x IN IP4 192.0.2.1', 's=-', 't=0 0'], 'SDP_BAD_ORIGIN'],
    ['o= bad address', ['v=0', 'o=- 1 1 IN IP4 1.2.3', 's=-', 't=0 0'], 'SDP_BAD_ORIGIN'],
    ['o= network ATM', ['v=0', 'o=- 1 1 ATM NSAP 47.0', 's=-', 't=0 0'], 'SDP_UNSUPPORTED_ADDRESS'],
    ['missing s=', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 't=0 0'], 'SDP_MISPLACED_LINE'],
    ['missing t=', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 'm=audio 1 RTP/AVP 0'], 'SDP_MISSING_LINE'],
    ['second o=', [...MIN, 'o=- 1 1 IN IP4 192.0.2.1'], 'SDP_MISPLACED_LINE'],
    ['line without =', [...MIN, 'garbage'], 'SDP_BAD_LINE'],
    ['upper-case type', [...MIN, 'A=sendrecv'], 'SDP_BAD_LINE'],
    ['space before =', [...MIN, 'a =sendrecv'], 'SDP_BAD_LINE'],
    ['empty line in the middle', [...MIN, '', 'm=audio 1 RTP/AVP 0'], 'SDP_BAD_LINE'],
    ['unknown type letter', [...MIN, 'x=1'], 'SDP_UNKNOWN_LINE_TYPE'],
    ['t= inside media', [...MIN, 'm=audio 1 RTP/AVP 0', 't=0 0'], 'SDP_MISPLACED_LINE'],
    ['two session c=', [...MIN, 'c=IN IP4 192.0.2.2'], 'SDP_DUPLICATE_LINE'],
    ['c= with 2 fields', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN 192.0.2.1', 't=0 0'], 'SDP_BAD_CONNECTION'],
    ['c= IP4 with IPv6 address', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 ::1', 't=0 0'], 'SDP_BAD_CONNECTION'],
    ['c= ttl 300', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 224.0.0.1/300', 't=0 0'], 'SDP_BAD_CONNECTION'],
    ['c= IP5', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP5 1.2.3.4', 't=0 0'], 'SDP_UNSUPPORTED_ADDRESS'],
    ['m= without formats', [...MIN, 'm=audio 4000 RTP/AVP'], 'SDP_BAD_MEDIA'],
    ['m= port too big', [...MIN, 'm=audio 65536 RTP/AVP 0'], 'SDP_BAD_MEDIA'],
    ['m= port not numeric', [...MIN, 'm=audio x RTP/AVP 0'], 'SDP_BAD_MEDIA'],
    ['m= payload type 128', [...MIN, 'm=audio 4000 RTP/AVP 128'], 'SDP_BAD_MEDIA'],
    ['m= double space', [...MIN, 'm=audio  4000 RTP/AVP 0'], 'SDP_BAD_MEDIA'],
    ['m= port count 0', [...MIN, 'm=audio 4000/0 RTP/AVP 0'], 'SDP_BAD_MEDIA'],
    ['media without any c=', ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0'], 'SDP_MISSING_CONNECTION'],
    ['rtpmap without clock rate', [...MIN, 'm=audio 1 RTP/AVP 96', 'a=rtpmap:96 opus'], 'SDP_BAD_ATTRIBUTE'],
    ['rtpmap clock rate 0', [...MIN, 'm=audio 1 RTP/AVP 96', 'a=rtpmap:96 opus/0'], 'SDP_BAD_ATTRIBUTE'],
    ['rtpmap twice for a type', [...MIN, 'm=audio 1 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMU/8000'], 'SDP_DUPLICATE_LINE'],
    ['fmtp without parameters', [...MIN, 'm=audio 1 RTP/AVP 101', 'a=fmtp:101'], 'SDP_BAD_ATTRIBUTE'],
    ['ptime zero', [...MIN, 'm=audio 1 RTP/AVP 0', 'a=ptime:0'], 'SDP_BAD_ATTRIBUTE'],
    ['ptime word', [...MIN, 'm=audio 1 RTP/AVP 0', 'a=ptime:twenty'], 'SDP_BAD_ATTRIBUTE'],
    ['rtcp port too big', [...MIN, 'm=audio 1 RTP/AVP 0', 'a=rtcp:70000'], 'SDP_BAD_ATTRIBUTE'],
    ['rtcp with half an address', [...MIN, 'm=audio 1 RTP/AVP 0', 'a=rtcp:5 IN IP4'], 'SDP_BAD_ATTRIBUTE'],
    ['two a=rtcp', [...MIN, 'm=audio 1 RTP/AVP 0', 'a=rtcp:5', 'a=rtcp:7'], 'SDP_DUPLICATE_LINE'],
    ['sendonly with a value', [...MIN, 'm=audio 1 RTP/AVP 0', 'a=sendonly:yes'], 'SDP_BAD_ATTRIBUTE'],
    ['two directions', [...MIN, 'm=audio 1 RTP/AVP 0', 'a=sendonly', 'a=inactive'], 'SDP_DUPLICATE_LINE'],
    ['two session directions', [...MIN, 'a=sendonly', 'a=inactive'], 'SDP_DUPLICATE_LINE'],
    ['attribute name with space', [...MIN, 'a=foo bar:1'], 'SDP_BAD_ATTRIBUTE'],
    ['empty attribute name', [...MIN, 'a=:1'], 'SDP_BAD_ATTRIBUTE'],
    ['NUL byte', [...MIN, 'a=x\0y'], 'SDP_BAD_ENCODING'],
    ['bare CR', [...MIN.slice(0, 2), 's=a\rb', 't=0 0'], 'SDP_BAD_ENCODING'],
  ];
  for (const [name, input, code] of cases) {
    it(`${name} → ${code}`, () => {
      const text = typeof input === 'string' ? input : crlf(input);
      const err = errorOf(text);
      expect(err.code).toBe(code);
      expect(err.reason).toMatch(/^(Bad Request|Not Acceptable Here) - SDP /);
      expect(err.reason).not.toMatch(/[\r\n]/);
    });
  }

  it('maps grammar errors to 400 and unacceptable offers to 488', () => {
    expect(errorOf(crlf([...MIN, 'garbage'])).status).toBe(400);
    expect(errorOf(crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP5 1.2.3.4', 't=0 0'])).status).toBe(488);
  });

  it('reports the line at fault', () => {
    expect(errorOf(crlf([...MIN, 'm=audio 1 RTP/AVP 0', 'a=ptime:0'])).line).toBe(7);
  });

  it('rejects bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from(crlf(MIN)), Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0x0d, 0x0a])]);
    expect(errorOf(bytes).code).toBe('SDP_BAD_ENCODING');
  });

  it('enforces the size limits before parsing', () => {
    const big = crlf([...MIN, ...Array.from({ length: 2000 }, (_, i) => `a=x-filler:${i}`)]);
    expect(errorOf(big).code).toBe('SDP_TOO_LARGE');
    expect(errorOf(Buffer.from(big)).code).toBe('SDP_TOO_LARGE');
    expect(errorOf(big, { maxBytes: 1 << 20 }).code).toBe('SDP_TOO_MANY_LINES');
    expect(parseSdp(big, { maxBytes: 1 << 20, maxLines: 3000 }).lines).toHaveLength(2002);
    const many = crlf([...MIN, ...Array.from({ length: 17 }, () => 'm=audio 0 RTP/AVP 0')]);
    expect(errorOf(many).code).toBe('SDP_TOO_MANY_MEDIA');
    // Multi-byte text counts in bytes, not UTF-16 units.
    expect(errorOf(crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', `s=${'☎'.repeat(400)}`, 't=0 0']), { maxBytes: 1000 }).code).toBe(
      'SDP_TOO_LARGE',
    );
  });
});
