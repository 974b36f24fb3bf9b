// RFC 4733 telephone-event packets: the bytes of §2.3, the event codes of §3.2, and the payload type
// a description gives the events.
import { describe, expect, it } from 'vitest';
import { parseSdp } from '../sdp/index.ts';
import { dtmfDigit, dtmfEvent, parseTelephoneEvent, telephoneEventPacket, telephoneEventPayloadType, type TelephoneEvent } from './telephone-event.ts';

const base: TelephoneEvent = { payloadType: 101, marker: true, sequence: 0x1234, timestamp: 0xdeadbeef, ssrc: 0x01020304, event: 5, end: false, volume: 10, duration: 160 };

describe('RFC 4733 telephone-event packets', () => {
  it('DTMF digits 0-9, *, #, A-D are events 0-15 (§3.2); anything else is not an event', () => {
    expect([...'0123456789*#ABCD'].map(dtmfEvent)).toEqual([...Array(16).keys()]);
    expect(dtmfEvent('a')).toBe(12);
    for (const bad of ['E', ',', "'", ' ', 'p', '10', '']) expect(dtmfEvent(bad)).toBeUndefined();
    expect(dtmfDigit(11)).toBe('#');
    expect(dtmfDigit(16)).toBeUndefined();
  });

  it('the RTP header is version 2 with the marker bit, payload type, sequence number, timestamp and SSRC (RFC 3550 §5.1)', () => {
    const b = telephoneEventPacket(base);
    expect(b.length).toBe(16);
    expect(b.subarray(0, 12).toString('hex')).toBe('80e51234deadbeef01020304');
    expect(telephoneEventPacket({ ...base, marker: false })[1]).toBe(101);
  });

  it('the payload carries event, E bit, R bit zero, volume and duration (§2.3)', () => {
    expect(telephoneEventPacket(base).subarray(12).toString('hex')).toBe('050a00a0');
    // E set, volume 63, duration 0xffff: the R bit between them stays zero.
    expect(telephoneEventPacket({ ...base, event: 11, end: true, volume: 63, duration: 0xffff }).subarray(12).toString('hex')).toBe('0bbfffff');
  });

  it('fields that do not fit their bits are refused, not truncated', () => {
    expect(() => telephoneEventPacket({ ...base, volume: 64 })).toThrow(RangeError);
    expect(() => telephoneEventPacket({ ...base, duration: 0x10000 })).toThrow(RangeError);
    expect(() => telephoneEventPacket({ ...base, payloadType: 128 })).toThrow(RangeError);
    expect(() => telephoneEventPacket({ ...base, sequence: -1 })).toThrow(RangeError);
  });

  it('a packet reads back as built; non-RTP and short packets are not events', () => {
    const e = { ...base, marker: false, end: true, duration: 1280 };
    expect(parseTelephoneEvent(telephoneEventPacket(e))).toEqual(e);
    expect(parseTelephoneEvent(Buffer.from('00e51234deadbeef0102030405', 'hex'))).toBeUndefined();
    expect(parseTelephoneEvent(telephoneEventPacket(base).subarray(0, 15))).toBeUndefined();
  });

  it('the payload type is the one the description maps to telephone-event/8000 in its first audio stream', () => {
    const sdp = (m: string, maps: string[]) =>
      parseSdp(['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', m, ...maps, ''].join('\r\n'));
    expect(telephoneEventPayloadType(sdp('m=audio 4000 RTP/AVP 0 96', ['a=rtpmap:96 telephone-event/8000']))).toBe(96);
    expect(telephoneEventPayloadType(sdp('m=audio 4000 RTP/AVP 0', []))).toBeUndefined();
    // A 16 kHz event stream does not go with 8 kHz G.711.
    expect(telephoneEventPayloadType(sdp('m=audio 4000 RTP/AVP 0 97', ['a=rtpmap:97 telephone-event/16000']))).toBeUndefined();
  });
});
