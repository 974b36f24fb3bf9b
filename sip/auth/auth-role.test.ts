import { describe, expect, it } from 'vitest';
import { authRoleFor } from './auth-role.ts';

describe('authRoleFor', () => {
  it('a registrar challenges REGISTER with 401 / WWW-Authenticate and reads Authorization (RFC 3261 §22.2)', () => {
    expect(authRoleFor('REGISTER')).toEqual({ status: 401, reason: 'Unauthorized', challengeHeader: 'WWW-Authenticate', credentialsHeader: 'Authorization' });
  });

  it('other requests are challenged as a proxy does: 407 / Proxy-Authenticate, read from Proxy-Authorization (RFC 3261 §22.3)', () => {
    for (const m of ['INVITE', 'REFER', 'SUBSCRIBE', 'MESSAGE', 'OPTIONS', 'register'])
      expect(authRoleFor(m)).toMatchObject({ status: 407, challengeHeader: 'Proxy-Authenticate', credentialsHeader: 'Proxy-Authorization' });
  });

  it('ACK and CANCEL cannot be challenged (RFC 3261 §22.1)', () => {
    expect(authRoleFor('ACK')).toBeUndefined();
    expect(authRoleFor('CANCEL')).toBeUndefined();
  });
});
