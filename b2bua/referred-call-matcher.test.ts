import { describe, expect, it } from 'vitest';
import { domainSchema } from '../config/schema.ts';
import { ManualClock } from '../lib/clock.ts';
import { createRequest, parseUri } from '../sip/message/index.ts';
import { AccountDirectory } from '../sip/registrar/index.ts';
import { REFERRAL_WINDOW_MS, ReferredCallMatcher, referralTarget, type ExpectedReferral, type NewCall } from './referred-call-matcher.ts';
import { REFERRAL_TOKEN_PARAM } from './replaces-header.ts';
import { Router } from './router.ts';

const D = 'example.com';
const X = { domain: D, id: 1 };
const Y = { domain: D, id: 2 };
const Z = { domain: D, id: 3 };

function referral(o: Partial<ExpectedReferral> = {}): ExpectedReferral {
  return {
    callid: 'rIV-001-x',
    opts: { 'referred-by': '<sip:100@example.com>', bindings: ['crm-1'] },
    referee: { domain: D, sipuserId: X.id },
    target: { account: { domain: D, sipuserId: Y.id }, user: '12' },
    onMatched: () => {},
    ...o,
  };
}

function call(o: { referredBy?: string; caller?: typeof X; callee?: typeof X; dialled?: string } = {}): NewCall {
  const headers: [string, string][] = o.referredBy !== undefined ? [['Referred-By', o.referredBy]] : [];
  return {
    request: createRequest({ method: 'INVITE', uri: `sip:12@${D}`, from: `<sip:11@${D}>;tag=t`, to: `<sip:12@${D}>`, callId: 'new-call', cseq: 1, headers }),
    caller: o.caller ?? X,
    callee: o.callee ?? Y,
    dialled: o.dialled ?? '12',
  };
}

const tokenHeader = (token: string) => `<sip:100@${D};${REFERRAL_TOKEN_PARAM}=${token}>`;

describe('recognising the INVITE a REFER of ours asked for (RFC 3515, RFC 3892)', () => {
  it('the referee copies Referred-By into the referred request: its token names the REFER, whoever calls whom', () => {
    const m = new ReferredCallMatcher({ clock: new ManualClock() });
    const first = referral();
    const second = referral({ callid: 'rIV-001-y' });
    m.expect(first);
    const token = m.expect(second);
    // Caller and callee differ from what the REFER expects: the token alone decides.
    expect(m.claim(call({ referredBy: tokenHeader(token), caller: Z, callee: Z, dialled: '99' }))?.callid).toBe('rIV-001-y');
    expect(m.size).toBe(1);
  });

  it('a REFER matches one call at most', () => {
    const m = new ReferredCallMatcher({ clock: new ManualClock() });
    const token = m.expect(referral());
    expect(m.claim(call({ referredBy: tokenHeader(token) }))).toBeDefined();
    expect(m.claim(call({ referredBy: tokenHeader(token) }))).toBeUndefined();
    expect(m.claim(call())).toBeUndefined();
  });

  it('a token we do not know matches nothing, not even by account', () => {
    const m = new ReferredCallMatcher({ clock: new ManualClock() });
    m.expect(referral());
    expect(m.claim(call({ referredBy: tokenHeader('feedbeef') }))).toBeUndefined();
    expect(m.size).toBe(1);
  });

  it('without a token: the oldest REFER whose referee calls its Refer-To target', () => {
    const m = new ReferredCallMatcher({ clock: new ManualClock() });
    m.expect(referral({ callid: 'to-z', target: { account: { domain: D, sipuserId: Z.id }, user: '13' } }));
    m.expect(referral({ callid: 'old' }));
    m.expect(referral({ callid: 'new' }));
    // A Referred-By rewritten by the device (no token) still falls back.
    expect(m.claim(call({ referredBy: '<sip:someone@example.com>' }))?.callid).toBe('old');
    expect(m.claim(call())?.callid).toBe('new');
    expect(m.claim(call())).toBeUndefined();
    // Another caller, or another callee: not the referred call.
    expect(m.claim(call({ caller: Y, callee: Z }))).toBeUndefined();
    expect(m.claim(call({ callee: Y }))).toBeUndefined();
    expect(m.claim(call({ callee: Z }))?.callid).toBe('to-z');
  });

  it('a target that is no account of ours is compared by the dialled user part; no referee account, no fallback', () => {
    const m = new ReferredCallMatcher({ clock: new ManualClock() });
    m.expect(referral({ callid: 'by-user', target: { account: undefined, user: '555' } }));
    m.expect(referral({ callid: 'no-referee', referee: undefined }));
    expect(m.claim(call({ dialled: '556' }))).toBeUndefined();
    expect(m.claim(call({ dialled: '555' }))?.callid).toBe('by-user');
    expect(m.claim(call())).toBeUndefined();
  });

  it('the fallback holds for the window after the 202; a refused REFER is forgotten', () => {
    const clock = new ManualClock();
    const m = new ReferredCallMatcher({ clock });
    const token = m.expect(referral());
    clock.advance(REFERRAL_WINDOW_MS - 1);
    m.accepted(token); // the 202: the window starts again
    clock.advance(REFERRAL_WINDOW_MS - 1);
    expect(m.claim(call())).toBeDefined();

    m.expect(referral());
    clock.advance(REFERRAL_WINDOW_MS);
    expect(m.claim(call())).toBeUndefined();
    expect(m.size).toBe(0);

    m.forget(m.expect(referral()));
    expect(m.claim(call())).toBeUndefined();
    expect(clock.pending).toBe(0);
  });

  it('an expired REFER never matches, though the sweep that drops it runs at most once a second', () => {
    const clock = new ManualClock();
    const m = new ReferredCallMatcher({ clock, windowMs: 500 });
    const token = m.expect(referral()); // sweeps now; the next sweep is due in 1 s
    clock.advance(600);
    expect(m.claim(call())).toBeUndefined(); // expired: skipped, not yet swept
    expect(m.size).toBe(1);
    m.expect(referral());
    m.forget(token);
    clock.advance(600);
    expect(m.claim(call())).toBeUndefined(); // the second expired too; the sweep drops it
    expect(m.size).toBe(0);

    // Its token names it, but it has expired all the same.
    const late = m.expect(referral());
    clock.advance(600);
    expect(m.claim(call({ referredBy: tokenHeader(late) }))).toBeUndefined();
  });
});

describe('what a Refer-To names', () => {
  const domains = [
    domainSchema.parse({
      name: D,
      featurecodes: [{ type: 'intercom', prefix: '*88' }],
      users: [{ login: 'u', tokens: ['token-1234'], sipusers: [{ id: 2, login: 'sip2', phonenumber: '12', password: 'p' }] }],
    }),
  ];
  const router = new Router({ directory: new AccountDirectory(domains), domains });

  it('a number or login of our domain is its account; anything else its user part', () => {
    expect(referralTarget(router, parseUri(`sip:12@${D}`))).toEqual({ account: { domain: D, sipuserId: 2 }, user: '12' });
    expect(referralTarget(router, parseUri(`sip:sip2@${D}`)).account).toEqual({ domain: D, sipuserId: 2 });
    expect(referralTarget(router, parseUri(`sip:*8812@${D}`))).toEqual({ account: { domain: D, sipuserId: 2 }, user: '12' });
    expect(referralTarget(router, parseUri(`sip:99@${D}`))).toEqual({ account: undefined, user: '99' });
    expect(referralTarget(router, parseUri('sip:12@other.org'))).toEqual({ account: undefined, user: '12' });
  });
});
