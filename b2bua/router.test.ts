import { describe, expect, it } from 'vitest';
import { domainSchema } from '../config/schema.ts';
import { parseUri } from '../sip/message/index.ts';
import { AccountDirectory } from '../sip/registrar/index.ts';
import { Router } from './router.ts';

const domains = [
  domainSchema.parse({
    name: 'Example.COM',
    featurecodes: [
      { type: 'conf', prefix: '*99' },
      { type: 'intercom', prefix: '*88' },
      { type: 'conf', prefix: '7' },
    ],
    users: [{ login: 'u', tokens: ['token-1234'], sipusers: [{ id: 1, login: 'alice', phonenumber: '101', password: 'p' }, { id: 2, login: 'bob', phonenumber: '77', password: 'p' }] }],
  }),
];
const directory = new AccountDirectory(domains);
const router = new Router({ directory, domains });
const domain = router.domainOf(parseUri('sip:101@example.com'))!;

describe('routing inside a domain', () => {
  it('the domain is the Request-URI host, in any case; other hosts and schemes are not ours', () => {
    expect(domain.name).toBe('Example.COM');
    expect(router.domainOf(parseUri('sip:101@EXAMPLE.com.'))).toBe(domain);
    expect(router.domainOf(parseUri('sip:101@other.org'))).toBeUndefined();
    expect(router.domainOf(parseUri('tel:+101'))).toBeUndefined();
  });

  it('a phone number or a login names the account', () => {
    expect(router.resolve(domain, '101')).toMatchObject({ kind: 'account', account: { login: 'alice' }, dialled: '101', intercom: false });
    expect(router.resolve(domain, 'alice')).toMatchObject({ kind: 'account', account: { login: 'alice' }, dialled: 'alice' });
  });

  it('the conf prefix and a room number make a conference route', () => {
    expect(router.resolve(domain, '*99123')).toMatchObject({ kind: 'conference', room: '123', prefix: '*99' });
  });

  it('the intercom prefix and a number call that account with intercom set', () => {
    expect(router.resolve(domain, '*88101')).toMatchObject({ kind: 'account', account: { login: 'alice' }, dialled: '101', intercom: true });
    expect(router.resolve(domain, '*88999')).toMatchObject({ kind: 'not-found' });
  });

  it('an exact account wins over a feature code whose prefix it starts with', () => {
    expect(router.resolve(domain, '77')).toMatchObject({ kind: 'account', account: { login: 'bob' } });
    expect(router.resolve(domain, '755')).toMatchObject({ kind: 'conference', room: '55' });
  });

  it('anything else is not found: unknown numbers, a prefix with nothing or no digits after it, no user part', () => {
    expect(router.resolve(domain, '999').kind).toBe('not-found');
    expect(router.resolve(domain, '*99').kind).toBe('not-found');
    expect(router.resolve(domain, '*99abc').kind).toBe('not-found');
    expect(router.resolve(domain, undefined).kind).toBe('not-found');
  });
});
