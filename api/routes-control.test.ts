// DELETE, NOTIFY, SEND_DTMF, SETUP_ASR, SETUP_RECORD: validation, leg resolution, state checks, what
// CallControlPort is asked to do, and 1503 while it is absent.
import { describe, expect, it } from 'vitest';
import { callPath, ids, makeApp, send, stubPorts, testConfig } from './test-helpers.ts';

function withPorts(config = testConfig()) {
  const s = stubPorts();
  const { app } = makeApp({ calls: s.control, operations: s.ops, config });
  return { app, calls: s.calls };
}

async function expect400(method: string, id: string, body: unknown, message: string) {
  const { app, calls } = withPorts();
  const a = await send(app, method, callPath(id), { body });
  expect([JSON.stringify(body), a.status, a.code]).toEqual([JSON.stringify(body), 400, 1400]);
  expect(a.message).toContain(message);
  expect(calls).toEqual([]);
}

const A1_A = 'alice1-a@10.0.0.1';
const A1_B = 'rB2-001-Alice1-01-alice1-a@10.0.0.1';
const AB_B = ['rB2-001-AlBob1-01-albob1-a@10.0.0.1', 'rB2-001-AlBob1-02-albob1-a@10.0.0.1'];

describe('DELETE /calls/{id}', () => {
  it('asks the SIP node to hang up and answers the dialog id', async () => {
    const { app, calls } = withPorts();
    const a = await send(app, 'DELETE', callPath(ids.AB));
    expect([a.status, a.body]).toEqual([200, { dialogid: ids.AB }]);
    expect(calls).toEqual([{ method: 'hangup', args: [ids.AB] }]);
  });

  it('1503 without the port, 1413 still first', async () => {
    const { app } = makeApp();
    expect((await send(app, 'DELETE', callPath(ids.B1))).code).toBe(1413);
    const a = await send(app, 'DELETE', callPath(ids.A1));
    expect([a.status, a.code]).toEqual([503, 1503]);
    expect(a.message).toMatch(/call control not available/);
  });
});

describe('NOTIFY /calls/{id}', () => {
  it('targets the leg named by callid (which wins over side), or every leg of a side', async () => {
    const { app, calls } = withPorts();
    expect((await send(app, 'NOTIFY', callPath(ids.A1), { body: { callid: A1_A, side: 'b', event: 'hold' } })).body).toEqual({ dialogid: ids.A1 });
    await send(app, 'NOTIFY', callPath(ids.AB), { body: { side: 'b', event: 'talk' } });
    expect(calls.map((c) => c.args[0])).toEqual([
      { dialogid: ids.A1, target: { side: 'a', callids: [A1_A] }, event: 'hold' },
      { dialogid: ids.AB, target: { side: 'b', callids: AB_B }, event: 'talk' },
    ]);
  });

  it('1409: only talk while ringing, nothing while closing', async () => {
    const { app, calls } = withPorts();
    expect((await send(app, 'NOTIFY', callPath(ids.AB), { body: { side: 'b', event: 'hold' } })).code).toBe(1409);
    expect((await send(app, 'NOTIFY', callPath(ids.CL), { body: { side: 'b', event: 'talk' } })).code).toBe(1409);
    expect(calls).toEqual([]);
  });

  const bad: [unknown, string][] = [
    [{ side: 'b' }, 'event: is required'],
    [{ side: 'b', event: '' }, 'event: must be an event name'],
    [{ side: 'b', event: 'a b' }, 'event: must be an event name'],
    [{ side: 'b', event: 5 }, 'event: must be an event name'],
    [{ event: 'talk' }, 'callid: is required (or side)'],
    [{ side: 'c', event: 'talk' }, 'side: must be "a" or "b"'],
    [{ callid: 'someone-else@x', event: 'talk' }, 'callid: is not a leg of this dialog'],
    [{ callid: ['x'], event: 'talk' }, 'callid: must be a Call-ID'],
  ];
  for (const [body, message] of bad) it(`1400 ${JSON.stringify(body)}`, () => expect400('NOTIFY', ids.A1, body, message));

  it('1503 without the port', async () => {
    const { app } = makeApp();
    expect((await send(app, 'NOTIFY', callPath(ids.A1), { body: { side: 'b', event: 'talk' } })).code).toBe(1503);
  });
});

describe('SEND_DTMF /calls/{id}', () => {
  it('fills proto, honours opposite, answers the dialog id', async () => {
    const { app, calls } = withPorts();
    expect((await send(app, 'SEND_DTMF', callPath(ids.A1), { body: { side: 'a', dtmf: "12#*ABCD',0" } })).body).toEqual({ dialogid: ids.A1 });
    await send(app, 'SEND_DTMF', callPath(ids.A1), { body: { callid: A1_A, opposite: true, proto: 'sipinfo', dtmf: '5' } });
    expect(calls.map((c) => c.args[0])).toEqual([
      { dialogid: ids.A1, target: { side: 'a', callids: [A1_A] }, proto: 'rfc2833', dtmf: "12#*ABCD',0" },
      { dialogid: ids.A1, target: { side: 'b', callids: [A1_B] }, proto: 'sipinfo', dtmf: '5' },
    ]);
  });

  const bad: [unknown, string][] = [
    [{ side: 'a' }, 'dtmf: is required'],
    [{ side: 'a', dtmf: '' }, 'dtmf: must be DTMF'],
    [{ side: 'a', dtmf: '12E' }, 'dtmf: must be DTMF'],
    [{ side: 'a', dtmf: 'abcd' }, 'dtmf: must be DTMF'],
    [{ side: 'a', dtmf: 12 }, 'dtmf: must be DTMF'],
    [{ side: 'a', dtmf: '1'.repeat(257) }, 'dtmf: must be DTMF'],
    [{ dtmf: '1' }, 'callid: is required (or side)'],
    [{ side: 'a', dtmf: '1', proto: 'inband' }, 'proto: must be "rfc2833" or "sipinfo"'],
    [{ side: 'a', dtmf: '1', opposite: 'yes' }, 'opposite: must be true or false'],
  ];
  for (const [body, message] of bad) it(`1400 ${JSON.stringify(body)}`, () => expect400('SEND_DTMF', ids.A1, body, message));

  it('1503 without the port', async () => {
    const { app } = makeApp();
    expect((await send(app, 'SEND_DTMF', callPath(ids.A1), { body: { side: 'a', dtmf: '1' } })).code).toBe(1503);
  });
});

