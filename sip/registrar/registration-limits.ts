// How long and how many bindings the registrar grants. They come from configuration, so a bad
// value is refused at start with every problem listed (a ZodError), like the parser limits.
import { z } from 'zod';

/** §10.2.1.1 tells a UA to register for an hour by default; §10.3 step 7 only refuses intervals below it. */
export const ONE_HOUR_S = 3600;
/** delta-seconds stop at 2^32-1 (§20.19). */
const MAX_DELTA_SECONDS = 0xffff_ffff;

export const registrationLimitsSchema = z
  .strictObject({
    /**
     * Below this a REGISTER gets 423 Interval Too Brief (§10.3 step 7). §10.3 allows the refusal
     * only for intervals under an hour, so a minimum above an hour could never be enforced.
     */
    minExpires: z.number().int().min(1).max(ONE_HOUR_S).default(60),
    /** Longer requests are shortened to this (§10.3 step 7: the registrar MAY shorten). */
    maxExpires: z.number().int().min(1).max(MAX_DELTA_SECONDS).default(3600),
    /** When neither the contact's expires parameter nor an Expires header says (§10.3 step 7). */
    defaultExpires: z.number().int().min(1).max(MAX_DELTA_SECONDS).default(3600),
    /** Registered contacts one address-of-record may hold (static contacts do not count). */
    maxContactsPerAor: z.number().int().min(1).max(1000).default(10),
  })
  .refine((l) => l.minExpires <= l.maxExpires, { message: 'minExpires must not exceed maxExpires', path: ['minExpires'] })
  .refine((l) => l.defaultExpires >= l.minExpires && l.defaultExpires <= l.maxExpires, {
    message: 'defaultExpires must lie between minExpires and maxExpires',
    path: ['defaultExpires'],
  });

export type RegistrationLimits = Readonly<z.infer<typeof registrationLimitsSchema>>;

/** The defaults with the given overrides; throws a ZodError listing every bad field. */
export function resolveRegistrationLimits(overrides: Partial<RegistrationLimits> = {}): RegistrationLimits {
  return Object.freeze(registrationLimitsSchema.parse(overrides));
}
