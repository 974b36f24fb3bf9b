// The o= line one leg sees from us. RFC 3264 §8: every description we send on a dialog keeps the
// same o= username, session id and address, and the version goes up by exactly one when the
// content changes and stays put when it does not (a re-INVITE that changes nothing). The legs of
// a B2BUA see different peers over time (transfer, re-anchoring), so the peer's own o= cannot be
// passed through: each leg keeps one of these and stamps every description sent on it.
import { randomInt } from 'node:crypto';
import { MediaError } from '../media-error.ts';
import { serializeSdp } from './serialize-sdp.ts';
import type { Sdp, SdpOrigin } from './sdp-types.ts';

export interface SessionVersionOptions {
  /** o= username; `-` when there is no user id (RFC 4566 §5.2). */
  readonly username?: string;
  /** Defaults to a random number: it only has to be unique per description we originate. */
  readonly sessionId?: string;
  /** The version of the first description sent. Default 1. */
  readonly initialVersion?: bigint;
}

const PLACEHOLDER: SdpOrigin = { username: '-', sessionId: '0', sessionVersion: 0n, addressType: 'IP4', address: '0.0.0.0' };

export class SessionVersion {
  readonly #username: string;
  readonly #sessionId: string;
  #version: bigint;
  /** The last description sent, without its o= line; undefined before the first. */
  #last: string | undefined;

  constructor(options: SessionVersionOptions = {}) {
    this.#username = options.username ?? '-';
    this.#sessionId = options.sessionId ?? String(randomInt(1, 2 ** 47));
    // Both go into the o= line as they are: a space or line break would forge extra fields or lines.
    if (!/^[!-~]+$/.test(this.#username)) throw new MediaError('MEDIA_BAD_REWRITE', 'o= username must be visible ASCII without spaces');
    if (!/^[0-9]{1,20}$/.test(this.#sessionId)) throw new MediaError('MEDIA_BAD_REWRITE', 'o= session id must be digits');
    this.#version = options.initialVersion ?? 1n;
  }

  get version(): bigint {
    return this.#version;
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  /**
   * Gives `sdp` this leg's o= line, bumping the version if anything but o= differs from the last
   * description stamped. The address of o= is taken from `sdp` (after rewriting it is ours).
   */
  stamp(sdp: Sdp): Sdp {
    const body = serializeSdp({ ...sdp, origin: PLACEHOLDER });
    if (this.#last !== undefined && body !== this.#last) this.#version += 1n;
    this.#last = body;
    return {
      ...sdp,
      origin: {
        username: this.#username,
        sessionId: this.#sessionId,
        sessionVersion: this.#version,
        addressType: sdp.origin.addressType,
        address: sdp.origin.address,
      },
    };
  }
}
