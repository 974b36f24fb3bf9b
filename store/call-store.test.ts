import { describe, expect, it } from 'vitest';
import { CallStore, type StoreChange } from './call-store.ts';
import type { StoredDialog } from './dialog.ts';

function sampleDialog(id: string, over: Partial<StoredDialog['dialog']> = {}): StoredDialog {
  const acallid = `${id}-a@host`;
  return {
    dialog: {
      acallid,
      callids: [`rB2-001-${id.slice(-6)}-01-${acallid}`, acallid],
      dialogid: id,
      esgdlg: '',
      esgcallid: '',
      inviteid: `inv-${id}`,
      status: 'dialog',
      legs: [],
      localuri: '<sip:12@d>',
      remoteuri: '<sip:sip1@d>',
      site: 'SITE1',
      startts: 1,
      uris: ['<sip:sip1@d>', '<sip:12@d>'],
      opts: {},
      ...over,
    },
    participants: [{ domain: 'd', sipuserId: 1, login: 'sip1', phonenumber: '11' }],
  };
}

describe('CallStore', () => {
  it('indexes a dialog by every LOOKUP key', () => {
    const s = new CallStore();
    s.put(sampleDialog('rDlg-001-aaaaaa'));
    expect(s.byInviteId('inv-rDlg-001-aaaaaa')).toEqual(['rDlg-001-aaaaaa']);
    expect(s.byCallId('rDlg-001-aaaaaa-a@host')).toEqual(['rDlg-001-aaaaaa']);
    expect(s.byUri('sip:12@d')).toEqual(['rDlg-001-aaaaaa']);
    expect(s.byUri('<sip:12@d>')).toEqual(['rDlg-001-aaaaaa']);
    expect(s.byAccount('D', 1)).toEqual(['rDlg-001-aaaaaa']);
  });

  it('a replaced dialog leaves no stale index entry behind', () => {
    const s = new CallStore();
    s.put(sampleDialog('rDlg-001-aaaaaa'));
    s.put(sampleDialog('rDlg-001-aaaaaa', { callids: ['new@host'], uris: [] }));
    expect(s.byCallId('rDlg-001-aaaaaa-a@host')).toEqual([]);
    expect(s.byCallId('new@host')).toEqual(['rDlg-001-aaaaaa']);
    expect(s.byUri('sip:12@d')).toEqual([]);
    expect(s.size).toBe(1);
  });

  it('a put that keeps some keys and changes others moves only those, across dialogs sharing keys', () => {
    const s = new CallStore();
    s.put(sampleDialog('rDlg-001-aaaaaa'));
    s.put(sampleDialog('rDlg-001-bbbbbb'));
    const a2 = sampleDialog('rDlg-001-aaaaaa', { inviteid: 'inv-x', uris: ['<sip:12@d>', '<sip:12@d>', '<sip:13@d>'] });
    a2.participants.push({ domain: 'D', sipuserId: 2, login: 'sip2', phonenumber: '12' });
    s.put(a2);
    s.put(a2);
    expect(s.byInviteId('inv-rDlg-001-aaaaaa')).toEqual([]);
    expect(s.byInviteId('inv-x')).toEqual(['rDlg-001-aaaaaa']);
    expect(s.byUri('sip:sip1@d')).toEqual(['rDlg-001-bbbbbb']);
    expect(s.byUri('sip:12@d').sort()).toEqual(['rDlg-001-aaaaaa', 'rDlg-001-bbbbbb']);
    expect(s.byUri('sip:13@d')).toEqual(['rDlg-001-aaaaaa']);
    expect(s.byAccount('d', 1).sort()).toEqual(['rDlg-001-aaaaaa', 'rDlg-001-bbbbbb']);
    expect(s.byAccount('d', 2)).toEqual(['rDlg-001-aaaaaa']);
    s.delete('rDlg-001-aaaaaa');
    expect([s.byUri('sip:13@d'), s.byAccount('d', 2), s.byInviteId('inv-x'), s.byUri('sip:12@d')]).toEqual([[], [], [], ['rDlg-001-bbbbbb']]);
  });

  it('delete removes the dialog from every index', () => {
    const s = new CallStore();
    s.put(sampleDialog('rDlg-001-aaaaaa'));
    expect(s.delete('rDlg-001-aaaaaa')).toBe(true);
    expect(s.delete('rDlg-001-aaaaaa')).toBe(false);
    expect(s.byInviteId('inv-rDlg-001-aaaaaa')).toEqual([]);
    expect(s.byAccount('d', 1)).toEqual([]);
    expect(s.size).toBe(0);
  });

  it('tells subscribers every put and delete, and a throwing subscriber harms no other', () => {
    const s = new CallStore();
    const seen: string[] = [];
    s.subscribe(() => {
      throw new Error('boom');
    });
    const off = s.subscribe((c: StoreChange) => seen.push(c.op === 'put' ? `put ${c.entry.dialog.dialogid}` : `delete ${c.dialogid}`));
    s.put(sampleDialog('rDlg-001-aaaaaa'));
    s.delete('rDlg-001-aaaaaa');
    s.delete('rDlg-001-aaaaaa');
    off();
    s.put(sampleDialog('rDlg-001-bbbbbb'));
    expect(seen).toEqual(['put rDlg-001-aaaaaa', 'delete rDlg-001-aaaaaa']);
  });
});
