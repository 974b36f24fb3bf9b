import { describe, expect, it } from 'vitest';
import { bLegCallId, conferenceId, DIALOG_ID_RE, newDialogId, newInviteId, randomAlnum, serviceCallId } from './ids.ts';

describe('ids in the spec formats', () => {
  it('dialog ids are rDlg-<node>-<6 alnum> and avoid live ones', () => {
    const id = newDialogId('002');
    expect(id).toMatch(DIALOG_ID_RE);
    expect(id.startsWith('rDlg-002-')).toBe(true);
    let calls = 0;
    const next = newDialogId('001', () => ++calls < 3);
    expect(calls).toBe(3);
    expect(next).toMatch(DIALOG_ID_RE);
  });

  it('b-leg Call-IDs carry node, dialog suffix, 2-digit fork number and the a-leg Call-ID', () => {
    expect(bLegCallId('002', 'rDlg-002-484FD3', 1, '3113017065@192.168.0.149')).toBe('rB2-002-484FD3-01-3113017065@192.168.0.149');
    expect(bLegCallId('002', 'rDlg-002-484FD3', 12, 'x')).toBe('rB2-002-484FD3-12-x');
  });

  it('service call ids are rIV-<node>-<27>, conference ids rCF-<node>-<6>, invite ids UUIDs', () => {
    expect(serviceCallId('006')).toMatch(/^rIV-006-[A-Za-z0-9]{27}$/);
    expect(conferenceId('001')).toMatch(/^rCF-001-[A-Za-z0-9]{6}$/);
    expect(newInviteId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('random strings use all 62 symbols', () => {
    const seen = new Set(randomAlnum(20_000));
    expect(seen.size).toBe(62);
  });
});
