// The scoping matrix: every route × (no token, wrong token, owner, another user's dialog, a user of
// another domain with the same sipuser id). Owners get through to the (stub) port; everyone else gets
// 401 or 1413, and the port never hears of it.
import { describe, expect, it } from 'vitest';
import { CALLS_PATH, callPath, ids, makeApp, send, stubPorts, type Who } from './test-helpers.ts';

interface DialogRoute {
  method: string;
  body?: unknown;
  /** What the owner gets with stub ports attached. */
  ok: number;
}

const dialogRoutes: DialogRoute[] = [
  { method: 'GET', ok: 200 },
  { method: 'DELETE', ok: 200 },
  { method: 'REFER', body: { by: 'a', referto: '13' }, ok: 200 },
  { method: 'REFERREPLACES', body: { masterby: 'a', slavedialogid: ids.A2, slaveby: 'a' }, ok: 200 },
  { method: 'SWITCHCONF', body: {}, ok: 200 },
  { method: 'REFERCONF', body: { by: 'a', referdialogid: ids.CF }, ok: 200 },
  { method: 'NOTIFY', body: { side: 'b', event: 'hold' }, ok: 200 },
  { method: 'SEND_DTMF', body: { side: 'b', dtmf: '12#' }, ok: 200 },
  { method: 'SETUP_ASR', body: { side: 'a' }, ok: 200 },
  { method: 'SETUP_RECORD', body: {}, ok: 200 },
  { method: 'SETUP_BINDINGS', body: { command: 'add', label: 'x' }, ok: 200 },
];

/** Dialogs Alice must not reach: Bob's own, Carol's (same sipuser id, other domain), unknown, malformed. */
const hiddenFromAlice = [ids.B1, ids.C1, 'rDlg-001-Nobody', 'rDlg-1-x', 'nonsense'];

describe('scoping of the per-dialog routes', () => {
  for (const r of dialogRoutes) {
    describe(r.method, () => {
      it('answers 401 without a token, with a wrong one, and with a malformed header', async () => {
        const { app } = makeApp();
        for (const call of [{ who: null }, { token: 'not-a-token' }, { token: 'alice-token ' + 'x' }]) {
          const a = await send(app, r.method, callPath(ids.A1), { ...call, body: r.body });
          expect(a.status).toBe(401);
          expect(a.code).toBe(1401);
          expect(a.headers.get('www-authenticate')).toMatch(/^Bearer /);
        }
      });

      it('lets the owner through to the port', async () => {
        const s = stubPorts();
        const { app } = makeApp({ operations: s.ops, calls: s.control });
        const a = await send(app, r.method, callPath(ids.A1), { body: r.body });
        expect(a.status, JSON.stringify(a.body)).toBe(r.ok);
        if (r.method !== 'GET' && r.method !== 'SETUP_BINDINGS') expect(s.operations.length + s.calls.length).toBe(1);
      });

      it("answers 1413 for another user's dialog, another domain's, unknown and malformed ids", async () => {
        const s = stubPorts();
        const { app } = makeApp({ operations: s.ops, calls: s.control });
        const attempts: [Who, string][] = [
          ...hiddenFromAlice.map((id): [Who, string] => ['alice', id]),
          ['bob', ids.A1],
          ['carol', ids.A1],
        ];
        for (const [who, id] of attempts) {
          const a = await send(app, r.method, callPath(id), { who, body: r.body });
          expect([who, id, a.status, a.code]).toEqual([who, id, 404, 1413]);
          expect(a.message).toBe('Dialog not found');
        }
        expect(s.operations).toEqual([]);
        expect(s.calls).toEqual([]);
      });
    });
  }

  it('Bob reaches the dialog he shares with Alice', async () => {
    const { app } = makeApp();
    expect((await send(app, 'GET', callPath(ids.AB), { who: 'bob' })).status).toBe(200);
    expect((await send(app, 'GET', callPath(ids.AB), { who: 'alice' })).status).toBe(200);
  });

  it("Alice's second token works like her first", async () => {
    const { app } = makeApp();
    expect((await send(app, 'GET', callPath(ids.A1), { token: 'alice-token-2' })).status).toBe(200);
  });
});