describe('SETUP_ASR /calls/{id}', () => {
  it('start: defaults cmd start, layer default; answers dialog id and layer', async () => {
    const { app, calls } = withPorts();
    const a = await send(app, 'SETUP_ASR', callPath(ids.A1), { body: { side: 'b' } });
    expect(a.body).toEqual({ dialogid: ids.A1, layer: 'default' });
    expect(calls[0]!.args[0]).toEqual({ dialogid: ids.A1, cmd: 'start', layer: 'default', target: { side: 'b', callids: [A1_B] }, wait: true });
  });

  it('stop: waits for the text by default; wait false answers without it', async () => {
    const { app, calls } = withPorts();
    expect((await send(app, 'SETUP_ASR', callPath(ids.A1), { body: { cmd: 'stop', layer: 'l1' } })).body).toEqual({ dialogid: ids.A1, layer: 'l1', text: 'hello world' });
    expect((await send(app, 'SETUP_ASR', callPath(ids.A1), { body: { cmd: 'stop', layer: 'l1', wait: false } })).body).toEqual({ dialogid: ids.A1, layer: 'l1' });
    expect(calls[0]!.args[0]).toMatchObject({ cmd: 'stop', target: undefined, wait: true });
  });

  const bad: [unknown, string][] = [
    [{}, 'callid: is required to start (or side)'],
    [{ side: 'a', cmd: 'pause' }, 'cmd: must be "start" or "stop"'],
    [{ side: 'a', layer: 'a b' }, 'layer: must be a layer name'],
    [{ side: 'a', layer: '' }, 'layer: must be a layer name'],
    [{ side: 'a', layer: 'x'.repeat(65) }, 'layer: must be a layer name'],
    [{ cmd: 'stop', wait: 'no' }, 'wait: must be true or false'],
    [{ side: 'a', opposite: 1 }, 'opposite: must be true or false'],
  ];
  for (const [body, message] of bad) it(`1400 ${JSON.stringify(body)}`, () => expect400('SETUP_ASR', ids.A1, body, message));

  it('1503 when no ASR engine is configured, even with the port; and without the port', async () => {
    const noAsr = testConfig((y) => y.replace('asr: {engine: pocketsphinx}\n', ''));
    expect(noAsr.asr).toBeUndefined();
    const { app, calls } = withPorts(noAsr);
    const a = await send(app, 'SETUP_ASR', callPath(ids.A1), { body: { side: 'a' } });
    expect([a.status, a.code]).toEqual([503, 1503]);
    expect(a.message).toMatch(/ASR/);
    expect(calls).toEqual([]);
    const bare = makeApp().app;
    expect((await send(bare, 'SETUP_ASR', callPath(ids.A1), { body: { side: 'a' } })).message).toMatch(/call control not available/);
  });
});

describe('SETUP_RECORD /calls/{id}', () => {
  it('no leg named: both sides; answers dialog id, layer, file', async () => {
    const { app, calls } = withPorts();
    const a = await send(app, 'SETUP_RECORD', callPath(ids.A1), { body: {} });
    expect(a.body).toEqual({ dialogid: ids.A1, layer: 'default', file: '/data/recordings/x.wav' });
    expect(calls[0]!.args[0]).toEqual({ dialogid: ids.A1, cmd: 'start', layer: 'default', target: undefined });
    await send(app, 'SETUP_RECORD', callPath(ids.A1), { body: { cmd: 'stop', layer: 'q', side: 'b' } });
    expect(calls[1]!.args[0]).toEqual({ dialogid: ids.A1, cmd: 'stop', layer: 'q', target: { side: 'b', callids: [A1_B] } });
  });

  const bad: [unknown, string][] = [
    [{ cmd: 'begin' }, 'cmd: must be "start" or "stop"'],
    [{ layer: 'ä' }, 'layer: must be a layer name'],
    [{ side: 'left' }, 'side: must be "a" or "b"'],
    [{ callid: 'nope' }, 'callid: is not a leg of this dialog'],
  ];
  for (const [body, message] of bad) it(`1400 ${JSON.stringify(body)}`, () => expect400('SETUP_RECORD', ids.A1, body, message));

  it('1503 without the port', async () => {
    const { app } = makeApp();
    expect((await send(app, 'SETUP_RECORD', callPath(ids.A1), { body: {} })).code).toBe(1503);
  });
});
