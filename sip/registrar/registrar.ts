// The registrar (RFC 3261 §10.3): answers REGISTER requests of our accounts and keeps their
// bindings in the location service. It takes a parsed request and where it came from, and gives
// back the response to send; transactions and transports are the caller's.
import type { Clock } from '../../lib/clock.ts';
import { silentLogger, type Logger } from '../../lib/log.ts';
import type { DigestVerifier } from '../auth/index.ts';
import {
  SipParseError,
  createResponse,
  formatSipDate,
  generateTag,
  reasonPhrase,
  unquote,
  type Contact,
  type SipRequest,
  type SipResponse,
  type SipUri,
  type Uri,
} from '../message/index.ts';
import type { AccountDirectory } from './account-directory.ts';
import type { FlowAddress, RegisteredBinding } from './binding.ts';
import { contactExpiry } from './contact-expiry.ts';
import type { BindingChange, ContactUpdate, LocationService } from './location-service.ts';
import { RegistrarError } from './registrar-error.ts';

/**
 * Option tags this registrar supports in Require (§8.2.2.3). None: not Path (RFC 3327; phones
 * reach us directly, no proxy sits between), not outbound (RFC 5626), not gruu (RFC 5627).
 */
export const SUPPORTED_OPTION_TAGS: readonly string[] = Object.freeze([]);

export interface RegistrarOptions {
  readonly directory: AccountDirectory;
  readonly location: LocationService;
  /** Challenges REGISTERs with 401 / WWW-Authenticate (RFC 3261 §22.2). */
  readonly verifier: DigestVerifier;
  readonly clock: Clock;
  readonly logger?: Logger;
}

type Headers = readonly (readonly [string, string])[];

const isSipUri = (uri: Uri): uri is SipUri => uri.kind === 'sip' && uri.scheme !== 'tel';

export class Registrar {
  readonly #directory: AccountDirectory;
  readonly #location: LocationService;
  readonly #verifier: DigestVerifier;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #supported = new Set(SUPPORTED_OPTION_TAGS);
  #tail: Promise<unknown> = Promise.resolve();

  constructor(opts: RegistrarOptions) {
    this.#directory = opts.directory;
    this.#location = opts.location;
    this.#verifier = opts.verifier;
    this.#clock = opts.clock;
    this.#log = opts.logger ?? silentLogger;
  }

  /**
   * The response to a REGISTER. Asynchronous because digest verification is. Requests are taken
   * one at a time in the order handed in: §10.3 wants REGISTERs processed in order of arrival and
   * each one atomically. Throws RegistrarError REGISTRAR_NOT_REGISTER for any other method.
   */
  handle(req: SipRequest, source: FlowAddress): Promise<SipResponse> {
    if (req.method !== 'REGISTER') throw new RegistrarError('REGISTRAR_NOT_REGISTER', `the registrar answers REGISTER only, not ${req.method}`);
    const run = this.#tail.then(() => this.#answer(req, source));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #answer(req: SipRequest, source: FlowAddress): Promise<SipResponse> {
    try {
      return await this.#process(req, source);
    } catch (e) {
      // A header read lazily here (Contact, Expires…) that does not follow its grammar.
      if (e instanceof SipParseError) return this.#respond(req, e.status, e.reason);
      throw e;
    }
  }

  async #process(req: SipRequest, source: FlowAddress): Promise<SipResponse> {
    // §8.2.2.1: a Request-URI of a scheme we do not serve gets 416.
    const ruri = req.uri;
    if (!isSipUri(ruri)) return this.#respond(req, 416);
    // Step 1: the Request-URI names the domain whose bindings are meant; we do not forward
    // REGISTERs for other domains. §21.4.4 gives 404 for a domain the server does not handle.
    // (The userinfo a Request-URI must not carry is ignored rather than refused.)
    const domain = this.#directory.domain(ruri.host);
    if (!domain) return this.#respond(req, 404, 'Not Found - Unknown Domain');

