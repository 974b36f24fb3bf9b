import { describe, expect, it } from 'vitest';
import { AccountDirectory } from './account-directory.ts';
import { addressOfRecord, normalizeAor } from './address-of-record.ts';
import { RegistrarError } from './registrar-error.ts';
import { DOMAINS } from './test-kit.ts';

describe('AccountDirectory', () => {
  const dir = new AccountDirectory(DOMAINS);

  it('finds a domain by host in any case, with or without the trailing dot of a FQDN', () => {
    expect(dir.domain('example.com')?.name).toBe('Example.COM');
    expect(dir.domain('EXAMPLE.COM.')?.name).toBe('Example.COM');
    expect(dir.domain('example.org')).toBeUndefined();
  });

  it('names an account by login or phone number in a URI, by login only as a digest username', () => {
    const d = dir.domain('example.com')!;
    expect(dir.byUser(d, 'alice')?.aor).toBe('alice@example.com');
    expect(dir.byUser(d, '101')?.login).toBe('alice');
    expect(dir.byLogin(d, '101')).toBeUndefined();
    // User parts compare case-sensitively (§19.1.4).
    expect(dir.byUser(d, 'Alice')).toBeUndefined();
  });

  it('lists the static contacts of the config', () => {
    expect(dir.staticContacts()).toEqual([{ aor: 'trunk@example.com', contact: 'sip:gw.example.net:5080' }]);
  });
});

describe('addresses-of-record', () => {
  it('fold the domain only', () => {
    expect(addressOfRecord('Alice', 'Example.COM')).toBe('Alice@example.com');
    expect(normalizeAor('Alice@EXAMPLE.com')).toBe('Alice@example.com');
  });

  it('refuse what is not user@domain', () => {
    for (const bad of ['alice', '@example.com', 'alice@']) expect(() => normalizeAor(bad)).toThrowError(RegistrarError);
  });
});
