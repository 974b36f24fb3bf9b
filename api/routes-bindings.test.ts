// SETUP_BINDINGS against the store: every command, validation, and the SIP node being told.
import { describe, expect, it } from 'vitest';
import { CALLS_PATH, callPath, ids, makeApp, send, stubPorts } from './test-helpers.ts';

describe('SETUP_BINDINGS /calls/{id}', () => {
  it('runs every command against dialog.opts.bindings, without any port', async () => {
    const { app, store } = makeApp();
    const run = async (body: unknown) => (await send(app, 'SETUP_BINDINGS', callPath(ids.A1), { body })).body;
    expect(await run({ command: 'list' })).toEqual({ dialogid: ids.A1, bindings: [] });
    expect(await run({ command: 'add', label: 'a' })).toEqual({ dialogid: ids.A1, bindings: ['a'] });
    expect(await run({ command: 'add', label: ['b', 'a', 'c'] })).toEqual({ dialogid: ids.A1, bindings: ['a', 'b', 'c'] });
    expect(await run({ command: 'remove', label: 'b' })).toEqual({ dialogid: ids.A1, bindings: ['a', 'c'] });
    expect(await run({ command: 'remove', label: ['zzz'] })).toEqual({ dialogid: ids.A1, bindings: ['a', 'c'] });
    expect(await run({ command: 'set', label: ['x', 'x', 'y'] })).toEqual({ dialogid: ids.A1, bindings: ['x', 'y'] });
    expect(store.get(ids.A1)!.dialog.opts.bindings).toEqual(['x', 'y']);
    // Visible in GET and usable in a list filter.
    expect((await send(app, 'GET', callPath(ids.A1), { query: { mask: 'opts' } })).body).toEqual({ opts: { bindings: ['x', 'y'] } });
    expect((await send(app, 'GET', CALLS_PATH, { query: { mask: 'dialogid', filter: '{"opts.bindings":"y"}' } })).body).toEqual([{ dialogid: ids.A1 }]);
    expect(await run({ command: 'clear' })).toEqual({ dialogid: ids.A1, bindings: [] });
    expect(store.get(ids.A1)!.dialog.opts).toEqual({});
    expect(await run({ command: 'set', label: 'one' })).toEqual({ dialogid: ids.A1, bindings: ['one'] });
    expect(await run({ command: 'set', label: [] })).toEqual({ dialogid: ids.A1, bindings: [] });
  });

  it('lists the labels a dialog already has, leaving other opts alone', async () => {
    const { app, store } = makeApp();
    expect((await send(app, 'SETUP_BINDINGS', callPath(ids.CF), { body: { command: 'list' } })).body).toEqual({ dialogid: ids.CF, bindings: ['vip'] });
    await send(app, 'SETUP_BINDINGS', callPath(ids.CF), { body: { command: 'clear' } });
    expect(store.get(ids.CF)!.dialog.opts).toEqual({ 'referred-by': '<sip:sip2@test.rootdomain.ru>' });
  });

  it("puts the changed dialog back, so the store's followers see it", async () => {
    const { app, store } = makeApp();
    if (typeof (store as { subscribe?: unknown }).subscribe !== 'function') return; // store without followers
    const seen: unknown[] = [];
    (store as unknown as { subscribe(l: (c: unknown) => void): () => void }).subscribe((c) => seen.push(c));
    await send(app, 'SETUP_BINDINGS', callPath(ids.A1), { body: { command: 'list' } });
    expect(seen).toHaveLength(0);
    await send(app, 'SETUP_BINDINGS', callPath(ids.A1), { body: { command: 'add', label: 'f' } });
    expect(seen).toMatchObject([{ op: 'put', entry: { dialog: { dialogid: ids.A1, opts: { bindings: ['f'] } } } }]);
  });

  it('tells the SIP node about changes, not about list', async () => {
    const s = stubPorts();
    const { app } = makeApp({ calls: s.control });
    await send(app, 'SETUP_BINDINGS', callPath(ids.A1), { body: { command: 'list' } });
    await send(app, 'SETUP_BINDINGS', callPath(ids.A1), { body: { command: 'add', label: 'k' } });
    await send(app, 'SETUP_BINDINGS', callPath(ids.A1), { body: { command: 'clear' } });
    expect(s.calls).toEqual([
      { method: 'bindings', args: [ids.A1, ['k']] },
      { method: 'bindings', args: [ids.A1, []] },
    ]);
  });

  const bad: [unknown, string][] = [
    [{}, 'command: is required'],
    [{ label: 'x' }, 'command: is required'],
    [{ command: 'append', label: 'x' }, 'command: must be one of add, remove, set, clear, list'],
    [{ command: 'add' }, 'label: is required for add'],
    [{ command: 'add', label: [] }, 'label: is required for add'],
    [{ command: 'remove' }, 'label: is required for remove'],
    [{ command: 'set' }, 'label: is required for set'],
    [{ command: 'add', label: '' }, 'label: must be'],
    [{ command: 'add', label: 5 }, 'label: must be a label or an array of labels'],
    [{ command: 'add', label: ['ok', 7] }, 'label.1: must be a label'],
    [{ command: 'add', label: 'x'.repeat(257) }, 'label: must be'],
    [{ command: 'add', label: Array.from({ length: 101 }, (_, i) => `l${i}`) }, 'label: must hold at most 100 labels'],
  ];
  for (const [body, message] of bad) {
    it(`1400 ${JSON.stringify(body).slice(0, 70)}`, async () => {
      const { app, store } = makeApp();
      const a = await send(app, 'SETUP_BINDINGS', callPath(ids.CF), { body });
      expect([a.status, a.code]).toEqual([400, 1400]);
      expect(a.message).toContain(message);
      expect(store.get(ids.CF)!.dialog.opts.bindings).toEqual(['vip']);
    });
  }

  it('a dialog holds at most 100 labels in all', async () => {
    const { app } = makeApp();
    const first = Array.from({ length: 99 }, (_, i) => `l${i}`);
    expect((await send(app, 'SETUP_BINDINGS', callPath(ids.CF), { body: { command: 'add', label: first } })).status).toBe(200);
    const a = await send(app, 'SETUP_BINDINGS', callPath(ids.CF), { body: { command: 'add', label: ['one-more'] } });
    expect(a.message).toBe('label: a dialog holds at most 100 labels');
  });
});
