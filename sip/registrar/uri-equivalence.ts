// RFC 3261 §19.1.4 URI comparison, which §10.3 step 7 uses to find the binding a Contact updates.
// A registrar that compared Contact text instead would keep a second binding for a phone that
// merely changed the case of its host or the order of its parameters.
import type { Params, Uri } from '../message/index.ts';

/** §19.1.4: these URI parameters, when present in either URI, must be present and equal in both. */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

const fold = (v: string | null | undefined): string | null | undefined => (typeof v === 'string' ? v.toLowerCase() : v);

function paramsEquivalent(a: Params, b: Params): boolean {
  for (const name of MUST_MATCH) {
    if (a.has(name) !== b.has(name)) return false;
  }
  // Any parameter appearing in both must match; one appearing in only one of them is ignored.
  for (const [name, value] of a) {
    if (b.has(name) && fold(b.get(name)) !== fold(value)) return false;
  }
  return true;
}

function headersEquivalent(a: readonly (readonly [string, string])[], b: readonly (readonly [string, string])[]): boolean {
  // URI headers are never ignored: every one must be in both, in any order.
  if (a.length !== b.length) return false;
  // Components other than userinfo compare case-insensitively (§19.1.4), header values included.
  const key = ([n, v]: readonly [string, string]): string => `${n.toLowerCase()}=${v.toLowerCase()}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((k, i) => k === right[i]);
}

/** Whether two URIs are equivalent under §19.1.4. Other schemes compare as written. */
export function urisEquivalent(a: Uri, b: Uri): boolean {
  if (a.kind === 'absolute' || b.kind === 'absolute') {
    return a.kind === 'absolute' && b.kind === 'absolute' && a.scheme === b.scheme && a.value === b.value;
  }
  // A SIP and a SIPS URI are never equivalent.
  if (a.scheme !== b.scheme) return false;
  // userinfo compares case-sensitively, after escapes are decoded (the parser decoded them).
  if (a.user !== b.user || a.password !== b.password) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  // An explicit port, even 5060, differs from an absent one.
  if (a.port !== b.port) return false;
  return paramsEquivalent(a.params, b.params) && headersEquivalent(a.headers, b.headers);
}
