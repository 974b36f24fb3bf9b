// The front end's limits, validated with the config's own schema so a bad option fails at start-up
// with its path, exactly as the same value in the config file would.
import { httpLimitsSchema, type HttpLimits } from '../config/schema.ts';

export type { HttpLimits };

/** Fills defaults and validates; throws a ZodError naming the offending option. */
export function parseHttpLimits(partial: Partial<HttpLimits> = {}): HttpLimits {
  return httpLimitsSchema.parse(partial);
}