describe('scoping of the collection routes', () => {
  const visible: Record<Who, string[]> = {
    alice: [ids.A1, ids.AB, ids.CF, ids.CL, ids.A2, ids.CX],
    bob: [ids.B1, ids.AB],
    carol: [ids.C1],
  };

  for (const method of ['GET', 'LOOKUP', 'POST', 'INVITE']) {
    it(`${method} answers 401 without a token or with a wrong one`, async () => {
      const { app } = makeApp();
      for (const call of [{ who: null }, { token: 'wrong-token' }]) {
        const a = await send(app, method, CALLS_PATH, { ...call, body: { from: '11', to: '13', callid: 'x' } });
        expect(a.status).toBe(401);
        expect(a.code).toBe(1401);
      }
    });
  }

  it('GET lists only the dialogs each user may see', async () => {
    const { app } = makeApp();
    for (const who of ['alice', 'bob', 'carol'] as const) {
      const a = await send(app, 'GET', CALLS_PATH, { who, query: { mask: 'dialogid' } });
      expect(a.status).toBe(200);
      expect((a.body as { dialogid: string }[]).map((d) => d.dialogid)).toEqual(visible[who]);
    }
  });

  it('LOOKUP leaves out dialogs the user may not see', async () => {
    const { app, store } = makeApp();
    const bobCallid = store.get(ids.B1)!.dialog.acallid;
    expect((await send(app, 'LOOKUP', CALLS_PATH, { who: 'alice', body: { callid: bobCallid } })).body).toEqual([]);
    expect((await send(app, 'LOOKUP', CALLS_PATH, { who: 'bob', body: { callid: bobCallid } })).body).toEqual([ids.B1]);
    expect((await send(app, 'LOOKUP', CALLS_PATH, { who: 'alice', body: { dialogid: ids.C1 } })).body).toEqual([]);
    // sipuserid 1 is Alice's sip1 in her domain and Carol's in hers: each finds only their own.
    expect((await send(app, 'LOOKUP', CALLS_PATH, { who: 'carol', body: { sipuserid: 1 } })).body).toEqual([ids.C1]);
    expect((await send(app, 'LOOKUP', CALLS_PATH, { who: 'alice', body: { sipuserid: 1 } })).body).toEqual([ids.A1, ids.CF, ids.A2]);
  });

  for (const method of ['POST', 'INVITE']) {
    it(`${method} takes only the user's own accounts as from (else 1403)`, async () => {
      const s = stubPorts();
      const { app } = makeApp({ operations: s.ops });
      const cases: [Who, unknown, number][] = [
        ['alice', { from: '11', to: '13' }, 200],
        ['alice', { from: 'sip2', mode: 'login', to: '13' }, 200],
        ['alice', { from: '13', to: '11' }, 403], // Bob's number
        ['alice', { from: 3, mode: 'sipuserid', to: '11' }, 403], // Bob's id
        ['alice', { from: '99', to: '11' }, 403], // nobody's
        ['carol', { from: '11', to: '12' }, 200], // Carol's own 11 in her domain
        ['carol', { from: `sip:sip1@test.rootdomain.ru`, mode: 'uri', to: '12' }, 403], // Alice's URI
        ['bob', { from: '<sip:sip3@test.rootdomain.ru>', mode: 'uri', to: '11' }, 200],
      ];
      for (const [who, body, status] of cases) {
        const a = await send(app, method, CALLS_PATH, { who, body });
        expect([who, body, a.status]).toEqual([who, body, status]);
        if (status === 403) expect(a).toMatchObject({ code: 1403, message: expect.stringMatching(/^from: /) });
      }
      expect(s.operations.map((o) => (o.kind === 'POST' || o.kind === 'INVITE' ? [o.principal.user.login, o.from.id] : []))).toEqual([
        ['alice', 1],
        ['alice', 2],
        ['carol', 1],
        ['bob', 3],
      ]);
    });
  }

  it('GET /rest/v1/user/sip/events checks the token, then says the stream is not there yet', async () => {
    const { app } = makeApp();
    expect((await send(app, 'GET', '/rest/v1/user/sip/events', { who: null })).status).toBe(401);
    const a = await send(app, 'GET', '/rest/v1/user/sip/events');
    expect([a.status, a.code]).toEqual([503, 1503]);
    expect(a.message).toMatch(/event stream not available/);
  });
});
