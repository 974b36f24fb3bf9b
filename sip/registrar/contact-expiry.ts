// The interval granted to one Contact of a REGISTER (RFC 3261 §10.3 step 7).
import type { RegistrationLimits } from './registration-limits.ts';

export type ContactExpiry =
  /** Seconds granted; 0 removes the binding. */
  | { readonly kind: 'ok'; readonly seconds: number }
  /** Shorter than the minimum: the whole REGISTER gets 423 with Min-Expires. */
  | { readonly kind: 'too-brief'; readonly requested: number };

export function contactExpiry(
  contactParam: number | undefined,
  expiresHeader: number | undefined,
  limits: Pick<RegistrationLimits, 'minExpires' | 'maxExpires' | 'defaultExpires'>,
): ContactExpiry {
  // The contact's expires parameter wins over the Expires header; with neither, the local default.
  const requested = contactParam ?? expiresHeader ?? limits.defaultExpires;
  // Zero asks for the binding to go: never too brief.
  if (requested === 0) return { kind: 'ok', seconds: 0 };
  // Refusing is allowed only for an interval above zero, under an hour and under our minimum;
  // the limits schema keeps the minimum at or below an hour, so the last test implies the second.
  if (requested < limits.minExpires) return { kind: 'too-brief', requested };
  // The registrar may grant less than asked, never more.
  return { kind: 'ok', seconds: Math.min(requested, limits.maxExpires) };
}
