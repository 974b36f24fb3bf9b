import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { parseNameAddr, parseUri } from '../sip/message/index.ts';
import { storeUri, storedDialog } from './call-record.ts';

describe('the call as stored (spec: the dialog representation)', () => {
  it('URIs are <scheme:user@host> without display name, port or parameters', () => {
    expect(storeUri(parseNameAddr('"Alice" <sip:sip1@Test.Example:5062;transport=tcp>;tag=1', 'From'))).toBe('<sip:sip1@Test.Example>');
    expect(storeUri(parseUri('sip:example.com'))).toBe('<sip:example.com>');
  });

  it('legs list a first; callids and uris list the b legs first; a ringing leg counts down', () => {
    const clock = new ManualClock(1_000);
    const s = storedDialog(
      {
        dialogid: 'rDlg-001-abcdef',
        inviteid: 'i',
        acallid: 'a@h',
        startts: 1_000,
        site: 'SITE1',
        status: 'forking',
        a: { localuri: '<sip:13@d>', remoteuri: '<sip:sip1@d>' },
        b: [
          { callid: 'rB2-001-abcdef-01-a@h', localuri: '<sip:11@d>', remoteuri: '<sip:13@d>', expiresAt: 61_000 },
          { callid: 'rB2-001-abcdef-02-a@h', localuri: '<sip:11@d>', remoteuri: '<sip:13@d>', expiresAt: undefined },
        ],
        participants: [],
      },
      clock,
      { bindings: ['x'] },
    );
    const d = s.dialog;
    expect(d.legs.map((l) => l.side)).toEqual(['a', 'b', 'b']);
    expect(d.callids).toEqual(['rB2-001-abcdef-01-a@h', 'rB2-001-abcdef-02-a@h', 'a@h']);
    expect(d.uris).toEqual(['<sip:11@d>', '<sip:13@d>', '<sip:11@d>', '<sip:13@d>', '<sip:13@d>', '<sip:sip1@d>']);
    expect([d.localuri, d.remoteuri, d.esgdlg, d.esgcallid, d.opts]).toEqual(['<sip:13@d>', '<sip:sip1@d>', '', '', { bindings: ['x'] }]);
    expect(d.legs[1]!.expirets).toBe(60_000);
    clock.advance(10_000);
    expect(JSON.parse(JSON.stringify(d)).legs[1].expirets).toBe(50_000);
    expect(structuredClone(d).legs[1]!.expirets).toBe(50_000);
    expect(d.legs[2]!.expirets).toBe('undefined');
    clock.advance(100_000);
    expect(d.legs[1]!.expirets).toBe(0);
  });
});