    // Step 2: every option tag in Require must be one we support, else 420 listing the others.
    const unsupported = req.headers.values('require').filter((tag) => !this.#supported.has(tag));
    if (unsupported.length > 0) return this.#respond(req, 420, undefined, [['Unsupported', unsupported.join(', ')]]);

    // Step 3: authenticate (§22): a REGISTER is challenged with 401 and WWW-Authenticate, the
    // realm being the domain; the digest username is the account login.
    const auth = await this.#verifier.verify({
      method: req.method,
      requestUri: req.uriText,
      realm: domain.name,
      credentials: req.headers.getAll('authorization'),
      // Only read with qop=auth-int, when the verifier is set to offer it.
      body: req.body,
      lookup: (username) => {
        const account = this.#directory.byLogin(domain, username);
        return account && { password: account.password };
      },
    });
    if (auth.kind === 'challenge') {
      const fields = { reason: auth.reason, username: auth.username, source: `${source.host}:${source.port}` };
      if (auth.reason === 'MISSING_CREDENTIALS' || auth.stale) this.#log.debug('REGISTER challenged', fields);
      else this.#log.warn('REGISTER authentication failed', fields);
      return this.#respond(req, auth.status, auth.reasonPhrase, auth.values.map((v) => [auth.header, v] as const));
    }
    const user = this.#directory.byLogin(domain, auth.username);
    if (!user) return this.#respond(req, 403);

    // Step 5 (taken before 4, which needs its answer): the address-of-record is the To URI. It
    // must be a SIP URI of the Request-URI's domain naming one of its accounts, else 404. The
    // user part may be the login or the phone number, which names the same account.
    const to = req.to;
    if (!to) return this.#respond(req, 400, 'Bad Request - Missing To');
    const toUri = to.uri;
    if (!isSipUri(toUri) || toUri.user === undefined || this.#directory.domain(toUri.host) !== domain) {
      return this.#respond(req, 404, 'Not Found - Not an Address-of-Record of this Domain');
    }
    const account = this.#directory.byUser(domain, toUri.user);
    if (!account) return this.#respond(req, 404, 'Not Found - Unknown User');
    // Step 4: the authenticated user may change the bindings of its own account only, else 403.
    if (account !== user) {
      this.#log.warn('REGISTER for another account refused', { username: user.login, aor: account.aor });
      return this.#respond(req, 403, 'Forbidden - Not Your Address-of-Record');
    }

    const contacts = req.contacts;
    // A REGISTER without Contact is a query: the current bindings, unchanged.
    if (contacts.length === 0) return this.#ok(req, this.#location.registered(account.aor));

    // Step 6: the wildcard stands alone with Expires: 0, or the request is invalid (400).
    const expiresHeader = req.expires;
    const callId = req.callId ?? '';
    const cseq = req.cseq?.seq ?? 0;
    let change: BindingChange;
    if (contacts.includes('*')) {
      if (contacts.length > 1) return this.#respond(req, 400, 'Bad Request - Wildcard Contact With Other Contacts');
      if (expiresHeader !== 0) return this.#respond(req, 400, 'Bad Request - Wildcard Contact Without Expires: 0');
      change = { kind: 'remove-all', callId, cseq };
    } else {
      const updates: ContactUpdate[] = [];
      for (const c of contacts as readonly Contact[]) {
        // We reach contacts with SIP only; a mailto: or http: binding would never be used.
        if (!isSipUri(c.uri)) return this.#respond(req, 400, 'Bad Request - Contact Is Not a SIP URI');
        // Step 7: each contact's interval; one too brief fails the whole request with 423.
        const expiry = contactExpiry(c.expires, expiresHeader, this.#location.limits);
        if (expiry.kind === 'too-brief') {
          return this.#respond(req, 423, undefined, [['Min-Expires', String(this.#location.limits.minExpires)]]);
        }
        updates.push({ uri: c.uri, expires: expiry.seconds, q: c.q, ...instanceOf(c) });
      }
      change = { kind: 'set', callId, cseq, flow: source, userAgent: req.headers.get('user-agent'), contacts: updates };
    }

    // Step 7: commit all or nothing.
    const result = this.#location.update(account.aor, change);
    if (!result.ok) {
      switch (result.reason) {
        // A REGISTER older than the stored binding (same Call-ID, CSeq not higher): the update
        // is aborted and the request fails.
        case 'OUT_OF_ORDER':
          this.#log.info('out-of-order REGISTER refused', { aor: account.aor, callId, cseq, contact: result.contact });
          return this.#respond(req, 500, 'Server Internal Error - Out-of-Order REGISTER');
        // No RFC status for it: 403 says a retry will not help until some contact goes.
        case 'TOO_MANY_CONTACTS':
          this.#log.warn('REGISTER refused: too many contacts', { aor: account.aor, max: this.#location.limits.maxContactsPerAor });
          return this.#respond(req, 403, 'Forbidden - Too Many Contacts');
        case 'CLOSED':
          return this.#respond(req, 503, undefined, [['Retry-After', '5']]);
      }
    }
    this.#log.info('REGISTER accepted', { aor: account.aor, bindings: result.bindings.length, source: `${source.transport}:${source.host}:${source.port}` });
    return this.#ok(req, result.bindings);
  }

  /** Step 8: 200 listing every current binding with its remaining time, and a Date (§20.17). */
  #ok(req: SipRequest, bindings: readonly RegisteredBinding[]): SipResponse {
    const now = this.#clock.now();
    const headers: [string, string][] = bindings.map((b) => {
      // Rounded up: a live binding never shows 0, which would read as removed.
      const remaining = Math.max(1, Math.ceil((b.expiresAt - now) / 1000));
      return ['Contact', `<${b.contact}>${b.q !== undefined ? `;q=${b.q}` : ''};expires=${remaining}`];
    });
    headers.push(['Date', formatSipDate(new Date(now))]);
    return this.#respond(req, 200, undefined, headers);
  }

  /** Every answer: a response to the request with a To tag of ours (§8.2.6.2). */
  #respond(req: SipRequest, status: number, reason?: string, headers: Headers = []): SipResponse {
    return createResponse(req, status, reason ?? reasonPhrase(status), { toTag: generateTag(), headers });
  }
}

/** RFC 5626 instance and reg-id of a Contact: stored for later use, so read leniently. */
function instanceOf(c: Contact): Pick<ContactUpdate, 'instanceId' | 'regId'> {
  const instance = c.params.get('+sip.instance');
  const regId = c.params.get('reg-id');
  return {
    instanceId: instance ? unquote(instance) : undefined,
    regId: regId && /^[0-9]{1,9}$/.test(regId) ? Number(regId) : undefined,
  };
}
