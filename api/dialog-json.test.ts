// Kept JSON bytes of dialogs: dropped when the store puts the dialog again, never used for values
// computed when read (a ringing leg's countdown), UTF-8 throughout, and GET/list answers always current.
import { describe, expect, it } from 'vitest';
import { CallStore } from '../store/call-store.ts';
import { dialogBytes, dialogJson, followStore, isPlainData, listParts } from './dialog-json.ts';
import { dialogFields } from '../store/dialog.ts';
import { callPath, CALLS_PATH, fixtureSpecs, ids, makeApp, makeDialog, makeStore, send } from './test-helpers.ts';

describe('kept bytes', () => {
  it('are dropped when the store puts the dialog again (the same object changed in place, or a new one)', () => {
    const store = new CallStore();
    followStore(store);
    const entry = makeDialog(fixtureSpecs()[0]!);
    store.put(entry);
    expect(dialogJson(entry.dialog, ['opts'])).toBe('{"opts":{}}');
    entry.dialog.opts.bindings = ['x'];
    store.put(entry);
    expect(dialogJson(entry.dialog, ['opts'])).toBe('{"opts":{"bindings":["x"]}}');
  });

  it('a value computed when read is serialised every time', () => {
    const entry = makeDialog({ ...fixtureSpecs()[2]!, status: 'forking' });
    let left = 30_000;
    const leg = entry.dialog.legs[1]!;
    Object.defineProperty(leg, 'expirets', { enumerable: true, configurable: true, get: () => left });
    expect(isPlainData(entry.dialog.legs)).toBe(false);
    expect(dialogJson(entry.dialog, ['legs'])).toContain('"expirets":30000');
    left = 29_000;
    expect(dialogJson(entry.dialog, ['legs'])).toContain('"expirets":29000');
    // The whole dialog and a list with the live field between kept ones: the countdown is current there too.
    left = 28_000;
    expect(JSON.parse(dialogJson(entry.dialog, dialogFields))).toEqual(JSON.parse(JSON.stringify(entry.dialog)));
    const mask = ['dialogid', 'status', 'legs', 'site'] as const;
    const listed = listParts([entry.dialog, entry.dialog], mask).join().toString('utf8');
    const pick = { dialogid: entry.dialog.dialogid, status: entry.dialog.status, legs: entry.dialog.legs, site: entry.dialog.site };
    expect(listed).toBe(JSON.stringify([pick, pick]));
    expect(listed).toContain('"expirets":28000');
    expect(isPlainData({ a: [1, 'x', null, { b: true }] })).toBe(true);
    expect(isPlainData({ toJSON: () => 1 })).toBe(false);
    expect(isPlainData(new Date())).toBe(false);
  });

  it('fields are cut at byte offsets: non-ASCII text comes out whole in any mask', () => {
    const entry = makeDialog({ ...fixtureSpecs()[0]!, opts: { bindings: ['Алиса ☎', '😀'] } });
    entry.dialog.remoteuri = '"Bjørn" <sip:sip1@test.rootdomain.ru>';
    for (const fields of [dialogFields, ['remoteuri', 'site', 'opts'] as const, ['opts'] as const, ['dialogid', 'remoteuri'] as const]) {
      const want = JSON.stringify(Object.fromEntries(fields.map((f) => [f, entry.dialog[f]])));
      expect(dialogBytes(entry.dialog, fields).toString('utf8')).toBe(want);
      expect(dialogBytes(entry.dialog, fields).equals(Buffer.from(want))).toBe(true);
    }
  });

  it('GET and list answers follow SETUP_BINDINGS at once', async () => {
    const store = makeStore(fixtureSpecs());
    const { app } = makeApp({ store });
    const opts = async () => ((await send(app, 'GET', callPath(ids.A1))).body as { opts: unknown }).opts;
    const listed = async () => (await send(app, 'GET', CALLS_PATH, { query: { mask: 'dialogid,opts', filter: JSON.stringify({ dialogid: ids.A1 }) } })).body;
    expect(await opts()).toEqual({});
    expect(await listed()).toEqual([{ dialogid: ids.A1, opts: {} }]);
    await send(app, 'SETUP_BINDINGS', callPath(ids.A1), { body: { command: 'add', label: 'crm' } });
    expect(await opts()).toEqual({ bindings: ['crm'] });
    expect(await listed()).toEqual([{ dialogid: ids.A1, opts: { bindings: ['crm'] } }]);
  });
});
