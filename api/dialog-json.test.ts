// Kept JSON texts of dialogs: dropped when the store puts the dialog again, never kept for values
// computed when read (a ringing leg's countdown), and GET/list answers always current.
import { describe, expect, it } from 'vitest';
import { CallStore } from '../store/call-store.ts';
import { dialogJson, fieldJson, followStore, isPlainData } from './dialog-json.ts';
import { callPath, CALLS_PATH, fixtureSpecs, ids, makeApp, makeDialog, makeStore, send } from './test-helpers.ts';

describe('kept texts', () => {
  it('are dropped when the store puts the dialog again (the same object changed in place, or a new one)', () => {
    const store = new CallStore();
    followStore(store);
    const entry = makeDialog(fixtureSpecs()[0]!);
    store.put(entry);
    expect(fieldJson(entry.dialog, 'opts')).toBe('{}');
    entry.dialog.opts.bindings = ['x'];
    store.put(entry);
    expect(fieldJson(entry.dialog, 'opts')).toBe('{"bindings":["x"]}');
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
    expect(isPlainData({ a: [1, 'x', null, { b: true }] })).toBe(true);
    expect(isPlainData({ toJSON: () => 1 })).toBe(false);
    expect(isPlainData(new Date())).toBe(false);
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
