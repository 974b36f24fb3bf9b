// RFC 4733 telephone-event packets: a DTMF digit as a named event (§3.2) in an RTP packet (RFC 3550
// §5.1). Building and reading them, and finding the payload type a description gives the events.
import { codecsOf, firstActiveAudio, type Sdp } from '../sdp/index.ts';

/** RFC 4733 §3.2, table 7: the DTMF events 0–15. */
const EVENT_OF_DIGIT: Readonly<Record<string, number>> = Object.freeze({
  '0': 0, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7, '8': 8, '9': 9,
  '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15,
});

const DIGIT_OF_EVENT = '0123456789*#ABCD';

/** RFC 4733 §2.1: the events' clock when the description gives none other; DTMF goes with 8 kHz audio. */
export const TELEPHONE_EVENT_RATE = 8000;

const RTP_HEADER = 12;
const EVENT_PAYLOAD = 4;
export const TELEPHONE_EVENT_PACKET_SIZE = RTP_HEADER + EVENT_PAYLOAD;

/** The event code of a DTMF digit (`0-9 * # A-D`, a–d too), or undefined for anything else. */
export function dtmfEvent(digit: string): number | undefined {
  return Object.hasOwn(EVENT_OF_DIGIT, digit.toUpperCase()) ? EVENT_OF_DIGIT[digit.toUpperCase()] : undefined;
}

/** The digit of a DTMF event code 0–15, or undefined. */
export function dtmfDigit(event: number): string | undefined {
  return Number.isInteger(event) && event >= 0 && event < 16 ? DIGIT_OF_EVENT[event] : undefined;
}

export interface TelephoneEvent {
  readonly payloadType: number;
  /** RFC 4733 §2.5.1.3: set on the first packet of an event only. */
  readonly marker: boolean;
  readonly sequence: number;
  /** RFC 4733 §2.3.1: the RTP time the event began; the same in every packet of the event. */
  readonly timestamp: number;
  readonly ssrc: number;
  readonly event: number;
  /** RFC 4733 §2.3.3 E bit: the event has ended (the final packet and its retransmissions). */
  readonly end: boolean;
  /** RFC 4733 §2.3.4: the tone's power, 0 to −63 dBm0, given as 0–63. */
  readonly volume: number;
  /** RFC 4733 §2.3.5: the event's length so far, in timestamp units. */
  readonly duration: number;
}

const u = (v: number, bits: number, what: string): number => {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new RangeError(`${what} ${v} does not fit ${bits} bits`);
  return v;
};

/** One RTP packet carrying one event: the fixed header (no CSRC, no extension) and the 4-byte payload of §2.3. */
export function telephoneEventPacket(e: TelephoneEvent): Buffer {
  const b = Buffer.alloc(TELEPHONE_EVENT_PACKET_SIZE);
  b[0] = 0x80; // version 2, no padding, no extension, no CSRC
  b[1] = (e.marker ? 0x80 : 0) | u(e.payloadType, 7, 'payload type');
  b.writeUInt16BE(u(e.sequence, 16, 'sequence number'), 2);
  b.writeUInt32BE(u(e.timestamp, 32, 'timestamp'), 4);
  b.writeUInt32BE(u(e.ssrc, 32, 'SSRC'), 8);
  b[12] = u(e.event, 8, 'event');
  // The R bit stays 0: "MUST be zero on transmission" (§2.3.3).
  b[13] = (e.end ? 0x80 : 0) | u(e.volume, 6, 'volume');
  b.writeUInt16BE(u(e.duration, 16, 'duration'), 14);
  return b;
}

/** Reads a packet built as above (or any RTP packet of one event): undefined when it is not one. */
export function parseTelephoneEvent(b: Buffer): TelephoneEvent | undefined {
  if (b.length < RTP_HEADER || (b[0]! & 0xc0) !== 0x80) return undefined;
  const csrc = b[0]! & 0x0f;
  let at = RTP_HEADER + 4 * csrc;
  if (b[0]! & 0x10) {
    if (b.length < at + 4) return undefined;
    at += 4 + 4 * b.readUInt16BE(at + 2);
  }
  let end = b.length;
  if (b[0]! & 0x20) end -= b[b.length - 1]!;
  if (end - at < EVENT_PAYLOAD) return undefined;
  return {
    payloadType: b[1]! & 0x7f,
    marker: (b[1]! & 0x80) !== 0,
    sequence: b.readUInt16BE(2),
    timestamp: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    event: b[at]!,
    end: (b[at + 1]! & 0x80) !== 0,
    volume: b[at + 1]! & 0x3f,
    duration: b.readUInt16BE(at + 2),
  };
}

/**
 * The payload type a description gives telephone-event at 8 kHz in its first audio stream in use:
 * what packets sent to that device must carry (RFC 4733 §7.1.1, the rtpmap names the events).
 */
export function telephoneEventPayloadType(sdp: Sdp): number | undefined {
  const i = firstActiveAudio(sdp);
  const m = sdp.media[i];
  if (!m) return undefined;
  return codecsOf(m).find((c) => c.encoding.toLowerCase() === 'telephone-event' && c.clockRate === TELEPHONE_EVENT_RATE)?.payloadType;
}
