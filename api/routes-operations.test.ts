// The operations: validation (1400 naming the parameter), 1403 for `from`, 1409 state checks, the
// request handed to OperationsPort (defaults filled in), and 1503 while no port is attached.
import { describe, expect, it } from 'vitest';
import type { OperationRequest, OperationsPort, RejoinRequest } from './ports.ts';
import { CALLS_PATH, DOMAIN, OTHER, callPath, ids, makeApp, send, stubPorts, type Who } from './test-helpers.ts';

function withPorts() {
  const s = stubPorts();
  const { app, store } = makeApp({ operations: s.ops });
  return { app, store, requests: s.operations };
}

async function expect400(method: string, path: string, body: unknown, message: string, who: Who = 'alice') {
  const { app, requests } = withPorts();
  const a = await send(app, method, path, { body, who });
  expect([JSON.stringify(body), a.status, a.code]).toEqual([JSON.stringify(body), 400, 1400]);
  expect(a.message).toContain(message);
  expect(requests).toEqual([]);
}

describe.each(['POST', 'INVITE'] as const)('%s /calls: click-to-call', (method) => {
  it('hands the validated input, defaults filled in, unknown fields dropped, to the port', async () => {
    const { app, requests } = withPorts();
    const a = await send(app, method, CALLS_PATH, { body: { from: '11', to: '13', somefuturefield: 1 } });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ result: 'ok', ivrcallid: 'rIV-001-aaaaaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(requests).toHaveLength(1);
    const r = requests[0]!;
    expect(r.kind).toBe(method);
    expect(r.input).toStrictEqual({
      mode: 'number',
      from: '11',
      to: '13',
      callerid: '100',
      callername: 'callmanager',
      calltimeout: 30,
      response_mode: 2,
      use_intercom: false,
    });
    expect(r.kind === 'POST' || r.kind === 'INVITE' ? r.from : undefined).toMatchObject({ id: 1, login: 'sip1' });
  });

  it('takes every parameter as given; numbers may come as JSON numbers', async () => {
    const { app, requests } = withPorts();
    const body = {
      mode: 'sipuserid',
      from: 2,
      to: 16,
      callerid: 555,
      callername: 'Reception',
      calltimeout: 600,
      binding: 'crm-42',
      response_mode: 5,
      use_intercom: true,
    };
    expect((await send(app, method, CALLS_PATH, { body })).status).toBe(200);
    expect(requests[0]!.input).toEqual({ ...body, from: '2', to: '16', callerid: '555' });
  });

  it('accepts numbers with DTMF after the answer, E.164 and feature codes', async () => {
    for (const to of ["16,123'4", "16'", '+79001234567', '*99123', "13,,#*A'D"]) {
      const { app } = withPorts();
      expect([to, (await send(app, method, CALLS_PATH, { body: { from: '11', to } })).status]).toEqual([to, 200]);
    }
  });

  const bad: [Record<string, unknown>, string][] = [
    [{ to: '13' }, 'from: is required'],
    [{ from: '11' }, 'to: is required'],
    [{ from: '', to: '13' }, 'from: must be'],
    [{ from: 'sip1', to: '13' }, 'from: must be a phone number (digits) with mode "number"'],
    [{ from: 'x', mode: 'sipuserid', to: '13' }, 'from: must be a sipuser id'],
    [{ from: 'sip1', mode: 'uri', to: '13' }, 'from: must be a SIP URI'],
    [{ from: 'sip 1', mode: 'login', to: '13' }, 'from: must be'],
    [{ from: true, to: '13' }, 'from: must be'],
    [{ from: '11', to: '13', mode: 'phone' }, 'mode: must be one of number, login, sipuserid, uri'],
    [{ from: '11', to: 'alice' }, 'to: must be a number'],
    [{ from: '11', to: '13,12E' }, 'to: must be a number'],
    [{ from: '11', to: "'13" }, 'to: must be a number'],
    [{ from: '11', to: '' }, 'to: must be a number'],
    [{ from: '11', to: -13 }, 'to: must be a number'],
    [{ from: '11', to: '13', callerid: 'a b' }, 'callerid: must be'],
    [{ from: '11', to: '13', callername: 42 }, 'callername: must be a string'],
    [{ from: '11', to: '13', callername: 'x'.repeat(65) }, 'callername: must be at most 64'],
    [{ from: '11', to: '13', callername: 'a\nb' }, 'callername: must not contain control characters'],
    [{ from: '11', to: '13', calltimeout: 0 }, 'calltimeout: must be an integer from 1 to 600'],
    [{ from: '11', to: '13', calltimeout: 601 }, 'calltimeout: must be an integer from 1 to 600'],
    [{ from: '11', to: '13', calltimeout: 30.5 }, 'calltimeout: must be an integer from 1 to 600'],
    [{ from: '11', to: '13', calltimeout: '30' }, 'calltimeout: must be an integer from 1 to 600'],
    [{ from: '11', to: '13', binding: '' }, 'binding: must be a label'],
    [{ from: '11', to: '13', binding: ['a'] }, 'binding: must be a label'],
    [{ from: '11', to: '13', response_mode: 6 }, 'response_mode: must be an integer from 0 to 5'],
    [{ from: '11', to: '13', response_mode: -1 }, 'response_mode: must be an integer from 0 to 5'],
    [{ from: '11', to: '13', response_mode: 2.5 }, 'response_mode: must be an integer from 0 to 5'],
    [{ from: '11', to: '13', response_mode: '2' }, 'response_mode: must be an integer from 0 to 5'],
    [{ from: '11', to: '13', use_intercom: 'true' }, 'use_intercom: must be true or false'],
    [{ from: '11', to: '13', use_intercom: 1 }, 'use_intercom: must be true or false'],
  ];
  for (const [body, message] of bad) it(`1400 ${message.split(':')[0]}: ${JSON.stringify(body)}`, () => expect400(method, CALLS_PATH, body, message));

  it('reports every bad parameter at once', async () => {
    const { app } = withPorts();
    const a = await send(app, method, CALLS_PATH, { body: { to: 'x', response_mode: 7 } });
    expect(a.message).toMatch(/from: is required/);
    expect(a.message).toMatch(/to: must be/);
    expect(a.message).toMatch(/response_mode: must be/);
  });

  it('passes an Idempotency-Key header on; a malformed one is 1400', async () => {
    const { app, requests } = withPorts();
    const res = await app.request(CALLS_PATH, {
      method,
      headers: { authorization: 'Bearer alice-token', 'idempotency-key': 'crm-7f3a' },
      body: JSON.stringify({ from: '11', to: '13' }),
    });
    expect(res.status).toBe(200);
    expect(requests[0]!.idempotencyKey).toBe('crm-7f3a');
    const bad = await app.request(CALLS_PATH, {
      method,
      headers: { authorization: 'Bearer alice-token', 'idempotency-key': 'x'.repeat(256) },
      body: JSON.stringify({ from: '11', to: '13' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error_message: string }).error_message).toMatch(/^Idempotency-Key: /);
    expect(requests).toHaveLength(1);
    await send(app, method, CALLS_PATH, { body: { from: '11', to: '13' } });
    expect(requests[1]).not.toHaveProperty('idempotencyKey');
  });

  it('use_intercom needs an intercom feature code in the domain', async () => {
    await expect400(method, CALLS_PATH, { from: '11', to: '12', use_intercom: true }, 'use_intercom: the domain has no intercom feature code', 'carol');
    const { app } = withPorts();
    expect((await send(app, method, CALLS_PATH, { body: { from: '11', to: '12', use_intercom: true } })).status).toBe(200);
  });

  it('answers 1503 without an operations port, after validation and the from check', async () => {
    const { app } = makeApp();
    expect((await send(app, method, CALLS_PATH, { body: { from: '11', to: 'x' } })).code).toBe(1400);
    expect((await send(app, method, CALLS_PATH, { body: { from: '13', to: '11' } })).code).toBe(1403);
    const a = await send(app, method, CALLS_PATH, { body: { from: '11', to: '13' } });
    expect([a.status, a.code]).toEqual([503, 1503]);
    expect(a.message).toMatch(/operations engine not available/);
  });
});

describe('REFER /calls/{id}: blind transfer', () => {
  const refer = async (id: string, body: unknown) => {
    const t = withPorts();
    const a = await send(t.app, 'REFER', callPath(id), { body });
    return { a, req: t.requests[0], store: t.store };
  };

  it('hands dialog, input and the resolved transferring party to the port', async () => {
    const { a, req } = await refer(ids.A1, { by: 'a', referto: "13,1'2" });
    expect(a.body).toMatchObject({ result: 'ok', dialogid: ids.A1 });
    expect(req).toMatchObject({
      kind: 'REFER',
      dialogid: ids.A1,
      input: { by: 'a', referto: "13,1'2", response_mode: 2 },
      by: { side: 'a', callids: ['alice1-a@10.0.0.1'] },
    });
  });

  // A1 is sip1 (number 11) calling 79001112233.
  const byForms: [string, 'a' | 'b'][] = [
    ['a', 'a'],
    ['b', 'b'],
    ['alice1-a@10.0.0.1', 'a'],
    ['rB2-001-Alice1-01-alice1-a@10.0.0.1', 'b'],
    [`<sip:sip1@${DOMAIN}>`, 'a'],
    [`sip:sip1@${DOMAIN}`, 'a'],
    [`<sip:11@${DOMAIN}>`, 'a'], // the seed's form: the number of the account whose login is in the URI
    ['11', 'a'],
    ['sip1', 'a'],
    ['79001112233', 'b'],
    [`<sip:79001112233@${DOMAIN}>`, 'b'],
  ];
  for (const [by, side] of byForms) {
    it(`by ${by} is side ${side}`, async () => {
      const { req } = await refer(ids.A1, { by, referto: '13' });
      expect(req && 'by' in req ? req.by.side : undefined).toBe(side);
    });
  }

  it('1409 while forking or closing', async () => {
    for (const id of [ids.AB, ids.CL]) {
      const { a, req } = await refer(id, { by: 'a', referto: '13' });
      expect([a.status, a.code]).toEqual([409, 1409]);
      expect(req).toBeUndefined();
    }
  });

  const bad: [unknown, string][] = [
    [{ referto: '13' }, 'by: is required'],
    [{ by: '', referto: '13' }, 'by: must be'],
    [{ by: 'nobody', referto: '13' }, 'by: names no party of the dialog'],
    [{ by: '12', referto: '13' }, 'by: names no party'],
    [{ by: 'a' }, 'referto: is required'],
    [{ by: 'a', referto: 'thirteen' }, 'referto: must be a number'],
    [{ by: 'a', referto: '13', response_mode: 9 }, 'response_mode: must be an integer from 0 to 5'],
    [{ by: 'a', referto: '13', binding: {} }, 'binding: must be a label'],
  ];
  for (const [body, message] of bad) it(`1400 ${JSON.stringify(body)}`, () => expect400('REFER', callPath(ids.A1), body, message));

  it('names both parties: ambiguous', async () => {
    // A call from sip1 to sip1's own number.
    const { makeDialog, acct, makeStore } = await import('./test-helpers.ts');
    const store = makeStore([]);
    store.put(makeDialog({ suffix: 'Self01', a: acct('sip1'), b: acct('sip1', true) }));
    const s = stubPorts();
    const { app } = makeApp({ store, operations: s.ops });
    const a = await send(app, 'REFER', callPath('rDlg-001-Self01'), { body: { by: '11', referto: '13' } });
    expect(a.message).toMatch(/^by: names both parties/);
  });

  it("names a party by the URI it was dialled as (the a leg's To), when routing changed the b leg's", async () => {
    const { makeDialog, acct, ext, makeStore } = await import('./test-helpers.ts');
    const entry = makeDialog({ suffix: 'Routed', a: acct('sip1'), b: ext('gw', 'trunk.example') });
    entry.dialog.legs[0]!.localuri = `<sip:5555@${DOMAIN}>`;
    const store = makeStore([]);
    store.put(entry);
    const s = stubPorts();
    const { app } = makeApp({ store, operations: s.ops });
    for (const [by, side] of [['5555', 'b'], [`<sip:5555@${DOMAIN}>`, 'b'], ['gw', 'b'], ['sip1', 'a']] as const) {
      await send(app, 'REFER', callPath('rDlg-001-Routed'), { body: { by, referto: '13' } });
      const req = s.operations.at(-1);
      expect([by, req && 'by' in req ? req.by.side : undefined]).toEqual([by, side]);
    }
  });

  describe('a retry under its Idempotency-Key after the transfer moved the call', () => {
    const answer = { dialogid: ids.CL, result: 'ok' as const, ivrcallid: 'rIV-001-bbbbbbbbbbbbbbbbbbbbbbbbbbb' };
    function withRejoin(known: boolean) {
      const s = stubPorts();
      const rejoins: RejoinRequest[] = [];
      const ops: OperationsPort = {
        ...s.ops,
        rejoin: async (r) => {
          rejoins.push(r);
          return known ? { ...answer, dialogid: r.dialogid } : undefined;
        },
      };
      const { app } = makeApp({ operations: ops });
      return { app, rejoins, starts: s.operations };
    }
    const key = { 'idempotency-key': 'k-1' };
    const body = { by: 'a', referto: '13', response_mode: 5 };

    it('finds the dialog closing: gets the operation\'s answer, and nothing new is started', async () => {
      const t = withRejoin(true);
      const a = await send(t.app, 'REFER', callPath(ids.CL), { body, headers: key });
      expect([a.status, a.body]).toEqual([200, answer]);
      expect(t.rejoins).toMatchObject([{ kind: 'REFER', dialogid: ids.CL, idempotencyKey: 'k-1', input: { referto: '13', response_mode: 5 } }]);
      expect(t.starts).toEqual([]);
    });

    it('finds the dialog gone: gets the operation\'s answer', async () => {
      const t = withRejoin(true);
      const a = await send(t.app, 'REFER', callPath('rDlg-001-Gone01'), { body, headers: key });
      expect([a.status, a.body]).toEqual([200, { ...answer, dialogid: 'rDlg-001-Gone01' }]);
    });

    it('no operation under the key: the refusal stands (1409 closing, 1409 forking, 1413 gone)', async () => {
      const t = withRejoin(false);
      expect(await send(t.app, 'REFER', callPath(ids.CL), { body, headers: key })).toMatchObject({ status: 409, code: 1409 });
      expect(await send(t.app, 'REFER', callPath(ids.AB), { body, headers: key })).toMatchObject({ status: 409, code: 1409 });
      expect(await send(t.app, 'REFER', callPath('rDlg-001-Gone01'), { body, headers: key })).toMatchObject({ status: 404, code: 1413 });
      expect(t.rejoins).toHaveLength(3);
    });

    it('without a key the refusal stands and no operation is asked', async () => {
      const t = withRejoin(true);
      expect(await send(t.app, 'REFER', callPath(ids.CL), { body })).toMatchObject({ status: 409, code: 1409 });
      expect(t.rejoins).toEqual([]);
    });

    it('a bad body is still 1400, before any operation is asked', async () => {
      const t = withRejoin(true);
      expect(await send(t.app, 'REFER', callPath(ids.CL), { body: { by: 'a' }, headers: key })).toMatchObject({ status: 400, code: 1400 });
      expect(t.rejoins).toEqual([]);
    });

    it("another user's dialog under a key is 1413 to them: the key is looked up as theirs, never as its owner's", async () => {
      const t = withRejoin(false);
      expect(await send(t.app, 'REFER', callPath(ids.CL), { body, headers: key, who: 'bob' })).toMatchObject({ status: 404, code: 1413 });
      expect(t.rejoins.map((r) => r.principal.user.login)).toEqual(['bob']);
    });
  });

  it('1503 without a port, after the state check', async () => {
    const { app } = makeApp();
    expect((await send(app, 'REFER', callPath(ids.AB), { body: { by: 'a', referto: '13' } })).code).toBe(1409);
    expect((await send(app, 'REFER', callPath(ids.A1), { body: { by: 'a', referto: '13' } })).code).toBe(1503);
  });
});

describe('REFERREPLACES /calls/{id}: attended transfer', () => {
  const rr = async (body: unknown, id: string = ids.A1) => {
    const t = withPorts();
    const a = await send(t.app, 'REFERREPLACES', callPath(id), { body });
    return { a, req: t.requests[0] as Extract<OperationRequest, { kind: 'REFERREPLACES' }> | undefined };
  };

  it('resolves the slave by slavedialogid and both sides', async () => {
    const { a, req } = await rr({ masterby: 'a', slavedialogid: ids.A2, slaveby: 'sip1' });
    expect(a.status).toBe(200);
    expect(req).toMatchObject({
      dialogid: ids.A1,
      slaveDialogid: ids.A2,
      masterBy: { side: 'a' },
      slaveBy: { side: 'a', callids: ['alice2-a@10.0.0.1'] },
    });
  });

  it('resolves the slave by the other slave… keys, slavedialogid first', async () => {
    expect((await rr({ masterby: 'a', slavecallid: 'alice2-a@10.0.0.1', slaveby: 'a' })).req?.slaveDialogid).toBe(ids.A2);
    expect((await rr({ masterby: 'a', slaveuri: `sip:79007778899@${DOMAIN}`, slaveby: 'a' })).req?.slaveDialogid).toBe(ids.A2);
    expect((await rr({ masterby: 'a', slavedialogid: ids.A2, slavecallid: 'conf01-a@10.0.0.1', slaveby: 'a' })).req?.slaveDialogid).toBe(ids.A2);
    expect((await rr({ masterby: 'a', slaveinviteid: '00000000-0000-4000-8000-000000conf01', slavedialogid: ids.A2, slaveby: 'a' })).req?.slaveDialogid).toBe(ids.A2);
  });

  it('a key matching several dialogs besides the master is 1400', async () => {
    const { a } = await rr({ masterby: 'a', slaveuser: '11', slaveby: 'a' });
    expect(a.message).toBe('slaveuser: matches 2 dialogs; give slavedialogid');
  });

  it('a slave the user may not see, or none, is 1413', async () => {
    for (const slave of [ids.B1, ids.C1, 'rDlg-001-zzzzzz']) {
      const { a, req } = await rr({ masterby: 'a', slavedialogid: slave, slaveby: 'a' });
      expect([a.status, a.code]).toEqual([404, 1413]);
      expect(req).toBeUndefined();
    }
  });

  it('1409 when either dialog is not answered', async () => {
    expect((await rr({ masterby: 'a', slavedialogid: ids.AB, slaveby: 'a' })).a.code).toBe(1409);
    expect((await rr({ masterby: 'a', slavedialogid: ids.A1, slaveby: 'a' }, ids.CL)).a.code).toBe(1409);
  });

  const bad: [unknown, string][] = [
    [{ slavedialogid: ids.A2, slaveby: 'a' }, 'masterby: is required'],
    [{ masterby: 'a', slavedialogid: ids.A2 }, 'slaveby: is required'],
    [{ masterby: 'a', slaveby: 'a' }, 'slavedialogid: is required'],
    [{ masterby: 'a', slavedialogid: ids.A1, slaveby: 'a' }, 'slavedialogid: must name another dialog'],
    [{ masterby: 'a', slavedialogid: 7, slaveby: 'a' }, 'slavedialogid: must be'],
    [{ masterby: 'a', slavesipuserid: 'x', slaveby: 'a' }, 'slavesipuserid: must be an integer'],
    [{ masterby: 'a', slaveuser: '11', slaveuser_mode: 'x', slaveby: 'a' }, 'slaveuser_mode: must be one of'],
    [{ masterby: 'zz', slavedialogid: ids.A2, slaveby: 'a' }, 'masterby: names no party'],
    [{ masterby: 'a', slavedialogid: ids.A2, slaveby: '13' }, 'slaveby: names no party'],
    [{ masterby: 'a', slavedialogid: ids.A2, slaveby: 'a', response_mode: 'late' }, 'response_mode: must be'],
  ];
  for (const [body, message] of bad) it(`1400 ${JSON.stringify(body)}`, () => expect400('REFERREPLACES', callPath(ids.A1), body, message));

  it('1503 without a port', async () => {
    const { app } = makeApp();
    expect((await send(app, 'REFERREPLACES', callPath(ids.A1), { body: { masterby: 'a', slavedialogid: ids.A2, slaveby: 'a' } })).code).toBe(1503);
  });
});

describe('SWITCHCONF /calls/{id}: to a conference', () => {
  it('fills referto (a random room behind the conf prefix) and by (the first account)', async () => {
    const { app, requests } = withPorts();
    expect((await send(app, 'SWITCHCONF', callPath(ids.A1), { body: {} })).status).toBe(200);
    const input = requests[0]!.input as { referto: string; by: string; response_mode: number };
    expect(input.referto).toMatch(/^\*99[0-9]{8}$/);
    expect(input.by).toBe('11');
    expect(input.response_mode).toBe(2);
    await send(app, 'SWITCHCONF', callPath(ids.A1), { body: {} });
    expect((requests[1]!.input as { referto: string }).referto).not.toBe(input.referto);
  });

  it('takes referto and by as given; by may be any account of the domain', async () => {
    const { app, requests } = withPorts();
    await send(app, 'SWITCHCONF', callPath(ids.A1), { body: { referto: '*99358', by: 'sip3', response_mode: 4, binding: 'b' } });
    expect(requests[0]!.input).toEqual({ referto: '*99358', by: 'sip3', response_mode: 4, binding: 'b' });
  });

  it('1409 for a dialog with a conference participant, or not answered', async () => {
    const { app, requests } = withPorts();
    for (const id of [ids.CF, ids.CX, ids.AB, ids.CL]) expect([id, (await send(app, 'SWITCHCONF', callPath(id), { body: {} })).code]).toEqual([id, 1409]);
    expect(requests).toEqual([]);
  });

  const bad: [unknown, string][] = [
    [{ referto: 'room' }, 'referto: must be a conference number'],
    [{ referto: "*99358,1" }, 'referto: must be a conference number'],
    [{ by: 'nobody' }, 'by: names no account'],
    [{ by: 'a b' }, 'by: must be'],
    [{ response_mode: 10 }, 'response_mode: must be'],
  ];
  for (const [body, message] of bad) it(`1400 ${JSON.stringify(body)}`, () => expect400('SWITCHCONF', callPath(ids.A1), body, message));

  it('without a conf feature code, referto must be given', async () => {
    await expect400('SWITCHCONF', callPath(ids.C1), {}, 'referto: is required: the domain has no conf feature code', 'carol');
    const { app } = withPorts();
    expect((await send(app, 'SWITCHCONF', callPath(ids.C1), { who: 'carol', body: { referto: '7000' } })).status).toBe(200);
  });

  it('1503 without a port', async () => {
    const { app } = makeApp();
    expect((await send(app, 'SWITCHCONF', callPath(ids.A1), { body: {} })).code).toBe(1503);
  });
});

describe('REFERCONF /calls/{id}: into an existing conference', () => {
  const rc = async (body: unknown, id: string = ids.A1) => {
    const t = withPorts();
    const a = await send(t.app, 'REFERCONF', callPath(id), { body });
    return { a, req: t.requests[0] as Extract<OperationRequest, { kind: 'REFERCONF' }> | undefined };
  };
  const confUri = `<sip:conf-12345678@${DOMAIN}>`;

  it('finds the conference through a dialog the user sees', async () => {
    const { a, req } = await rc({ by: 'b', referdialogid: ids.CF });
    expect(a.status).toBe(200);
    expect(req).toMatchObject({ dialogid: ids.A1, by: { side: 'b' }, conference: { dialogid: ids.CF, uri: confUri } });
  });

  it('through the other refer… keys, referdialogid first, referconfid last', async () => {
    expect((await rc({ by: 'a', refercallid: 'conf01-a@10.0.0.1' })).req?.conference).toEqual({ dialogid: ids.CF, uri: confUri });
    expect((await rc({ by: 'a', referuri: confUri })).req?.conference).toEqual({ dialogid: ids.CF, uri: confUri });
    expect((await rc({ by: 'a', referdialogid: ids.CF, referconfid: 'rCF-001-abcdef' })).req?.conference).toEqual({ dialogid: ids.CF, uri: confUri });
    expect((await rc({ by: 'a', referconfid: 'rCF-001-abcdef' })).req?.conference).toEqual({ confid: 'rCF-001-abcdef' });
  });

  it('1409 when the dialog has no conference, or the conference is in another domain', async () => {
    expect((await rc({ by: 'a', referdialogid: ids.A2 })).a).toMatchObject({ code: 1409, message: 'referdialogid: the dialog has no conference participant' });
    expect((await rc({ by: 'a', referdialogid: ids.CX })).a).toMatchObject({ code: 1409, message: expect.stringMatching(/another domain/) });
    expect(OTHER).not.toBe(DOMAIN);
  });

  it('1413 for a conference dialog the user may not see', async () => {
    for (const d of [ids.B1, 'rDlg-001-zzzzzz']) expect((await rc({ by: 'a', referdialogid: d })).a.code).toBe(1413);
  });

  it('1409 when the dialog to move is not answered', async () => {
    expect((await rc({ by: 'a', referdialogid: ids.CF }, ids.AB)).a.code).toBe(1409);
  });

  const bad: [unknown, string][] = [
    [{ referdialogid: ids.CF }, 'by: is required'],
    [{ by: 'a' }, 'referdialogid: is required'],
    [{ by: 'a', referconfid: 'conf-1' }, 'referconfid: must be a conference id'],
    [{ by: 'a', refersipuserid: -1 }, 'refersipuserid: must be an integer'],
    [{ by: 'x', referdialogid: ids.CF }, 'by: names no party'],
    [{ by: 'a', referdialogid: ids.CF, binding: 3 }, 'binding: must be a label'],
  ];
  for (const [body, message] of bad) it(`1400 ${JSON.stringify(body)}`, () => expect400('REFERCONF', callPath(ids.A1), body, message));

  it('1503 without a port', async () => {
    const { app } = makeApp();
    expect((await send(app, 'REFERCONF', callPath(ids.A1), { body: { by: 'a', referdialogid: ids.CF } })).code).toBe(1503);
  });
});
