// Which new B2B call a REFER of ours asked for. After a service call REFERs its device (RFC 3515),
// the device sends the referred INVITE through us like any call; the operation wants that call's
// ids in the REFER's NOTIFY events, and the new dialog wants the operation's labels and the
// referrer in its `opts`.
//
// Two ways to recognise it, in order:
// 1. A token. Our REFER's Referred-By URI carries `;callctl-ref=<token>`; RFC 3892 §3 asks the
//    referee to copy Referred-By into the referred request, so the INVITE names its REFER. A call
//    with a token we do not know (expired, another node's) matches nothing.
// 2. Without a token (devices that drop or rewrite Referred-By): the oldest pending REFER whose
//    referee is the calling account and whose Refer-To names the called account (or the dialled
//    user part), within `windowMs` of the REFER's 202.
// A REFER matches one call at most. Nothing runs on a timer: expired entries go at the next use.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import type { SipRequest, Uri } from '../sip/message/index.ts';
import type { DialogOpts } from '../store/dialog.ts';
import { referralToken } from './replaces-header.ts';
import type { Router } from './router.ts';

/** How long after the 202 (or the REFER, until it comes) an INVITE without our token may match. */
export const REFERRAL_WINDOW_MS = 30_000;
/** Pending REFERs kept at most; the oldest go first. */
const MAX_PENDING = 10_000;

/** An account as calls name it. */
export interface AccountRef {
  readonly domain: string;
  readonly sipuserId: number;
}

/** What the Refer-To names: an account of ours, else the user part (compared with the dialled one). */
export interface ReferralTarget {
  readonly account: AccountRef | undefined;
  readonly user: string | undefined;
}

export interface ExpectedReferral {
  /** The REFER's service call, for logs. */
  readonly callid: string;
  /** The new dialog's `opts`: `referred-by` and `bindings`. */
  readonly opts: DialogOpts;
  /** The referred device's account (the service call's callee), when it has one. */
  readonly referee: AccountRef | undefined;
  readonly target: ReferralTarget;
  /** The referred INVITE became this call. Must not throw. */
  readonly onMatched: (call: { acallid: string; dialogid: string }) => void;
}

/** A new B2B call, as the matcher sees it. */
export interface NewCall {
  readonly request: SipRequest;
  readonly caller: { readonly domain: string; readonly id: number };
  readonly callee: { readonly domain: string; readonly id: number };
  readonly dialled: string;
}

interface Pending extends ExpectedReferral {
  readonly token: string;
  expiresAt: number;
}

export interface ReferredCallMatcherOptions {
  readonly clock: Clock;
  readonly windowMs?: number;
}

export class ReferredCallMatcher {
  readonly #clock: Clock;
  readonly #windowMs: number;
  /** By token, oldest first (Map order). */
  readonly #pending = new Map<string, Pending>();

  constructor(opts: ReferredCallMatcherOptions) {
    this.#clock = opts.clock;
    this.#windowMs = opts.windowMs ?? REFERRAL_WINDOW_MS;
  }

  /** Pending REFERs (expired ones may still count until the next use). */
  get size(): number {
    return this.#pending.size;
  }

  /** A REFER is about to go: the token for its Referred-By. */
  expect(referral: ExpectedReferral): string {
    this.#prune();
    if (this.#pending.size >= MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value!);
    const token = randomBytes(10).toString('hex');
    this.#pending.set(token, { ...referral, token, expiresAt: this.#clock.now() + this.#windowMs });
    return token;
  }

  /** The REFER got its 202: the window runs from now. */
  accepted(token: string): void {
    const p = this.#pending.get(token);
    if (p) p.expiresAt = this.#clock.now() + this.#windowMs;
  }

  /** The REFER was refused or could not be sent: no INVITE will follow. */
  forget(token: string): void {
    this.#pending.delete(token);
  }

  /** The REFER a new call answers, if any; it matches no other call afterwards. */
  claim(call: NewCall): ExpectedReferral | undefined {
    this.#prune();
    const token = referralToken(call.request.headers.get('referred-by'));
    if (token !== undefined) {
      const p = this.#pending.get(token);
      if (p) this.#pending.delete(token);
      return p;
    }
    for (const p of this.#pending.values()) {
      if (!p.referee || !sameAccount(p.referee, call.caller) || !targets(p.target, call)) continue;
      this.#pending.delete(p.token);
      return p;
    }
    return undefined;
  }

  #prune(): void {
    const now = this.#clock.now();
    for (const [token, p] of this.#pending) if (p.expiresAt <= now) this.#pending.delete(token);
  }
}

function sameAccount(a: AccountRef, b: { domain: string; id: number }): boolean {
  return a.sipuserId === b.id && a.domain.toLowerCase() === b.domain.toLowerCase();
}

function targets(t: ReferralTarget, call: NewCall): boolean {
  if (t.account) return sameAccount(t.account, call.callee);
  return t.user !== undefined && t.user === call.dialled;
}

/** What a Refer-To URI names, for the fallback: an account of one of our domains, or its user part. */
export function referralTarget(router: Router, uri: Uri): ReferralTarget {
  if (uri.kind !== 'sip') return { account: undefined, user: undefined };
  const domain = router.domainOf(uri);
  const route = domain ? router.resolve(domain, uri.user) : undefined;
  if (route?.kind === 'account') return { account: { domain: route.account.domain, sipuserId: route.account.id }, user: route.dialled };
  return { account: undefined, user: uri.user };
}
