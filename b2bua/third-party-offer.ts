// The offer of a third-party call (RFC 3725): the INVITE to Y offers the session X answered. We
// anchor media, so the session is the relay's: Y is offered the relay ports facing it (the free
// side of X's relay session) with the codecs X agreed to, so that whatever X sends reaches Y in a
// format Y accepted, with no re-INVITE of X (RFC 3725 §4.1 needs one only because it has no relay).
// telephone-event is always offered: our own DTMF (media/dtmf) goes to Y whatever X supports.
import type { LocalMedia } from '../media/relay-session.ts';
import { codecsOf, filterCodecs, firstActiveAudio, parseSdp, type Codec } from '../media/sdp/index.ts';
import { TELEPHONE_EVENT_RATE } from '../media/dtmf/telephone-event.ts';

/** Our usual payload type for telephone-event, as in service calls' own offers. */
const DEFAULT_EVENT_PT = 101;
const G711: readonly Codec[] = [
  { payloadType: 0, encoding: 'PCMU', clockRate: 8000, channels: 1 },
  { payloadType: 8, encoding: 'PCMA', clockRate: 8000, channels: 1 },
];

const isEvent = (c: Codec) => c.encoding.toLowerCase() === 'telephone-event';

/** X's audio codecs and its telephone-event payload type, from its answer; G.711 when unreadable. */
export function agreedCodecs(answer: Buffer | string | undefined): { codecs: readonly Codec[]; eventPt: number | undefined } {
  if (answer === undefined || answer.length === 0) return { codecs: G711, eventPt: undefined };
  try {
    const sdp = filterCodecs(parseSdp(answer));
    const m = sdp.media[firstActiveAudio(sdp)];
    const all = m ? codecsOf(m) : [];
    const codecs = all.filter((c) => !isEvent(c));
    const event = all.find((c) => isEvent(c) && c.clockRate === TELEPHONE_EVENT_RATE);
    return codecs.length > 0 ? { codecs, eventPt: event?.payloadType } : { codecs: G711, eventPt: undefined };
  } catch {
    // The answer was taken when X answered; one we cannot read now offers what we always offer.
    return { codecs: G711, eventPt: undefined };
  }
}

/** X's event payload type if it has one, else 101, else the first dynamic type no codec uses. */
function eventPayloadType(codecs: readonly Codec[], fromX: number | undefined): number {
  if (fromX !== undefined) return fromX;
  const used = new Set(codecs.map((c) => c.payloadType));
  if (!used.has(DEFAULT_EVENT_PT)) return DEFAULT_EVENT_PT;
  for (let pt = 96; pt < 128; pt++) if (!used.has(pt)) return pt;
  return DEFAULT_EVENT_PT;
}

/** The SDP offered to Y: X's agreed codecs plus telephone-event, on `local` (the relay side facing Y). */
export function thirdPartyOffer(xAnswer: Buffer | string | undefined, local: LocalMedia, sessionId: number): Buffer {
  const { codecs, eventPt } = agreedCodecs(xAnswer);
  const ev = eventPayloadType(codecs, eventPt);
  const ip = local.address.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=callctl ${sessionId} ${sessionId} IN ${ip} ${local.address}`,
    's=callctl',
    `c=IN ${ip} ${local.address}`,
    't=0 0',
    `m=audio ${local.rtpPort} RTP/AVP ${[...codecs.map((c) => c.payloadType), ev].join(' ')}`,
    ...codecs.map((c) => `a=rtpmap:${c.payloadType} ${c.encoding}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}`),
    `a=rtpmap:${ev} telephone-event/${TELEPHONE_EVENT_RATE}`,
    `a=fmtp:${ev} 0-16`,
    'a=sendrecv',
  ];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}
