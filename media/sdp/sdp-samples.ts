// Offers in the shapes real agents send, written for the tests (not captured traffic).

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

/** baresip-style: session-level c=, a tool attribute, G.722 first, rtcp-rsize and ssrc lines. */
export const BARESIP_OFFER = crlf([
  'v=0',
  'o=- 1739368453 3453463456 IN IP4 192.168.1.20',
  's=-',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'a=tool:baresip 3.10.1',
  'm=audio 10766 RTP/AVP 9 0 8 101',
  'b=AS:64',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:2212343434 cname:6dcb2a8d-8b6b-4a3c',
  'a=ptime:20',
]);

/** linphone-style: opus and speex first, three telephone-event rates, rtcp-fb, a video stream. */
export const LINPHONE_OFFER = crlf([
  'v=0',
  'o=alice 3032 1234 IN IP4 10.0.0.15',
  's=Talk',
  'c=IN IP4 10.0.0.15',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
  'm=video 9078 RTP/AVP 96',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:96 nack pli',
]);

/** SIPp uac-style: minimal, one static payload type. */
export const SIPP_OFFER = crlf([
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
]);

/** A gateway-style answer: media-level c=, a=rtcp with an address (RFC 3605), maxptime. */
export const GATEWAY_ANSWER = crlf([
  'v=0',
  'o=gw 4711 4712 IN IP4 203.0.113.7',
  's=Session',
  't=0 0',
  'm=audio 30000 RTP/AVP 8 101',
  'c=IN IP4 203.0.113.7',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=rtcp:30011 IN IP4 203.0.113.8',
  'a=ptime:20',
  'a=maxptime:40',
  'a=sendrecv',
]);

/** RFC 2543-style hold: connection address 0.0.0.0 and no direction attribute. */
export const OLD_HOLD_OFFER = crlf([
  'v=0',
  'o=pbx 1 2 IN IP4 198.51.100.1',
  's=-',
  'c=IN IP4 0.0.0.0',
  't=0 0',
  'm=audio 4000 RTP/AVP 0 101',
  'a=rtpmap:101 telephone-event/8000',
]);

/** IPv6, session-level sendonly, and a disabled second stream. */
export const IPV6_HOLD_OFFER = crlf([
  'v=0',
  'o=- 99 100 IN IP6 2001:db8::10',
  's= ',
  'c=IN IP6 2001:db8::10',
  't=0 0',
  'a=sendonly',
  'm=audio 5004 RTP/AVP 8',
  'm=audio 0 RTP/AVP 0',
]);

export const ALL_SAMPLES = { BARESIP_OFFER, LINPHONE_OFFER, SIPP_OFFER, GATEWAY_ANSWER, OLD_HOLD_OFFER, IPV6_HOLD_OFFER };
