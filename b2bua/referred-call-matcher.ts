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
// A REFER matches one call at most. Nothing runs on a timer: an expired entry never matches, and
// expired entries are swept out at a use at most once a second (a sweep walks every pending REFER;
// once per call it was 0.7 ms per operation with 900 pending, at 30 REFERs/s).
import { randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import type { SipRequest, Uri } from '../sip/message/index.ts';
import { accountKey } from '../store/call-store.ts';
import type { DialogOpts } from '../store/dialog.ts';
import { referralToken } from './replaces-header.ts';
import type { Router } from './router.ts';

/** How long after the 202 (or the REFER, until it comes) an INVITE without our token may match. */
export const REFERRAL_WINDOW_MS = 30_000;
/** Pending REFERs kept at most; the oldest go first. */
const MAX_PENDING = 10_000;
/** Expired REFERs are swept out at most this often. */
const SWEEP_EVERY_MS = 1_000;

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
  /** The same by referee account, oldest first: the fallback looks only at the caller's own. */
  readonly #byReferee = new Map<string, Map<string, Pending>>();
  #nextSweep = 0;

  constructor(opts: ReferredCallMatcherOptions) {
    this.#clock = opts.clock;
    this.#windowMs = opts.windowMs ?? REFERRAL_WINDOW_MS;
  }

  /** Pending REFERs (expired ones may count until a sweep). */
  get size(): number {
    return this.#pending.size;
  }

  /** A REFER is about to go: the token for its Referred-By. */
  expect(referral: ExpectedReferral): string {
    const now = this.#clock.now();
    this.#sweep(now);
    if (this.#pending.size >= MAX_PENDING) this.#drop(this.#pending.values().next().value!);
    const token = randomBytes(10).toString('hex');
    const p: Pending = { ...referral, token, expiresAt: now + this.#windowMs };
    this.#pending.set(token, p);
    if (p.referee) {
      const key = accountKey(p.referee.domain, p.referee.sipuserId);
      let mine = this.#byReferee.get(key);
      if (!mine) this.#byReferee.set(key, (mine = new Map()));
      mine.set(token, p);
    }
    return token;
  }

  /** The REFER got its 202: the window runs from now. */
  accepted(token: string): void {
    const p = this.#pending.get(token);
    if (p) p.expiresAt = this.#clock.now() + this.#windowMs;
  }

  /** The REFER was refused or could not be sent: no INVITE will follow. */
  forget(token: string): void {
    const p = this.#pending.get(token);
    if (p) this.#drop(p);
  }

  /** The REFER a new call answers, if any; it matches no other call afterwards. */
  claim(call: NewCall): ExpectedReferral | undefined {
    const now = this.#clock.now();
    this.#sweep(now);
    const token = referralToken(call.request.headers.get('referred-by'));
    if (token !== undefined) {
      const p = this.#pending.get(token);
      if (!p) return undefined;
      this.#drop(p);
      return p.expiresAt > now ? p : undefined;
    }
    const mine = this.#byReferee.get(accountKey(call.caller.domain, call.caller.id));
    if (!mine) return undefined;
    for (const p of mine.values()) {
      if (p.expiresAt <= now || !targets(p.target, call)) continue;
      this.#drop(p);
      return p;
    }
    return undefined;
  }

  #drop(p: Pending): void {
    this.#pending.delete(p.token);
    if (!p.referee) return;
    const key = accountKey(p.referee.domain, p.referee.sipuserId);
    const mine = this.#byReferee.get(key);
    mine?.delete(p.token);
    if (mine?.size === 0) this.#byReferee.delete(key);
  }

  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + SWEEP_EVERY_MS;
    for (const p of this.#pending.values()) if (p.expiresAt <= now) this.#drop(p);
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
