// GET list, GET one and LOOKUP against the call store: filter, mask, order, paging, flat, countonly,
// LOOKUP keys and their priority, parameters from query string and body.
import { describe, expect, it } from 'vitest';
import { installFrontEndGlobals, uninstallFrontEndGlobals } from '../http/globals.ts';
import { lightParts } from '../http/light-response.ts';
import { ByteParts } from '../lib/byte-parts.ts';
import { CallStore } from '../store/call-store.ts';
import { CALLS_PATH, DOMAIN, TOKENS, acct, callPath, ext, ids, makeApp, makeDialog, send } from './test-helpers.ts';

type Row = Record<string, unknown>;
const dialogIds = (body: unknown): string[] => (body as Row[]).map((d) => d.dialogid as string);

describe('GET /calls: list', () => {
  it('answers [] for an empty store', async () => {
    const { app } = makeApp({ store: new CallStore() });
    const a = await send(app, 'GET', CALLS_PATH);
    expect([a.status, a.body]).toEqual([200, []]);
  });

  it('returns full dialogs in startts order by default, exactly the spec fields', async () => {
    const { app, store } = makeApp();
    const a = await send(app, 'GET', CALLS_PATH);
    expect(dialogIds(a.body)).toEqual([ids.A1, ids.AB, ids.CF, ids.CL, ids.A2, ids.CX]);
    expect((a.body as Row[])[0]).toEqual(store.get(ids.A1)!.dialog);
    expect(Object.keys((a.body as Row[])[0]!)).toEqual([
      'acallid', 'callids', 'dialogid', 'esgdlg', 'esgcallid', 'inviteid', 'status', 'legs', 'localuri', 'remoteuri', 'site', 'startts', 'uris', 'opts',
    ]);
  });

  const filters: [string, unknown, string[]][] = [
    ['a scalar', { status: 'forking' }, [ids.AB]],
    ['$in', { status: { $in: ['closing', 'forking'] } }, [ids.AB, ids.CL]],
    ['a number', { startts: 5000 }, [ids.CF]],
    ['a dotted key into legs: any leg matches', { 'legs.remoteuri': `<sip:14@${DOMAIN}>` }, [ids.AB]],
    ['a leg index', { 'legs.1.remoteuri': `<sip:14@${DOMAIN}>` }, [ids.AB]],
    ['a leg index that misses', { 'legs.0.remoteuri': `<sip:14@${DOMAIN}>` }, []],
    ['legs.expirets', { 'legs.expirets': 30000 }, [ids.AB]],
    ['an array of scalars', { callids: 'alice2-a@10.0.0.1' }, [ids.A2]],
    ['opts.bindings', { 'opts.bindings': 'vip' }, [ids.CF]],
    ['opts.referred-by', { 'opts.referred-by': `<sip:sip2@${DOMAIN}>` }, [ids.CF]],
    ['null for absent', { 'opts.referred-by': null, status: 'dialog' }, [ids.A1, ids.A2, ids.CX]],
    ['two keys: AND', { status: 'dialog', remoteuri: `<sip:sip1@${DOMAIN}>` }, [ids.A1, ids.CF, ids.A2]],
    ['$in over legs', { 'legs.callid': { $in: ['alice1-a@10.0.0.1', 'closng-a@10.0.0.1'] } }, [ids.A1, ids.CL]],
    ['a type mismatch matches nothing', { startts: '5000' }, []],
    ['an empty filter', {}, [ids.A1, ids.AB, ids.CF, ids.CL, ids.A2, ids.CX]],
  ];
  for (const [what, filter, expected] of filters) {
    it(`filter: ${what}`, async () => {
      const { app } = makeApp();
      const fromQuery = await send(app, 'GET', CALLS_PATH, { query: { filter: JSON.stringify(filter) } });
      expect(dialogIds(fromQuery.body)).toEqual(expected);
      const fromBody = await send(app, 'GET', CALLS_PATH, { body: { filter } });
      expect(dialogIds(fromBody.body)).toEqual(expected);
    });
  }

  it('mask picks fields in the spec order; unknown names are ignored; nothing known means everything', async () => {
    const { app } = makeApp();
    const a = await send(app, 'GET', CALLS_PATH, { query: { mask: 'status, dialogid,password,legs.callid', limit: '1' } });
    expect(a.body).toEqual([{ dialogid: ids.A1, status: 'dialog' }]);
    const b = await send(app, 'GET', CALLS_PATH, { body: { mask: ['startts', 'site'], limit: 1 } });
    expect(b.body).toEqual([{ site: 'SITE1', startts: 1000 }]);
    const c = await send(app, 'GET', CALLS_PATH, { query: { mask: 'nosuchfield', limit: '1' } });
    expect(Object.keys((c.body as Row[])[0]!)).toHaveLength(14);
  });

  it('order: a field, - for descending, ties by dialog id', async () => {
    const { app } = makeApp();
    const desc = await send(app, 'GET', CALLS_PATH, { query: { order: '-startts' } });
    expect(dialogIds(desc.body)).toEqual([ids.CX, ids.A2, ids.CL, ids.CF, ids.AB, ids.A1]);
    const byStatus = await send(app, 'GET', CALLS_PATH, { query: { order: 'status' } });
    // closing < dialog < forking; the four "dialog" ones by id.
    expect(dialogIds(byStatus.body)).toEqual([ids.CL, ids.A1, ids.A2, ids.CF, ids.CX, ids.AB]);
    const byId = await send(app, 'GET', CALLS_PATH, { query: { order: '-dialogid' } });
    expect(dialogIds(byId.body)).toEqual([...dialogIds(byStatus.body)].sort().reverse());
  });

  it('offset and limit page the ordered list', async () => {
    const { app } = makeApp();
    const page = async (offset: number, limit: number) => dialogIds((await send(app, 'GET', CALLS_PATH, { query: { offset: String(offset), limit: String(limit) } })).body);
    expect(await page(0, 2)).toEqual([ids.A1, ids.AB]);
    expect(await page(2, 2)).toEqual([ids.CF, ids.CL]);
    expect(await page(4, 2)).toEqual([ids.A2, ids.CX]);
    expect(await page(6, 2)).toEqual([]);
    expect(await page(5, 1000)).toEqual([ids.CX]);
  });

  it('with the front end\'s Response the list stays the kept bytes, unjoined, and reads the same', async () => {
    const { app } = makeApp();
    const plain = await app.request(`${CALLS_PATH}?mask=dialogid,status`, { headers: { authorization: `Bearer ${TOKENS.alice}` } });
    installFrontEndGlobals();
    try {
      const light = await app.request(`${CALLS_PATH}?mask=dialogid,status`, { headers: { authorization: `Bearer ${TOKENS.alice}` } });
      expect(lightParts(light)?.body).toBeInstanceOf(ByteParts);
      expect(light.headers.get('content-type')).toBe(plain.headers.get('content-type'));
      expect(await light.text()).toBe(await plain.text());
    } finally {
      uninstallFrontEndGlobals();
    }
  });

  it('limit defaults to 100', async () => {
    const store = new CallStore();
    for (let i = 0; i < 120; i++)
      store.put(makeDialog({ suffix: `Many${String(i).padStart(2, '0')}`.slice(-6).padStart(6, 'x'), a: acct('sip1'), b: ext(`7900${i}`), startts: i }));
    const { app } = makeApp({ store });
    expect(store.size).toBe(120);
    expect((await send(app, 'GET', CALLS_PATH)).body).toHaveLength(100);
    expect((await send(app, 'GET', CALLS_PATH, { query: { offset: '100' } })).body).toHaveLength(20);
    expect((await send(app, 'GET', CALLS_PATH, { query: { countonly: 'true' } })).body).toEqual({ count: 120 });
  });

  it('flat turns composite fields into dotted keys', async () => {
    const { app } = makeApp();
    const a = await send(app, 'GET', CALLS_PATH, { query: { flat: '1', filter: JSON.stringify({ dialogid: ids.CF }) } });
    const row = (a.body as Row[])[0]!;
    expect(row).toMatchObject({
      dialogid: ids.CF,
      'legs.0.callid': 'conf01-a@10.0.0.1',
      'legs.1.side': 'b',
      'callids.1': 'conf01-a@10.0.0.1',
      'uris.0': `<sip:sip1@${DOMAIN}>`,
      'opts.referred-by': `<sip:sip2@${DOMAIN}>`,
      'opts.bindings.0': 'vip',
    });
    expect(Object.values(row).every((v) => v === null || typeof v !== 'object')).toBe(true);
    expect(row).not.toHaveProperty('legs');
    // flat=false (and 0) leaves them nested
    const b = await send(app, 'GET', CALLS_PATH, { query: { flat: '0', limit: '1' } });
    expect((b.body as Row[])[0]).toHaveProperty('legs');
  });

  it('countonly counts every match, regardless of paging', async () => {
    const { app } = makeApp();
    const a = await send(app, 'GET', CALLS_PATH, { query: { countonly: 'true', limit: '1', filter: '{"status":"dialog"}' } });
    expect(a.body).toEqual({ count: 4 });
    expect((await send(app, 'GET', CALLS_PATH, { body: { countonly: true }, who: 'bob' })).body).toEqual({ count: 2 });
  });

  it('the body wins over the query string, parameter by parameter', async () => {
    const { app } = makeApp();
    const a = await send(app, 'GET', CALLS_PATH, { query: { limit: '1', mask: 'status', order: '-startts' }, body: { limit: 2, mask: 'dialogid' } });
    expect(a.body).toEqual([{ dialogid: ids.CX }, { dialogid: ids.A2 }]);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['filter', { filter: '{not json' }, 'filter: is not valid JSON'],
    ['filter', { filter: '[1]' }, 'filter: must be a JSON object'],
    ['filter', { filter: { password: 'x' } }, 'filter.password: is not a dialog field'],
    ['filter', { filter: { legs: 'x' } }, 'filter.legs: is not a dialog field'],
    ['filter', { filter: { 'legs.nope': 'x' } }, 'filter.legs.nope: is not a dialog field'],
    ['filter', { filter: { 'status.x': 'x' } }, 'filter.status.x: is not a dialog field'],
    ['filter', { filter: { status: { $gt: 1 } } }, 'filter.status: must be a string, number, boolean, null or {"$in": [values]}'],
    ['filter', { filter: { status: { $in: 'dialog' } } }, 'filter.status: must be'],
    ['filter', { filter: { status: ['dialog'] } }, 'filter.status: must be'],
    ['filter', JSON.parse('{"filter":{"__proto__":"x"}}') as Record<string, unknown>, '__proto__: is not allowed as a key'],
    ['filter', { filter: '{"__proto__":{"status":"x"}}' }, 'filter.__proto__: is not allowed as a key'],
    ['mask', { mask: 5 }, 'mask: must be a comma-separated list'],
    ['offset', { offset: '-1' }, 'offset: must be an integer from 0'],
    ['offset', { offset: 'ten' }, 'offset: must be an integer'],
    ['offset', { offset: 1.5 }, 'offset: must be an integer'],
    ['limit', { limit: '0' }, 'limit: must be an integer from 1 to 1000'],
    ['limit', { limit: 1001 }, 'limit: must be an integer from 1 to 1000'],
    ['limit', { limit: 'many' }, 'limit: must be an integer from 1 to 1000'],
    ['order', { order: 'legs' }, 'order: must be a field name'],
    ['order', { order: '+startts' }, 'order: must be a field name'],
    ['order', { order: 7 }, 'order: must be a field name'],
    ['flat', { flat: 'yes' }, 'flat: must be true or false'],
    ['countonly', { countonly: 2 }, 'countonly: must be true or false'],
  ];
  for (const [param, body, message] of bad) {
    it(`1400 names ${param}: ${JSON.stringify(body)}`, async () => {
      const { app } = makeApp();
      const a = await send(app, 'GET', CALLS_PATH, { raw: JSON.stringify(body) });
      expect([a.status, a.code]).toEqual([400, 1400]);
      expect(a.message).toContain(message);
    });
  }

  it('1400 for bad query-string values too', async () => {
    const { app } = makeApp();
    for (const [k, v] of [['limit', '5000'], ['flat', 'maybe'], ['filter', '{"x":1}'], ['offset', '1e3']]) {
      const a = await send(app, 'GET', CALLS_PATH, { query: { [k!]: v! } });
      expect([k, a.code, a.message.startsWith(`${k}`)]).toEqual([k, 1400, true]);
    }
  });
});

describe('GET /calls/{id}: one dialog', () => {
  it('returns the dialog; mask and flat from query or body', async () => {
    const { app, store } = makeApp();
    expect((await send(app, 'GET', callPath(ids.AB))).body).toEqual(store.get(ids.AB)!.dialog);
    expect((await send(app, 'GET', callPath(ids.AB), { query: { mask: 'status,startts' } })).body).toEqual({ status: 'forking', startts: 3000 });
    const flat = (await send(app, 'GET', callPath(ids.AB), { query: { mask: 'legs', flat: 'true' } })).body as Row;
    expect(flat['legs.2.expirets']).toBe(30000);
    expect(Object.keys(flat)).toHaveLength(15); // 3 legs × 5 fields
    const bodyWins = await send(app, 'GET', callPath(ids.AB), { query: { mask: 'status' }, body: { mask: 'site' } });
    expect(bodyWins.body).toEqual({ site: 'SITE1' });
  });

  it('changes to the answer do not touch the store', async () => {
    const { app, store } = makeApp();
    const before = JSON.stringify(store.get(ids.CF)!.dialog);
    await send(app, 'GET', callPath(ids.CF), { query: { flat: 'true' } });
    expect(JSON.stringify(store.get(ids.CF)!.dialog)).toBe(before);
  });

  it('1400 names mask or flat', async () => {
    const { app } = makeApp();
    expect((await send(app, 'GET', callPath(ids.A1), { body: { mask: {} } })).message).toMatch(/^mask: /);
    expect((await send(app, 'GET', callPath(ids.A1), { query: { flat: 'sure' } })).message).toMatch(/^flat: /);
  });
});

describe('LOOKUP /calls', () => {
  const lookup = async (body: Record<string, unknown>, who: 'alice' | 'bob' = 'alice') => {
    const { app } = makeApp();
    return send(app, 'LOOKUP', CALLS_PATH, { body, who });
  };

  it('answers [] for an empty store', async () => {
    const { app } = makeApp({ store: new CallStore() });
    const a = await send(app, 'LOOKUP', CALLS_PATH, { body: { callid: 'x' } });
    expect([a.status, a.body]).toEqual([200, []]);
  });

  const byKey: [string, Record<string, unknown>, string[]][] = [
    ['dialogid', { dialogid: ids.CF }, [ids.CF]],
    ['dialogid (unknown)', { dialogid: 'rDlg-001-zzzzzz' }, []],
    ['inviteid', { inviteid: '00000000-0000-4000-8000-000000alice2' }, [ids.A2]],
    ['callid of the a leg', { callid: 'albob1-a@10.0.0.1' }, [ids.AB]],
    ['callid of a b fork', { callid: 'rB2-001-AlBob1-02-albob1-a@10.0.0.1' }, [ids.AB]],
    ['uri with <>', { uri: `<sip:conf-12345678@${DOMAIN}>` }, [ids.CF]],
    ['uri without <>', { uri: `sip:14@${DOMAIN}` }, [ids.AB]],
    ['user by number', { user: '11' }, [ids.A1, ids.CF, ids.A2]],
    ['user by login', { user: 'sip2' }, [ids.AB, ids.CL, ids.CX]],
    ['user by login, user_mode number', { user: 'sip2', user_mode: 'number' }, []],
    ['user by number, user_mode number', { user: '12', user_mode: 'number' }, [ids.AB, ids.CL, ids.CX]],
    ['user by number, user_mode login', { user: '12', user_mode: 'login' }, []],
    ["user: Bob's account, in a dialog Alice shares", { user: '14' }, [ids.AB]],
    ['sipuserid', { sipuserid: 2 }, [ids.AB, ids.CL, ids.CX]],
    ['sipuserid as a string', { sipuserid: '2' }, [ids.AB, ids.CL, ids.CX]],
    ['login', { login: 'sip1' }, [ids.A1, ids.CF, ids.A2]],
    ['phonenumber', { phonenumber: '12' }, [ids.AB, ids.CL, ids.CX]],
    ['phonenumber (a login is not a number)', { phonenumber: 'sip1' }, []],
  ];
  for (const [what, body, expected] of byKey) {
    it(`by ${what}`, async () => {
      const a = await lookup(body);
      expect([a.status, a.body]).toEqual([200, expected]);
    });
  }

  it('the first key present wins, in the spec priority', async () => {
    const keys: [string, unknown][] = [
      ['dialogid', ids.CF],
      ['inviteid', '00000000-0000-4000-8000-000000alice2'],
      ['callid', 'albob1-a@10.0.0.1'],
      ['uri', `sip:79001230000@${DOMAIN}`],
      ['user', '11'],
      ['sipuserid', 2],
      ['login', 'sip1'],
      ['phonenumber', '12'],
    ];
    const expected = [[ids.CF], [ids.A2], [ids.AB], [ids.CL], [ids.A1, ids.CF, ids.A2], [ids.AB, ids.CL, ids.CX], [ids.A1, ids.CF, ids.A2], [ids.AB, ids.CL, ids.CX]];
    for (let i = 0; i < keys.length; i++) {
      // All keys from i on: key i must decide.
      const body = Object.fromEntries(keys.slice(i).reverse());
      expect([keys[i]![0], (await lookup(body)).body]).toEqual([keys[i]![0], expected[i]]);
    }
  });

  it('takes keys from the query string; the body wins per key, then priority applies', async () => {
    const { app } = makeApp();
    expect((await send(app, 'LOOKUP', CALLS_PATH, { query: { sipuserid: '1' } })).body).toEqual([ids.A1, ids.CF, ids.A2]);
    expect((await send(app, 'LOOKUP', CALLS_PATH, { query: { login: 'sip1' }, body: { login: 'sip2' } })).body).toEqual([ids.AB, ids.CL, ids.CX]);
    // dialogid from the query outranks login from the body
    expect((await send(app, 'LOOKUP', CALLS_PATH, { query: { dialogid: ids.A1 }, body: { login: 'sip2' } })).body).toEqual([ids.A1]);
  });

  it('Bob finds only his: Alice-only dialogs stay hidden even by her key', async () => {
    expect((await lookup({ user: '11' }, 'bob')).body).toEqual([]);
    expect((await lookup({ user: '14' }, 'bob')).body).toEqual([ids.AB]);
  });

  const bad: [Record<string, unknown>, string][] = [
    [{}, 'search key required'],
    [{ user_mode: 'number' }, 'search key required'],
    [{ dialogid: 5 }, 'dialogid: must be'],
    [{ callid: '' }, 'callid: must be'],
    [{ uri: ['a'] }, 'uri: must be'],
    [{ user: '11', user_mode: 'phone' }, 'user_mode: must be one of any, number, login'],
    [{ sipuserid: 'one' }, 'sipuserid: must be an integer'],
    [{ sipuserid: 0 }, 'sipuserid: must be an integer'],
    [{ login: null }, 'login: must be'],
    [{ phonenumber: 'x'.repeat(300) }, 'phonenumber: must be'],
  ];
  for (const [body, message] of bad) {
    it(`1400: ${JSON.stringify(body).slice(0, 60)}`, async () => {
      const a = await lookup(body);
      expect([a.status, a.code]).toEqual([400, 1400]);
      expect(a.message).toContain(message);
    });
  }
});
