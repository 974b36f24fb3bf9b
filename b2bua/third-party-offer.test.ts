// The offer to Y in third-party call control (RFC 3725): X's session as the relay carries it.
import { describe, expect, it } from 'vitest';
import { codecsOf, parseSdp } from '../media/sdp/index.ts';
import { agreedCodecs, thirdPartyOffer } from './third-party-offer.ts';

const local = { address: '127.0.0.1', rtpPort: 40_002, rtcpPort: 40_003 };
const answer = (m: string, ...maps: string[]) => ['v=0', 'o=x 1 1 IN IP4 10.0.0.5', 's=-', 'c=IN IP4 10.0.0.5', 't=0 0', m, ...maps, ''].join('\r\n');

describe('the third-party offer (RFC 3725)', () => {
  it('offers Y the relay ports facing it, on our address, with the codecs X agreed to and telephone-event', () => {
    const sdp = parseSdp(thirdPartyOffer(answer('m=audio 5000 RTP/AVP 8 96', 'a=rtpmap:96 telephone-event/8000'), local, 77));
    const m = sdp.media[0]!;
    expect(m.port).toBe(40_002);
    expect(sdp.lines.find((l) => l.kind === 'connection')).toMatchObject({ address: '127.0.0.1' });
    // X's own event payload type is kept: events from X reach Y unchanged.
    expect(codecsOf(m).map((c) => `${c.payloadType} ${c.encoding}`)).toEqual(['8 PCMA', '96 telephone-event']);
    expect(m.lines.some((l) => l.kind === 'direction' && l.direction === 'sendrecv')).toBe(true);
    expect(sdp.origin).toMatchObject({ username: 'callctl', sessionId: '77', address: '127.0.0.1' });
  });

  it('telephone-event is offered even when X did not agree to it: our own DTMF goes to Y', () => {
    const m = parseSdp(thirdPartyOffer(answer('m=audio 5000 RTP/AVP 0'), local, 1)).media[0]!;
    expect(codecsOf(m).map((c) => `${c.payloadType} ${c.encoding}/${c.clockRate}`)).toEqual(['0 PCMU/8000', '101 telephone-event/8000']);
  });

  it('an answer that cannot be read (or none) offers G.711 and telephone-event, as our own offers do', () => {
    expect(agreedCodecs(undefined).codecs.map((c) => c.encoding)).toEqual(['PCMU', 'PCMA']);
    expect(agreedCodecs('garbage').codecs.map((c) => c.encoding)).toEqual(['PCMU', 'PCMA']);
    const m = parseSdp(thirdPartyOffer(Buffer.alloc(0), local, 1)).media[0]!;
    expect(m.formats).toEqual(['0', '8', '101']);
  });

  it('codecs the relay does not carry are left out of what X agreed (RFC 3264 §6: X may have listed more)', () => {
    const { codecs, eventPt } = agreedCodecs(answer('m=audio 5000 RTP/AVP 18 0', 'a=rtpmap:18 G729/8000'));
    expect(codecs.map((c) => c.encoding)).toEqual(['PCMU']);
    expect(eventPt).toBeUndefined();
  });
});
