import { describe, expect, it } from 'vitest';
import { codecsOf, filterCodecs } from './codec-filter.ts';
import { parseSdp } from './parse-sdp.ts';
import { SdpError } from './sdp-error.ts';
import { serializeSdp } from './serialize-sdp.ts';
import { BARESIP_OFFER, LINPHONE_OFFER, OLD_HOLD_OFFER } from './sdp-samples.ts';
import { withoutAttributes, ICE_ATTRIBUTES } from './strip-attributes.ts';

const base = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];
const sdp = (...lines: string[]) => parseSdp([...base, ...lines].join('\r\n') + '\r\n');

describe('filterCodecs', () => {
  it('keeps PCMU, PCMA and telephone-event at 8 kHz, drops their lines, disables video', () => {
    const out = filterCodecs(parseSdp(LINPHONE_OFFER));
    const audio = out.media[0]!;
    expect(audio.formats).toEqual(['0', '8', '100']);
    expect(serializeSdp(out)).toContain(
      [
        'm=audio 7078 RTP/AVP 0 8 100',
        'a=rtpmap:100 telephone-event/8000',
        'a=rtcp-fb:* trr-int 1000',
        'a=rtcp-fb:* ccm tmmbr',
        'm=video 0 RTP/AVP 96',
        'a=rtpmap:96 VP8/90000',
      ].join('\r\n'),
    );
    expect(serializeSdp(out)).not.toMatch(/opus|speex|annexb|telephone-event\/48000/);
  });

  it('keeps the peer’s preference order and unknown attributes', () => {
    const out = filterCodecs(parseSdp(BARESIP_OFFER));
    expect(out.media[0]!.formats).toEqual(['0', '8', '101']);
    expect(serializeSdp(out)).toContain('a=fmtp:101 0-15\r\na=sendrecv\r\na=label:1\r\na=rtcp-rsize\r\n');
  });

  it('knows static payload types without rtpmap, and an rtpmap that remaps one', () => {
    expect(filterCodecs(parseSdp(OLD_HOLD_OFFER)).media[0]!.formats).toEqual(['0', '101']);
    expect(codecsOf(sdp('m=audio 1 RTP/AVP 0 96', 'a=rtpmap:0 PCMA/8000').media[0]!)).toEqual([
      { payloadType: 0, encoding: 'PCMA', clockRate: 8000, channels: 1 },
    ]);
  });

  it('drops stereo G.711 and telephone-event without matching audio', () => {
    const out = filterCodecs(sdp('m=audio 1 RTP/AVP 96 8 101', 'a=rtpmap:96 PCMU/8000/2', 'a=rtpmap:101 telephone-event/16000'));
    expect(out.media[0]!.formats).toEqual(['8']);
  });

  it('disables streams past the first audio one and non-RTP/AVP audio', () => {
    const out = filterCodecs(sdp('m=audio 1 RTP/SAVP 0', 'm=audio 3 RTP/AVP 0', 'm=audio 5 RTP/AVP 8', 'm=image 7 udptl t38'));
    expect(out.media.map((m) => m.port)).toEqual([0, 3, 0, 0]);
    expect(filterCodecs(sdp('m=audio 1 RTP/AVP 0', 'm=audio 3 RTP/AVP 8'), { maxAudioStreams: 2 }).media.map((m) => m.port)).toEqual([1, 3]);
  });

  it('disables an audio stream with no allowed codec and moves on to the next', () => {
    const out = filterCodecs(sdp('m=audio 1 RTP/AVP 9', 'm=audio 3 RTP/AVP 8'));
    expect(out.media.map((m) => [m.port, m.formats])).toEqual([
      [0, ['9']],
      [3, ['8']],
    ]);
  });

  it('throws SDP_NO_COMMON_CODEC (488) when nothing is left', () => {
    const run = () => filterCodecs(sdp('m=audio 1 RTP/AVP 9 101', 'a=rtpmap:101 telephone-event/8000'));
    expect(run).toThrow(SdpError);
    try {
      run();
    } catch (e) {
      expect((e as SdpError).code).toBe('SDP_NO_COMMON_CODEC');
      expect((e as SdpError).status).toBe(488);
      expect((e as SdpError).reason).toBe('Not Acceptable Here - SDP no common codec');
    }
  });

  it('honours a custom codec list', () => {
    expect(filterCodecs(parseSdp(BARESIP_OFFER), { keep: ['g722', 'pcma'] }).media[0]!.formats).toEqual(['9', '8']);
  });
});

describe('withoutAttributes', () => {
  it('drops ICE attributes at both levels and keeps the rest', () => {
    const text = sdp('a=ice-lite', 'a=ice-ufrag:abcd', 'm=audio 1 RTP/AVP 0', 'a=candidate:1 1 UDP 2130706431 10.0.0.1 8998 typ host', 'a=ptime:20');
    const out = serializeSdp(withoutAttributes(text, ICE_ATTRIBUTES));
    expect(out).not.toMatch(/ice-|candidate/);
    expect(out).toContain('a=ptime:20');
  });
});
