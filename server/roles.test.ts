import { describe, expect, it } from 'vitest';
import { parseRoles, RolesError } from './roles.ts';

describe('parseRoles', () => {
  it('runs every role by default, with the dev server only when Temporal is embedded', () => {
    expect([...parseRoles(undefined, true)].sort()).toEqual(['api', 'sip', 'temporal', 'worker']);
    expect([...parseRoles('all', false)].sort()).toEqual(['api', 'sip', 'worker']);
  });
  it('takes a comma list', () => {
    expect([...parseRoles('api, sip', true)].sort()).toEqual(['api', 'sip']);
  });
  it('refuses unknown roles and an empty list', () => {
    expect(() => parseRoles('api,b2b', true)).toThrow(RolesError);
    expect(() => parseRoles(',', true)).toThrow(/no role/);
  });
  it('refuses the dev server role when a cluster is configured', () => {
    expect(() => parseRoles('temporal', false)).toThrow(/cluster/);
  });
});
