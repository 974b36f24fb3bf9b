// Digest authentication of the requests devices start outside a dialog (RFC 3261 §22.3): we are
// their first hop, so we challenge as a proxy does, 407 with Proxy-Authenticate, realm = the
// domain, password = the account's. Nothing is routed for a device that has not proved who it is:
// the node is no open relay.
import type { Logger } from '../lib/log.ts';
import type { DigestVerifier } from '../sip/auth/index.ts';
import type { SipRequest } from '../sip/message/index.ts';
import type { AccountDirectory, SipAccount, SipDomain } from '../sip/registrar/index.ts';

export type AuthOutcome =
  | { readonly kind: 'ok'; readonly account: SipAccount }
  | { readonly kind: 'challenge'; readonly status: number; readonly reason: string; readonly headers: readonly (readonly [string, string])[] };

export class ProxyAuthenticator {
  readonly #verifier: DigestVerifier;
  readonly #directory: AccountDirectory;
  readonly #log: Logger;

  constructor(opts: { verifier: DigestVerifier; directory: AccountDirectory; logger: Logger }) {
    this.#verifier = opts.verifier;
    this.#directory = opts.directory;
    this.#log = opts.logger;
  }

  /**
   * Checks the Proxy-Authorization of a request for `domain`. The digest username is the account
   * login (never its number), as for REGISTER. Never throws on what the device sent.
   */
  async authenticate(req: SipRequest, domain: SipDomain, source: { host: string; port: number }): Promise<AuthOutcome> {
    const result = await this.#verifier.verify({
      method: req.method,
      requestUri: req.uriText,
      realm: domain.name,
      credentials: req.headers.getAll('proxy-authorization'),
      body: req.body,
      lookup: (username) => {
        const account = this.#directory.byLogin(domain, username);
        return account && { password: account.password };
      },
    });
    if (result.kind === 'challenge') {
      const fields = { method: req.method, reason: result.reason, username: result.username, source: `${source.host}:${source.port}`, callid: req.callId };
      if (result.reason === 'MISSING_CREDENTIALS' || result.stale) this.#log.debug('request challenged', fields);
      else this.#log.warn('request authentication failed', fields);
      return { kind: 'challenge', status: result.status, reason: result.reasonPhrase, headers: result.values.map((v) => [result.header, v] as const) };
    }
    const account = this.#directory.byLogin(domain, result.username);
    // The verifier found the login a moment ago; only a config change in between could lose it.
    if (!account) return { kind: 'challenge', status: 403, reason: 'Forbidden', headers: [] };
    return { kind: 'ok', account };
  }
}
