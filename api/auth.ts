// Bearer-token authentication. Tokens are compared as SHA-256 digests with timingSafeEqual against
// every configured token, without an early exit, so timing tells nothing about which prefix matched
// or where in the config the token sits.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Config, DomainConfig, SipUserConfig, UserConfig } from '../config/schema.ts';
import { ApiError } from './errors.ts';
import type { ApiEnv } from './types.ts';

/** The authorized user: what scoping and `from` checks look at. */
export interface Principal {
  domain: DomainConfig;
  user: UserConfig;
  sipusers: SipUserConfig[];
}

interface TokenEntry {
  digest: Buffer;
  principal: Principal;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokenIndex(config: Config): TokenEntry[] {
  return config.domains.flatMap((domain) =>
    domain.users.flatMap((user) =>
      user.tokens.map((t) => ({ digest: sha256(t), principal: { domain, user, sipusers: user.sipusers } })),
    ),
  );
}

const challenge = 'Bearer realm="callctl"';

/**
 * Resolves an Authorization header to a principal, or throws 1401. Where a client cannot set headers
 * (a browser's WebSocket or EventSource), `queryToken` (`?access_token=`, RFC 6750 §2.3) stands in
 * for a missing header; the header wins when both are given.
 */
export function authenticate(index: readonly TokenEntry[], header: string | undefined, queryToken?: string): Principal {
  if ((header === undefined || header === '') && queryToken !== undefined && queryToken !== '') return principalOf(index, queryToken);
  if (header === undefined || header === '')
    throw new ApiError(1401, 'not authenticated: Authorization: Bearer <token> required', { 'WWW-Authenticate': challenge });
  const m = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (!m?.[1])
    throw new ApiError(1401, 'not authenticated: malformed Authorization header', {
      'WWW-Authenticate': `${challenge}, error="invalid_request"`,
    });
  return principalOf(index, m[1]);
}

function principalOf(index: readonly TokenEntry[], token: string): Principal {
  const presented = sha256(token);
  let found: Principal | undefined;
  for (const entry of index) {
    // No break: every request costs one comparison per configured token.
    if (timingSafeEqual(entry.digest, presented)) found = entry.principal;
  }
  if (!found) throw new ApiError(1401, 'not authenticated: invalid token', { 'WWW-Authenticate': `${challenge}, error="invalid_token"` });
  return found;
}

export type AuthVariables = { principal: Principal };

export interface BearerAuthOptions {
  /** Paths that also take `?access_token=` (the event stream: EventSource cannot set headers). */
  queryTokenPaths?: readonly string[];
  /** Paths under the middleware that need no token at all (the OpenAPI document). */
  publicPaths?: readonly string[];
}

export function bearerAuth(config: Config, opts: BearerAuthOptions = {}): MiddlewareHandler<{ Bindings: ApiEnv; Variables: AuthVariables }> {
  const index = tokenIndex(config);
  const queryPaths = new Set(opts.queryTokenPaths);
  const publicPaths = new Set(opts.publicPaths);
  // A keep-alive client sends the same Authorization on every request. Once it has been verified on
  // a connection, the identical header on that connection is the same principal: the digest and the
  // comparisons (a tenth of a GET's CPU) are skipped. Comparing with what this very connection sent
  // before tells its client nothing about any token; a different header is verified afresh. The
  // token index is fixed for the app's life, so a remembered principal cannot go stale.
  const verified = new WeakMap<object, { header: string; principal: Principal }>();
  // Not async: a request whose token is known goes on to the route without a promise of its own.
  return (c, next) => {
    const header = c.req.header('authorization');
    if (publicPaths.size > 0 && publicPaths.has(c.req.path)) return next();
    const conn = c.env?.connection;
    const known = conn && header ? verified.get(conn) : undefined;
    if (known && known.header === header) c.set('principal', known.principal);
    else {
      const queryToken = (header === undefined || header === '') && queryPaths.has(c.req.path) ? c.req.query('access_token') : undefined;
      const principal = authenticate(index, header, queryToken);
      if (conn && header) verified.set(conn, { header, principal });
      c.set('principal', principal);
    }
    return next();
  };
}
