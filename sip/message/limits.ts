// Size limits of the parser. A peer chooses how many bytes it sends; these bound how many we hold
// and look at. On TCP they are enforced as bytes arrive, so a never-ending header costs at most
// `maxMessageBytes` of memory.
import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;

export const sipLimitsSchema = z
  .strictObject({
    /** A whole message, head and body. On TCP also the most the stream parser ever buffers. */
    maxMessageBytes: z.number().int().min(512).max(64 * MiB),
    /** The Request-Line or Status-Line, without its CRLF. */
    maxStartLineBytes: z.number().int().min(64).max(1 * MiB),
    /** Header fields (after unfolding; a compact or long name counts once per line). */
    maxHeaderCount: z.number().int().min(8).max(10_000),
    /** One header field after unfolding, name included. */
    maxHeaderLineBytes: z.number().int().min(64).max(16 * MiB),
    /** The message body, as framed by Content-Length or the end of the datagram. */
    maxBodyBytes: z.number().int().min(0).max(64 * MiB),
  })
  .refine((l) => l.maxStartLineBytes <= l.maxMessageBytes, {
    message: 'maxStartLineBytes must not exceed maxMessageBytes',
    path: ['maxStartLineBytes'],
  })
  .refine((l) => l.maxHeaderLineBytes <= l.maxMessageBytes, {
    message: 'maxHeaderLineBytes must not exceed maxMessageBytes',
    path: ['maxHeaderLineBytes'],
  })
  .refine((l) => l.maxBodyBytes <= l.maxMessageBytes, {
    message: 'maxBodyBytes must not exceed maxMessageBytes',
    path: ['maxBodyBytes'],
  });

export type SipLimits = Readonly<z.infer<typeof sipLimitsSchema>>;

/** UDP: one datagram is the message, and an IPv4 datagram carries at most 65,507 bytes of it. */
export const DATAGRAM_LIMITS: SipLimits = Object.freeze({
  maxMessageBytes: 65_535,
  maxStartLineBytes: 8 * KiB,
  maxHeaderCount: 256,
  maxHeaderLineBytes: 16 * KiB,
  maxBodyBytes: 65_535,
});

/** TCP/TLS: the stream buffer holds at most one message of 1 MiB. */
export const STREAM_LIMITS: SipLimits = Object.freeze({
  maxMessageBytes: 1 * MiB,
  maxStartLineBytes: 8 * KiB,
  maxHeaderCount: 256,
  maxHeaderLineBytes: 16 * KiB,
  maxBodyBytes: 1 * MiB,
});

/**
 * Validates overrides on top of the defaults of a transport kind. Throws a ZodError listing every
 * bad field: limits come from configuration, and a wrong one should stop the server at start.
 */
export function resolveLimits(kind: 'datagram' | 'stream', overrides: Partial<SipLimits> = {}): SipLimits {
  const base = kind === 'datagram' ? DATAGRAM_LIMITS : STREAM_LIMITS;
  // Defaults shrink to a smaller maxMessageBytes; only values given explicitly can conflict with it.
  const max = typeof overrides.maxMessageBytes === 'number' ? overrides.maxMessageBytes : base.maxMessageBytes;
  const fitted = {
    maxMessageBytes: max,
    maxStartLineBytes: Math.min(base.maxStartLineBytes, max),
    maxHeaderCount: base.maxHeaderCount,
    maxHeaderLineBytes: Math.min(base.maxHeaderLineBytes, max),
    maxBodyBytes: Math.min(base.maxBodyBytes, max),
  };
  return Object.freeze(sipLimitsSchema.parse({ ...fitted, ...overrides }));
}
