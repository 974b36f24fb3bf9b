import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { contactExpiry } from './contact-expiry.ts';
import { resolveRegistrationLimits } from './registration-limits.ts';

const limits = resolveRegistrationLimits();

describe('contactExpiry (RFC 3261 §10.3 step 7)', () => {
  it('the contact’s expires parameter wins over the Expires header', () => {
    expect(contactExpiry(120, 900, limits)).toEqual({ kind: 'ok', seconds: 120 });
    expect(contactExpiry(0, 900, limits)).toEqual({ kind: 'ok', seconds: 0 });
  });

  it('without a parameter the Expires header applies, without either the locally configured default', () => {
    expect(contactExpiry(undefined, 900, limits)).toEqual({ kind: 'ok', seconds: 900 });
    expect(contactExpiry(undefined, undefined, limits)).toEqual({ kind: 'ok', seconds: 3600 });
  });

  it('an interval above zero and below the minimum is too brief; zero never is', () => {
    expect(contactExpiry(59, undefined, limits)).toEqual({ kind: 'too-brief', requested: 59 });
    expect(contactExpiry(undefined, 1, limits)).toEqual({ kind: 'too-brief', requested: 1 });
    expect(contactExpiry(60, undefined, limits)).toEqual({ kind: 'ok', seconds: 60 });
    expect(contactExpiry(undefined, 0, limits)).toEqual({ kind: 'ok', seconds: 0 });
  });

  it('the registrar may shorten an interval, to at most the maximum', () => {
    expect(contactExpiry(2 ** 32 - 1, undefined, limits)).toEqual({ kind: 'ok', seconds: 3600 });
  });
});

describe('resolveRegistrationLimits', () => {
  it('defaults to 60 / 3600 / 3600 seconds and 10 contacts', () => {
    expect(limits).toEqual({ minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContactsPerAor: 10 });
  });

  it('refuses limits that contradict each other or §10.3', () => {
    expect(() => resolveRegistrationLimits({ minExpires: 600, maxExpires: 300, defaultExpires: 300 })).toThrowError(ZodError);
    expect(() => resolveRegistrationLimits({ defaultExpires: 30 })).toThrowError(ZodError);
    // A minimum above an hour could never be enforced: 423 is only for intervals under an hour.
    expect(() => resolveRegistrationLimits({ minExpires: 7200, maxExpires: 7200, defaultExpires: 7200 })).toThrowError(ZodError);
    expect(() => resolveRegistrationLimits({ maxContactsPerAor: 0 })).toThrowError(ZodError);
  });
});
