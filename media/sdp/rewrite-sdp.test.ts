import { describe, expect, it } from 'vitest';
import { MediaError } from '../media-error.ts';
import { parseSdp } from './parse-sdp.ts';
import { rewriteSdp } from './rewrite-sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';
import { BARESIP_OFFER, GATEWAY_ANSWER, IPV6_HOLD_OFFER, LINPHONE_OFFER, OLD_HOLD_OFFER } from './sdp-samples.ts';

const US = '198.51.100.50';

/** Lines of `after` that differ from `before`, as [before, after] pairs (same line count assumed). */
function changedLines(before: string, after: string): [string, string][] {
  const b = before.split('\r\n');
  const a = after.split('\r\n');
  expect(a).toHaveLength(b.length);
  return b.flatMap((line, i) => (line === a[i] ? [] : [[line, a[i]!] as [string, string]]));
}

describe('rewriteSdp', () => {
  it('changes o= and c= addresses and the m= port, nothing else', () => {
    const out = serializeSdp(rewriteSdp(parseSdp(BARESIP_OFFER), { address: US, ports: [{ rtp: 20000 }] }));
    expect(changedLines(BARESIP_OFFER, out)).toEqual([
      ['o=- 1739368453 3453463456 IN IP4 192.168.1.20', `o=- 1739368453 3453463456 IN IP4 ${US}`],
      ['c=IN IP4 192.168.1.20', `c=IN IP4 ${US}`],
      ['m=audio 10766 RTP/AVP 9 0 8 101', 'm=audio 20000 RTP/AVP 9 0 8 101'],
    ]);
  });

  it('rewrites media-level c= and a=rtcp port and address', () => {
    const out = serializeSdp(rewriteSdp(parseSdp(GATEWAY_ANSWER), { address: US, ports: [{ rtp: 20002 }] }));
    expect(changedLines(GATEWAY_ANSWER, out)).toEqual([
      ['o=gw 4711 4712 IN IP4 203.0.113.7', `o=gw 4711 4712 IN IP4 ${US}`],
      ['m=audio 30000 RTP/AVP 8 101', 'm=audio 20002 RTP/AVP 8 101'],
      ['c=IN IP4 203.0.113.7', `c=IN IP4 ${US}`],
      ['a=rtcp:30011 IN IP4 203.0.113.8', `a=rtcp:20003 IN IP4 ${US}`],
    ]);
  });

  it('writes an explicit RTCP port into a=rtcp, adding the line when RTCP is not RTP+1', () => {
    const sdp = rewriteSdp(parseSdp(BARESIP_OFFER), { address: US, ports: [{ rtp: 20000, rtcp: 20101 }] });
    expect(sdp.media[0]!.lines.at(-1)).toEqual({ kind: 'rtcp', port: 20101 });
    const gw = rewriteSdp(parseSdp(GATEWAY_ANSWER), { address: US, ports: [{ rtp: 20000, rtcp: 20101 }] });
    expect(gw.media[0]!.lines.filter((l) => l.kind === 'rtcp')).toEqual([{ kind: 'rtcp', port: 20101, addressType: 'IP4', address: US }]);
  });

  it('leaves port-0 streams alone and disables streams given null', () => {
    const sdp = rewriteSdp(parseSdp(LINPHONE_OFFER), { address: US, ports: [{ rtp: 20000 }, null] });
    expect(sdp.media.map((m) => m.port)).toEqual([20000, 0]);
    expect(sdp.media[1]!.formats).toEqual(['96']);
    const v6 = rewriteSdp(parseSdp(IPV6_HOLD_OFFER), { address: US, ports: [{ rtp: 20004 }, { rtp: 20006 }] });
    expect(v6.media.map((m) => m.port)).toEqual([20004, 0]);
  });

  it('converts the address type when our address is of another family', () => {
    const sdp = rewriteSdp(parseSdp(IPV6_HOLD_OFFER), { address: US, ports: [{ rtp: 20004 }, null] });
    expect(sdp.origin).toMatchObject({ addressType: 'IP4', address: US });
    expect(sdp.lines[0]).toEqual({ kind: 'connection', addressType: 'IP4', address: US });
    const v6 = rewriteSdp(parseSdp(BARESIP_OFFER), { address: '2001:db8::1', ports: [{ rtp: 20000 }] });
    expect(serializeSdp(v6)).toContain('c=IN IP6 2001:db8::1\r\n');
  });

  it('keeps an RFC 2543 hold address unless told otherwise', () => {
    const held = rewriteSdp(parseSdp(OLD_HOLD_OFFER), { address: US, ports: [{ rtp: 20000 }] });
    expect(held.lines[0]).toEqual({ kind: 'connection', addressType: 'IP4', address: '0.0.0.0' });
    expect(held.origin.address).toBe(US);
    const replaced = rewriteSdp(parseSdp(OLD_HOLD_OFFER), { address: US, ports: [{ rtp: 20000 }], keepHoldAddress: false });
    expect(replaced.lines[0]).toEqual({ kind: 'connection', addressType: 'IP4', address: US });
  });

  it('drops multicast suffixes and port counts', () => {
    const text = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 224.2.1.1/127/3\r\nt=0 0\r\nm=audio 49170/2 RTP/AVP 0\r\n';
    const out = serializeSdp(rewriteSdp(parseSdp(text), { address: US, ports: [{ rtp: 20000 }] }));
    expect(out).toBe(`v=0\r\no=- 1 1 IN IP4 ${US}\r\ns=-\r\nc=IN IP4 ${US}\r\nt=0 0\r\nm=audio 20000 RTP/AVP 0\r\n`);
  });

  it('does not touch its input', () => {
    const sdp = parseSdp(BARESIP_OFFER);
    rewriteSdp(sdp, { address: US, ports: [{ rtp: 20000 }] });
    expect(serializeSdp(sdp)).toBe(BARESIP_OFFER);
  });

  it('refuses a port list that does not match the m= lines, bad ports, non-IP addresses', () => {
    const sdp = parseSdp(LINPHONE_OFFER);
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(MediaError);
        return (e as MediaError).code;
      }
      return undefined;
    };
    expect(codeOf(() => rewriteSdp(sdp, { address: US, ports: [{ rtp: 20000 }] }))).toBe('MEDIA_BAD_REWRITE');
    expect(codeOf(() => rewriteSdp(sdp, { address: US, ports: [{ rtp: 70000 }, null] }))).toBe('MEDIA_BAD_REWRITE');
    expect(codeOf(() => rewriteSdp(sdp, { address: 'pbx.example.com', ports: [{ rtp: 20000 }, null] }))).toBe('MEDIA_BAD_REWRITE');
  });
});
