// Addresses-of-record as location-service keys: `<login>@<domain>`. §19.1.4: the user part of a
// SIP URI compares case-sensitively and the host case-insensitively, so only the domain is folded.
import { RegistrarError } from './registrar-error.ts';

/** The key of an account's bindings: the login as configured, the domain in lower case. */
export function addressOfRecord(login: string, domain: string): string {
  return `${login}@${domain.toLowerCase()}`;
}

/** Normalizes an AOR given as `user@domain` (the last "@" splits: a user part may hold an escaped one). */
export function normalizeAor(aor: string): string {
  const at = aor.lastIndexOf('@');
  if (at <= 0 || at === aor.length - 1) throw new RegistrarError('REGISTRAR_BAD_AOR', `not an address-of-record: ${JSON.stringify(aor)}`);
  return addressOfRecord(aor.slice(0, at), aor.slice(at + 1));
}
