// Bounds on what a peer can make us parse and look up. A credentials header is attacker-chosen
// and arrives before authentication, so every cost it can cause is capped here.

export interface DigestLimits {
  /** A whole Authorization / WWW-Authenticate value, in characters. */
  readonly maxValueLength: number;
  /** auth-params in one value; the known ones number eleven. */
  readonly maxParams: number;
  /** The username of credentials, in characters: config logins are short SIP user parts. */
  readonly maxUsernameLength: number;
}

export const DEFAULT_DIGEST_LIMITS: DigestLimits = Object.freeze({
  maxValueLength: 4096,
  maxParams: 32,
  maxUsernameLength: 128,
});

/** Fills the defaults in; throws a RangeError on a bound that is not a positive integer. */
export function resolveDigestLimits(overrides: Partial<DigestLimits> = {}): DigestLimits {
  const limits = { ...DEFAULT_DIGEST_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`digest limit ${name} must be a positive integer`);
  }
  return Object.freeze(limits);
}
