// The accounts the registrar serves, read from the config's domains → users → sipusers. An
// account is found by its login (what digest usernames and AORs use) or, in a To header, by its
// phone number: the config keeps both in one namespace per domain, so either names one account.
import type { DomainConfig } from '../../config/schema.ts';
import { addressOfRecord } from './address-of-record.ts';

export interface SipAccount {
  readonly id: number;
  readonly login: string;
  readonly phonenumber: string;
  readonly password: string;
  /** A static contact URI from the config, when the account has one. */
  readonly contact: string | undefined;
  /** The domain name as configured: the digest realm. */
  readonly domain: string;
  /** `login@domain`, the key of its bindings. */
  readonly aor: string;
}

export interface SipDomain {
  /** As configured; the digest realm of its accounts. */
  readonly name: string;
  readonly byLogin: ReadonlyMap<string, SipAccount>;
  readonly byNumber: ReadonlyMap<string, SipAccount>;
}

/** A host as a domain key: case folded (§19.1.4), a trailing dot of a fully-qualified name dropped. */
function domainKey(host: string): string {
  const h = host.toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

export class AccountDirectory {
  readonly #domains = new Map<string, SipDomain>();

  constructor(domains: readonly DomainConfig[]) {
    for (const d of domains) {
      const byLogin = new Map<string, SipAccount>();
      const byNumber = new Map<string, SipAccount>();
      for (const user of d.users) {
        for (const s of user.sipusers) {
          const account: SipAccount = Object.freeze({
            id: s.id,
            login: s.login,
            phonenumber: s.phonenumber,
            password: s.password,
            contact: s.contact,
            domain: d.name,
            aor: addressOfRecord(s.login, d.name),
          });
          byLogin.set(s.login, account);
          byNumber.set(s.phonenumber, account);
        }
      }
      this.#domains.set(domainKey(d.name), { name: d.name, byLogin, byNumber });
    }
  }

  /** One of our domains by host name, in any case. */
  domain(host: string): SipDomain | undefined {
    return this.#domains.get(domainKey(host));
  }

  /** The account a digest username names: logins only, never a phone number. */
  byLogin(domain: SipDomain, login: string): SipAccount | undefined {
    return domain.byLogin.get(login);
  }

  /** The account a URI user part names: its login, or else its phone number. */
  byUser(domain: SipDomain, user: string): SipAccount | undefined {
    return domain.byLogin.get(user) ?? domain.byNumber.get(user);
  }

  /** The configured static contacts, for the location service. */
  staticContacts(): { aor: string; contact: string }[] {
    const out: { aor: string; contact: string }[] = [];
    for (const d of this.#domains.values()) {
      for (const a of d.byLogin.values()) if (a.contact !== undefined) out.push({ aor: a.aor, contact: a.contact });
    }
    return out;
  }
}
