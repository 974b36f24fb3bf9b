// Transaction timers (RFC 3261 §17.1.1.1, Table 4 of Appendix A; RFC 6026 §8.11 for L and M). T1,
// T2 and T4 are configurable; every other timer derives from them, and from whether the transport
// is reliable: A, E and G retransmit and are not used over TCP, and D, I, J and K (which only wait
// out retransmissions) are zero there.
import { z } from 'zod';

export const transactionTimersSchema = z
  .strictObject({
    /** RTT estimate. */
    T1: z.number().int().min(1).max(60_000),
    /** The longest interval between retransmissions of non-INVITE requests and INVITE responses. */
    T2: z.number().int().min(1).max(600_000),
    /** The longest time a message stays in the network. */
    T4: z.number().int().min(0).max(600_000),
    /** Timer D over unreliable transports: "at least 32 seconds" (§17.1.1.2). */
    timerD: z.number().int().min(0).max(600_000),
    /**
     * §17.2.1: an INVITE server transaction sends 100 Trying itself unless the TU answers within
     * 200 ms. 0 sends it at once.
     */
    trying100Ms: z.number().int().min(0).max(60_000),
  })
  .refine((t) => t.T2 >= t.T1, { message: 'T2 must not be shorter than T1', path: ['T2'] });

export type TransactionTimerConfig = Readonly<z.infer<typeof transactionTimersSchema>>;

export const DEFAULT_TIMERS: TransactionTimerConfig = Object.freeze({
  T1: 500,
  T2: 4_000,
  T4: 5_000,
  timerD: 32_000,
  trying100Ms: 200,
});

/** Validates overrides on top of the defaults; throws a ZodError naming every bad field. */
export function resolveTimers(overrides: Partial<TransactionTimerConfig> = {}): TransactionTimerConfig {
  return Object.freeze(transactionTimersSchema.parse({ ...DEFAULT_TIMERS, ...overrides }));
}

/** The timers of one transaction, in milliseconds. Undefined: the timer is not used. */
export interface TimerValues {
  /** INVITE request retransmit, initial interval; doubles with no cap. */
  readonly A: number | undefined;
  /** INVITE transaction timeout. */
  readonly B: number;
  /** Wait time for response retransmits (INVITE client, Completed). */
  readonly D: number;
  /** Non-INVITE request retransmit, initial interval; doubles up to T2. */
  readonly E: number | undefined;
  /** Non-INVITE transaction timeout. */
  readonly F: number;
  /** INVITE response retransmit, initial interval; doubles up to T2. */
  readonly G: number | undefined;
  /** Wait time for ACK receipt. */
  readonly H: number;
  /** Wait time for ACK retransmits. */
  readonly I: number;
  /** Wait time for non-INVITE request retransmits. */
  readonly J: number;
  /** Wait time for response retransmits (non-INVITE client, Completed). */
  readonly K: number;
  /** RFC 6026: INVITE server, Accepted: wait for retransmitted INVITEs (and the ACK reaching the TU). */
  readonly L: number;
  /** RFC 6026: INVITE client, Accepted: wait for retransmitted 2xx. */
  readonly M: number;
  readonly T1: number;
  readonly T2: number;
}

export function timerValues(cfg: TransactionTimerConfig, reliable: boolean): TimerValues {
  const t64 = 64 * cfg.T1;
  return {
    A: reliable ? undefined : cfg.T1,
    B: t64,
    D: reliable ? 0 : cfg.timerD,
    E: reliable ? undefined : cfg.T1,
    F: t64,
    G: reliable ? undefined : cfg.T1,
    H: t64,
    I: reliable ? 0 : cfg.T4,
    J: reliable ? 0 : t64,
    K: reliable ? 0 : cfg.T4,
    L: t64,
    M: t64,
    T1: cfg.T1,
    T2: cfg.T2,
  };
}
