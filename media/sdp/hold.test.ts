import { describe, expect, it } from 'vitest';
import { answerDirection, mediaDirection } from './direction.ts';
import { holdStateOf, isOnHold } from './hold.ts';
import { firstActiveAudio, mediaTarget } from './media-target.ts';
import { parseSdp } from './parse-sdp.ts';
import { BARESIP_OFFER, GATEWAY_ANSWER, IPV6_HOLD_OFFER, LINPHONE_OFFER, OLD_HOLD_OFFER, SIPP_OFFER } from './sdp-samples.ts';

const base = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];
const sdp = (...lines: string[]) => parseSdp([...base, ...lines].join('\r\n') + '\r\n');

describe('direction and hold', () => {
  it('media-level direction wins over session level; default sendrecv', () => {
    expect(mediaDirection(parseSdp(SIPP_OFFER), 0)).toBe('sendrecv');
    expect(mediaDirection(parseSdp(IPV6_HOLD_OFFER), 0)).toBe('sendonly');
    expect(mediaDirection(sdp('a=sendonly', 'm=audio 1 RTP/AVP 0', 'a=sendrecv'), 0)).toBe('sendrecv');
    expect(mediaDirection(sdp('m=audio 1 RTP/AVP 0', 'a=recvonly'), 0)).toBe('recvonly');
  });

  it('detects sendonly, inactive and RFC 2543 0.0.0.0 hold', () => {
    expect(holdStateOf(sdp('m=audio 1 RTP/AVP 0', 'a=sendonly'), 0)).toBe('sendonly');
    expect(holdStateOf(sdp('m=audio 1 RTP/AVP 0', 'a=inactive'), 0)).toBe('inactive');
    expect(holdStateOf(parseSdp(OLD_HOLD_OFFER), 0)).toBe('null-address');
    expect(holdStateOf(sdp('m=audio 1 RTP/AVP 0', 'c=IN IP4 0.0.0.0'), 0)).toBe('null-address');
    expect(holdStateOf(sdp('m=audio 1 RTP/AVP 0', 'a=recvonly'), 0)).toBe('active');
    expect(isOnHold(parseSdp(OLD_HOLD_OFFER))).toBe(true);
    expect(isOnHold(parseSdp(IPV6_HOLD_OFFER))).toBe(true); // the port-0 stream does not count
    expect(isOnHold(parseSdp(BARESIP_OFFER))).toBe(false);
    expect(isOnHold(sdp('m=audio 1 RTP/AVP 0', 'a=sendonly', 'm=audio 3 RTP/AVP 0'))).toBe(false);
    expect(isOnHold(sdp('m=audio 0 RTP/AVP 0', 'a=sendonly'))).toBe(false);
  });

  it('answers a direction the RFC 3264 §6.1 way', () => {
    expect(answerDirection('sendonly')).toBe('recvonly');
    expect(answerDirection('recvonly')).toBe('sendonly');
    expect(answerDirection('inactive')).toBe('inactive');
    expect(answerDirection('sendrecv')).toBe('sendrecv');
  });

  it('finds where a stream wants its RTP and RTCP', () => {
    expect(mediaTarget(parseSdp(BARESIP_OFFER), 0)).toEqual({
      index: 0,
      address: '192.168.1.20',
      rtpPort: 10766,
      rtcpPort: 10767,
      rtcpAddress: '192.168.1.20',
    });
    expect(mediaTarget(parseSdp(GATEWAY_ANSWER), 0)).toEqual({
      index: 0,
      address: '203.0.113.7',
      rtpPort: 30000,
      rtcpPort: 30011,
      rtcpAddress: '203.0.113.8',
    });
    expect(mediaTarget(parseSdp(IPV6_HOLD_OFFER), 1)).toBeUndefined();
    expect(firstActiveAudio(parseSdp(LINPHONE_OFFER))).toBe(0);
    expect(firstActiveAudio(sdp('m=video 1 RTP/AVP 96', 'm=audio 0 RTP/AVP 0', 'm=audio 5 RTP/AVP 0'))).toBe(2);
  });
});
