// Routing inside a domain: what a dialled Request-URI names. The domain is the Request-URI host and
// must be one of ours; the user part is an account (login or phone number) or a feature code
// (conference room, intercom call). Contacts are the location service's business, not the router's.
import type { DomainConfig } from '../config/schema.ts';
import type { Uri } from '../sip/message/index.ts';
import type { AccountDirectory, SipAccount, SipDomain } from '../sip/registrar/index.ts';

/** A call to an account: its contacts are rung. `intercom` asks the device to answer at once. */
export interface AccountRoute {
  readonly kind: 'account';
  readonly domain: SipDomain;
  readonly account: SipAccount;
  /** The user part the b legs are sent To: the number or login dialled, without a feature code. */
  readonly dialled: string;
  readonly intercom: boolean;
}

/** A conference room: `<conf prefix><room>`. Conference media comes with a later issue. */
export interface ConferenceRoute {
  readonly kind: 'conference';
  readonly domain: SipDomain;
  readonly room: string;
  readonly prefix: string;
}

export interface NotFoundRoute {
  readonly kind: 'not-found';
  readonly domain: SipDomain;
  readonly dialled: string;
}

export type Route = AccountRoute | ConferenceRoute | NotFoundRoute;

interface FeatureCode {
  readonly type: 'conf' | 'intercom';
  readonly prefix: string;
}

/** The digits after a feature code: a room or a number. */
const FEATURE_ARGUMENT = /^[0-9]+$/;

export class Router {
  readonly #directory: AccountDirectory;
  /** Per domain (lower case), feature codes longest prefix first, so `*991` wins over `*99`. */
  readonly #features = new Map<string, FeatureCode[]>();

  constructor(opts: { directory: AccountDirectory; domains: readonly DomainConfig[] }) {
    this.#directory = opts.directory;
    for (const d of opts.domains) {
      const codes = d.featurecodes.map((f) => ({ type: f.type, prefix: f.prefix }));
      codes.sort((x, y) => y.prefix.length - x.prefix.length);
      this.#features.set(d.name.toLowerCase(), codes);
    }
  }

  /**
   * The domain a Request-URI is for: its host, one of the configured domains (any case, a trailing
   * dot tolerated). Undefined for another host or a URI that is not sip:/sips:.
   */
  domainOf(uri: Uri): SipDomain | undefined {
    if (uri.kind !== 'sip' || uri.scheme === 'tel') return undefined;
    return this.#directory.domain(uri.host);
  }

  /**
   * What a user part dialled in a domain names. An account's login or number wins over a feature
   * code (numbers are digits and prefixes may be too: an exact account is never shadowed); then
   * the longest feature-code prefix followed by digits; else not found.
   */
  resolve(domain: SipDomain, user: string | undefined): Route {
    const dialled = user ?? '';
    const account = dialled === '' ? undefined : this.#directory.byUser(domain, dialled);
    if (account) return { kind: 'account', domain, account, dialled, intercom: false };
    for (const f of this.#features.get(domain.name.toLowerCase()) ?? []) {
      if (!dialled.startsWith(f.prefix)) continue;
      const rest = dialled.slice(f.prefix.length);
      if (!FEATURE_ARGUMENT.test(rest)) continue;
      if (f.type === 'conf') return { kind: 'conference', domain, room: rest, prefix: f.prefix };
      const target = this.#directory.byUser(domain, rest);
      if (target) return { kind: 'account', domain, account: target, dialled: rest, intercom: true };
      return { kind: 'not-found', domain, dialled };
    }
    return { kind: 'not-found', domain, dialled };
  }
}
