// The media of one B2B call: its relay session and the o= line each leg sees. Every description
// that crosses the B2BUA (offer or answer, in INVITE, 18x, 2xx, re-INVITE, UPDATE or ACK) goes
// through relay(): filtered to the codecs the relay can carry, anchored on our address, stamped.
import { MediaError } from '../media/media-error.ts';
import type { RelaySession, Side } from '../media/relay-session.ts';
import { telephoneEventPayloadType } from '../media/dtmf/telephone-event.ts';
import {
  ICE_ATTRIBUTES,
  SdpError,
  SessionVersion,
  filterCodecs,
  firstActiveAudio,
  isOnHold,
  mediaTarget,
  parseSdp,
  rewriteSdp,
  serializeSdp,
  withoutAttributes,
} from '../media/sdp/index.ts';
import type { SipMessage } from '../sip/message/index.ts';

export const SDP_CONTENT_TYPE = 'application/sdp';

export const otherSide = (side: Side): Side => (side === 'a' ? 'b' : 'a');

/** Whether a message carries a session description (RFC 3261 §13.2.1: Content-Type application/sdp). */
export function hasSdp(msg: SipMessage): boolean {
  const ct = msg.contentType;
  return msg.body.length > 0 && ct !== undefined && `${ct.type}/${ct.subtype}`.toLowerCase() === SDP_CONTENT_TYPE;
}

/** The answer to a description we cannot relay, or undefined when the error is not about the SDP. */
export function sdpFailure(err: unknown): { status: number; reason: string } | undefined {
  if (err instanceof SdpError) return { status: err.status, reason: err.reason };
  // A remote we cannot send to from our sockets (an FQDN, the other address family).
  if (err instanceof MediaError && err.code === 'MEDIA_BAD_REMOTE') return { status: 488, reason: 'Not Acceptable Here - Media Address Not Usable' };
  return undefined;
}

export class MediaAnchor {
  readonly session: RelaySession;
  readonly #address: string;
  /** What each phone sees from us: its own o= line and version (RFC 3264 §8). */
  readonly #versions: Record<Side, SessionVersion> = { a: new SessionVersion({ username: 'callctl' }), b: new SessionVersion({ username: 'callctl' }) };
  readonly #hold: Record<Side, boolean> = { a: false, b: false };
  /** The telephone-event payload type each phone's last description gave (RFC 4733), for our DTMF. */
  readonly #events: Record<Side, number | undefined> = { a: undefined, b: undefined };

  constructor(session: RelaySession, address: string) {
    this.session = session;
    this.#address = address;
  }

  /**
   * A description from the phone on `from`, for the phone on the other side: ICE attributes dropped
   * (they would lead around the relay), codecs filtered (SDP_NO_COMMON_CODEC is a 488), the first
   * audio stream's address given to the relay as `from`'s remote, then rewritten to our address and
   * the other side's local ports and stamped with the other side's o= line. Throws SdpError or
   * MediaError; sdpFailure() says how to answer them.
   */
  relay(from: Side, body: Buffer | string): Buffer {
    const to = otherSide(from);
    const filtered = filterCodecs(withoutAttributes(parseSdp(body), ICE_ATTRIBUTES));
    const i = firstActiveAudio(filtered);
    const target = mediaTarget(filtered, i);
    if (target) this.session.setRemote(from, target);
    const local = this.session.local(to);
    const ports = filtered.media.map((_, k) => (k === i ? { rtp: local.rtpPort, rtcp: local.rtcpPort } : null));
    const out = this.#versions[to].stamp(rewriteSdp(filtered, { address: this.#address, ports }));
    this.#hold[from] = isOnHold(filtered);
    this.#events[from] = telephoneEventPayloadType(filtered);
    this.session.setOnHold(this.#hold.a || this.#hold.b);
    return Buffer.from(serializeSdp(out), 'utf8');
  }

  /** Whether either phone holds the call (its last description was sendonly/inactive/0.0.0.0). */
  get onHold(): boolean {
    return this.#hold.a || this.#hold.b;
  }

  /** The payload type the phone on `side` takes DTMF events with; undefined when it agreed to none. */
  telephoneEvent(side: Side): number | undefined {
    return this.#events[side];
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
