// What an account lookup hands the verifier: the password itself, or HA1 = H(username:realm:password)
// precomputed per hash function, so a store need not hold clear passwords.
import type { DigestHash } from './digest-algorithm.ts';

export type DigestSecret =
  | { readonly password: string }
  /** Lower-case hex HA1 for each hash function the account may use; a missing one fails that algorithm. */
  | { readonly ha1: Readonly<Partial<Record<DigestHash, string>>> };
