// Stateless nonces: the server can tell its own nonces, and their age, without a table.
//   nonce = base64url( version(1) | issued-at ms (6, big-endian) | random (12) | tag (16) )
//   tag   = HMAC-SHA-256(secret, version | issued-at | random | realm), first 16 bytes
// RFC 7616 §3.3 leaves the nonce's content to the server and suggests a time stamp plus a keyed
// hash; the random part keeps two challenges of the same millisecond distinct, which the per-nonce
// nc tracking relies on. Binding the realm means a nonce of one domain is refused in another.
import { createHmac, createSecretKey, randomBytes, randomFillSync, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';

const VERSION = 1;
const TIME_BYTES = 6;
const RANDOM_BYTES = 12;
const TAG_BYTES = 16;
const RAW_BYTES = 1 + TIME_BYTES + RANDOM_BYTES + TAG_BYTES;
/** base64url of 35 bytes, unpadded. */
const NONCE_LENGTH = Math.ceil((RAW_BYTES * 4) / 3);
const NONCE_CHARS = /^[A-Za-z0-9_-]+$/;
/** Random bytes are drawn this many at a time: one getrandom per ~340 nonces, not one per nonce. */
const RANDOM_POOL_BYTES = 4096;

export interface NonceCodecOptions {
  readonly clock: Clock;
  /** HMAC key, at least 16 bytes. Absent: 32 random bytes, so nonces die with the process. */
  readonly secret?: Uint8Array;
  /** How long a nonce is fresh; older ones are stale. Default 300 s. */
  readonly lifetimeMs?: number;
  /** Nonces dated this far in the future are still taken (nodes sharing a secret, clock steps). */
  readonly maxClockSkewMs?: number;
}

export type NonceCheck =
  | { readonly kind: 'fresh'; readonly issuedAt: number; readonly expiresAt: number }
  /** Ours and intact, but older than the lifetime. */
  | { readonly kind: 'stale'; readonly issuedAt: number }
  /** Not ours: malformed, forged, altered, from another realm, or from a secret since replaced. */
  | { readonly kind: 'invalid' };

export class NonceCodec {
  readonly lifetimeMs: number;
  readonly maxClockSkewMs: number;
  readonly #clock: Clock;
  /** The secret as a key object: the key is handed to OpenSSL once, not copied in per HMAC. */
  readonly #key: KeyObject;
  readonly #random = Buffer.alloc(RANDOM_POOL_BYTES);
  #randomUsed = RANDOM_POOL_BYTES;

  constructor(opts: NonceCodecOptions) {
    this.#clock = opts.clock;
    const secret = opts.secret ?? randomBytes(32);
    if (secret.length < 16) throw new RangeError('nonce secret must be at least 16 bytes');
    this.#key = createSecretKey(secret);
    this.lifetimeMs = opts.lifetimeMs ?? 300_000;
    this.maxClockSkewMs = opts.maxClockSkewMs ?? 5_000;
    if (!Number.isSafeInteger(this.lifetimeMs) || this.lifetimeMs < 1) throw new RangeError('nonce lifetime must be a positive integer');
    if (!Number.isSafeInteger(this.maxClockSkewMs) || this.maxClockSkewMs < 0) throw new RangeError('clock skew must be a non-negative integer');
  }

  issue(realm: string): string {
    const raw = Buffer.alloc(RAW_BYTES);
    raw[0] = VERSION;
    raw.writeUIntBE(Math.max(0, Math.floor(this.#clock.now())), 1, TIME_BYTES);
    this.#randomInto(raw, 1 + TIME_BYTES);
    this.#tag(raw, realm).copy(raw, RAW_BYTES - TAG_BYTES);
    return raw.toString('base64url');
  }

  check(nonce: string, realm: string): NonceCheck {
    if (nonce.length !== NONCE_LENGTH || !NONCE_CHARS.test(nonce)) return { kind: 'invalid' };
    const raw = Buffer.from(nonce, 'base64url');
    // base64url decoding ignores stray trailing bits: a second spelling of the same bytes is refused.
    if (raw.length !== RAW_BYTES || raw.toString('base64url') !== nonce || raw[0] !== VERSION) return { kind: 'invalid' };
    const tag = raw.subarray(RAW_BYTES - TAG_BYTES);
    if (!timingSafeEqual(tag, this.#tag(raw, realm))) return { kind: 'invalid' };
    const issuedAt = raw.readUIntBE(1, TIME_BYTES);
    const now = this.#clock.now();
    if (issuedAt > now + this.maxClockSkewMs) return { kind: 'invalid' };
    const expiresAt = issuedAt + this.lifetimeMs;
    if (now >= expiresAt) return { kind: 'stale', issuedAt };
    return { kind: 'fresh', issuedAt, expiresAt };
  }

  /** RANDOM_BYTES fresh bytes from the pool; each byte is handed out once, then the pool is refilled. */
  #randomInto(target: Buffer, offset: number): void {
    if (this.#randomUsed + RANDOM_BYTES > RANDOM_POOL_BYTES) {
      randomFillSync(this.#random);
      this.#randomUsed = 0;
    }
    this.#random.copy(target, offset, this.#randomUsed, this.#randomUsed + RANDOM_BYTES);
    this.#randomUsed += RANDOM_BYTES;
  }

  #tag(raw: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.#key)
      .update(raw.subarray(0, RAW_BYTES - TAG_BYTES))
      .update(realm, 'utf8')
      .digest()
      .subarray(0, TAG_BYTES);
  }
}
