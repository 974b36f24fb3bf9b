import { describe, expect, it } from 'vitest';
import type { RegisteredBinding } from '../sip/registrar/index.ts';
import { forkTarget } from './fork-target.ts';

const registered = (contact: string, flow: RegisteredBinding['flow']): RegisteredBinding => ({
  kind: 'registered',
  aor: 'a@d',
  contact,
  q: undefined,
  expiresAt: 1e15,
  callId: 'c',
  cseq: 1,
  flow,
  instanceId: undefined,
  regId: undefined,
  userAgent: undefined,
  registeredAt: 0,
  updatedAt: 0,
});

describe('where a fork goes', () => {
  it('a phone behind NAT is reached at the address its REGISTER came from', () => {
    const t = forkTarget(registered('sip:alice@192.168.1.20:5060', { transport: 'udp', host: '203.0.113.7', port: 40123, transportId: 'udp:0' }))!;
    expect(t.destination).toEqual({ transport: 'udp', host: '203.0.113.7', port: 40123, transportId: 'udp:0' });
    expect(t.requestUri).toMatchObject({ user: 'alice', host: '192.168.1.20' });
  });

  it('a phone whose REGISTER came from its Contact address is reached there, over its connection', () => {
    const t = forkTarget(registered('sip:alice@198.51.100.2:5070;transport=tcp', { transport: 'tcp', host: '198.51.100.2', port: 5070, transportId: 'tcp:1', connectionId: 'c9' }))!;
    expect(t.destination).toEqual({ transport: 'tcp', host: '198.51.100.2', port: 5070, transportId: 'tcp:1', connectionId: 'c9' });
  });

  it('a static contact is reached where its URI says; a contact we cannot reach is no fork', () => {
    expect(forkTarget({ kind: 'static', aor: 'a@d', contact: 'sip:gw.example.net:5080', q: undefined })!.destination).toEqual({ transport: 'udp', host: 'gw.example.net', port: 5080 });
    expect(forkTarget({ kind: 'static', aor: 'a@d', contact: 'sips:gw.example.net', q: undefined })).toBeUndefined();
  });
});
