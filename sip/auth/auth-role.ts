// Which pair of headers a challenge uses. RFC 3261 §22.2: a registrar (any UAS) answers 401 with
// WWW-Authenticate and reads Authorization; §22.3: a proxy answers 407 with Proxy-Authenticate and
// reads Proxy-Authorization. We are the registrar for REGISTER, and the devices' first hop (as a
// proxy would be) for every request they start outside a dialog.

export interface AuthRole {
  readonly status: 401 | 407;
  readonly reason: 'Unauthorized' | 'Proxy Authentication Required';
  /** The header the challenge goes in. */
  readonly challengeHeader: 'WWW-Authenticate' | 'Proxy-Authenticate';
  /** The header the answer comes back in. */
  readonly credentialsHeader: 'Authorization' | 'Proxy-Authorization';
}

export const REGISTRAR_ROLE: AuthRole = Object.freeze({
  status: 401,
  reason: 'Unauthorized',
  challengeHeader: 'WWW-Authenticate',
  credentialsHeader: 'Authorization',
});

export const PROXY_ROLE: AuthRole = Object.freeze({
  status: 407,
  reason: 'Proxy Authentication Required',
  challengeHeader: 'Proxy-Authenticate',
  credentialsHeader: 'Proxy-Authorization',
});

/**
 * The role for a request method (methods are case-sensitive), or undefined for ACK and CANCEL:
 * RFC 3261 §22.1 — an ACK gets no response to carry a challenge, and a CANCEL cannot be resent
 * with credentials, so neither may be challenged.
 */
export function authRoleFor(method: string): AuthRole | undefined {
  if (method === 'ACK' || method === 'CANCEL') return undefined;
  return method === 'REGISTER' ? REGISTRAR_ROLE : PROXY_ROLE;
}
