// SIPp phones against a SIP node on loopback UDP: registration with digest authentication, and B2B
// calls through the node with the call store and the call events checked during and after each.
// Skipped when sipp (Debian sip-tester) is not installed.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Dialog } from '../../store/dialog.ts';
import { DIALOG_ID_RE } from '../../store/ids.ts';
import { freePort, startTestNode, until, type TestNode, type TestNodeOptions } from './helpers/node.ts';
import { explain, hasSipp, killAllSipp, runSipp, scenario, sip1Dialling, startSipp, type SippOptions, type SippResult } from './helpers/sipp.ts';

if (!hasSipp) console.warn('sipp not found: skipping the SIPp tests (apt-get install -y sip-tester)');

// SIPp 3.6 answers only MD5 challenges, and only the first challenge header: MD5 is offered first.
const MD5_FIRST = { digestAlgorithms: ['MD5', 'SHA-256'] } as const;

let t: TestNode | undefined;

async function node(opts: TestNodeOptions = {}): Promise<TestNode> {
  t = await startTestNode({ ...MD5_FIRST, ...opts });
  return t;
}

afterEach(async () => {
  killAllSipp();
  await t?.stop();
  t = undefined;
});

afterAll(() => killAllSipp());

/** The caller, sip1 (password secret1), dialling `number`. */
function caller(file: string, number: string, o: Partial<SippOptions> = {}): Promise<SippResult> {
  return freePort().then((localPort) =>
    runSipp(sip1Dialling(number, { scenario: scenario(file), remotePort: t!.port, localPort, timeoutS: 15, ...o })),
  );
}

/** A called phone (SIPp UAS) on `port`. */
function callee(file: string, port: number, o: Partial<SippOptions> = {}) {
  return startSipp({ scenario: scenario(file), localPort: port, timeoutS: 15, ...o });
}

/** sip3 registers a contact on `port` with SIPp (the UAS started there afterwards takes its calls). */
async function registerSip3(port: number): Promise<void> {
  const r = await runSipp({ scenario: scenario('register.xml'), remotePort: t!.port, localPort: port, service: 'sip3', user: 'sip3', password: 'secret3', timeoutS: 5, extra: ['-auth_uri', 'test.rootdomain.ru'] });
  expect(r.code, explain(r)).toBe(0);
}

function onlyDialog(): Dialog | undefined {
  const all = [...t!.store.all()];
  return all.length === 1 ? structuredClone(all[0]!.dialog) : undefined;
}

/** Watches the store while a call runs: every distinct status seen, with the dialog at that moment. */
function watchStore(): Map<string, Dialog> {
  const seen = new Map<string, Dialog>();
  t!.store.subscribe((c) => {
    if (c.op === 'put' && !seen.has(c.entry.dialog.status)) seen.set(c.entry.dialog.status, structuredClone(c.entry.dialog));
  });
  return seen;
}

const ok = (r: SippResult) => expect(r.code, explain(r)).toBe(0);

async function settled(): Promise<void> {
  await until(() => t!.store.size === 0 && t!.node.calls.size === 0, 'the call to leave the store');
  await until(() => t!.node.counts().mediaSessions === 0, 'the media session to close');
}

describe.skipIf(!hasSipp)('SIPp phones through the SIP node', () => {
  it('REGISTER is challenged with 401 and a phone registering sip1/secret1 is bound', async () => {
    await node();
    const port = await freePort();
    const r = await runSipp({ scenario: scenario('register.xml'), remotePort: t!.port, localPort: port, service: 'sip1', user: 'sip1', password: 'secret1', timeoutS: 5, extra: ['-auth_uri', 'test.rootdomain.ru'] });
    ok(r);
    expect(t!.node.location.lookup('sip1@test.rootdomain.ru')).toMatchObject([{ kind: 'registered', contact: `sip:sip1@127.0.0.1:${port}`, flow: { host: '127.0.0.1', port } }]);
  });

  it('a call with 407 authentication: forking while it rings, dialog once answered, nothing after the caller BYE', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` } });
    const seen = watchStore();
    const uas = callee('uas-answer.xml', uasPort, { pauseMs: 400 });
    const uac = caller('uac-call.xml', '12', { pauseMs: 600 });
    await until(() => onlyDialog()?.status === 'dialog', 'the answer');
    const during = onlyDialog();
    ok(await uac);
    ok(await uas.done);
    await settled();

    const forking = seen.get('forking')!;
    expect(forking.dialogid).toMatch(DIALOG_ID_RE);
    expect(forking.callids).toEqual([`rB2-001-${forking.dialogid.slice(-6)}-01-${forking.acallid}`, forking.acallid]);
    expect(forking.legs[1]).toMatchObject({ side: 'b', localuri: '<sip:11@test.rootdomain.ru>', remoteuri: '<sip:12@test.rootdomain.ru>' });
    expect(typeof forking.legs[1]!.expirets).toBe('number');
    expect(forking).toMatchObject({ localuri: '<sip:12@test.rootdomain.ru>', remoteuri: '<sip:sip1@test.rootdomain.ru>', site: 'SITE1', esgdlg: '', esgcallid: '', opts: {} });
    expect(during).toMatchObject({ status: 'dialog', dialogid: forking.dialogid, legs: [{ side: 'a', expirets: 'undefined' }, { side: 'b', expirets: 'undefined' }] });
    expect(during!.uris).toEqual(['<sip:11@test.rootdomain.ru>', '<sip:12@test.rootdomain.ru>', '<sip:12@test.rootdomain.ru>', '<sip:sip1@test.rootdomain.ru>']);
    expect(t!.events.map((e) => [e.type, e.cause ?? e.status])).toEqual([
      ['start', undefined],
      ['ring', 180],
      ['answer', 200],
      ['end', 'bye-a'],
    ]);
    expect(t!.events[0]!.participants.map((p) => p.login)).toEqual(['sip1', 'sip2']);
  });

  it('BYE from the callee side ends the caller leg too', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` } });
    const uas = callee('uas-answer-bye.xml', uasPort, { pauseMs: 300 });
    ok(await caller('uac-wait-bye.xml', '12'));
    ok(await uas.done);
    await settled();
    expect(t!.events.at(-1)).toMatchObject({ type: 'end', cause: 'bye-b' });
  });

  it('CANCEL from the caller cancels the fork and the caller gets 487', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` } });
    const uas = callee('uas-ring.xml', uasPort);
    ok(await caller('uac-cancel.xml', '12', { pauseMs: 300 }));
    ok(await uas.done);
    await settled();
    expect(t!.events.map((e) => e.type)).toEqual(['start', 'ring', 'end']);
    expect(t!.events.at(-1)).toMatchObject({ cause: 'cancel', status: 487 });
  });

  it('busy: the callee answers 486 and the caller gets 486', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` } });
    const uas = callee('uas-busy.xml', uasPort);
    ok(await caller('uac-busy.xml', '12'));
    ok(await uas.done);
    await settled();
    expect(t!.events.at(-1)).toMatchObject({ type: 'end', cause: 'busy', status: 486 });
  });

  it('no answer within the timeout: the fork is cancelled and the caller gets 480', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` }, noAnswerTimeoutMs: 800 });
    const uas = callee('uas-ring.xml', uasPort);
    ok(await caller('uac-noanswer.xml', '12'));
    ok(await uas.done);
    await settled();
    expect(t!.events.at(-1)).toMatchObject({ type: 'end', cause: 'noanswer', status: 480 });
  });

  it('forking to two registered contacts: both ring, the first 2xx wins, the other fork is cancelled', async () => {
    await node();
    const [p1, p2] = [await freePort(), await freePort()];
    await registerSip3(p1);
    await registerSip3(p2);
    const seen = watchStore();
    const answering = callee('uas-answer.xml', p1, { pauseMs: 500 });
    const ringing = callee('uas-ring.xml', p2);
    const uac = caller('uac-call.xml', '13', { pauseMs: 300 });
    ok(await uac);
    ok(await answering.done);
    ok(await ringing.done);
    await settled();
    const forking = seen.get('forking')!;
    const suffix = forking.dialogid.slice(-6);
    expect(forking.callids).toEqual([`rB2-001-${suffix}-01-${forking.acallid}`, `rB2-001-${suffix}-02-${forking.acallid}`, forking.acallid]);
    expect(forking.legs.map((l) => l.side)).toEqual(['a', 'b', 'b']);
    expect(seen.get('dialog')!.legs.map((l) => l.side)).toEqual(['a', 'b']);
    expect(t!.events.map((e) => e.type)).toEqual(['start', 'ring', 'answer', 'end']);
  });

  it('a re-INVITE putting the call on hold (sendonly) is relayed and answered recvonly', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` } });
    const uas = callee('uas-hold.xml', uasPort);
    ok(await caller('uac-hold.xml', '12', { pauseMs: 200 }));
    ok(await uas.done);
    await settled();
    expect(t!.events.at(-1)).toMatchObject({ type: 'end', cause: 'bye-a' });
  });

  it('lost 200: the caller does not ACK the first 200, the node retransmits it until the ACK', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` } });
    const uas = callee('uas-answer.xml', uasPort, { pauseMs: 0 });
    const r = await caller('uac-lost-200.xml', '12', { pauseMs: 200 });
    ok(r);
    ok(await uas.done);
    await settled();
    // T1 = 500 ms: retransmissions at 0.5 s and 1.5 s fall within the caller's 1.7 s silence.
    const okRow = r.counters.find((c) => c.label === '200');
    expect(okRow?.counts[1], explain(r)).toBeGreaterThanOrEqual(2);
    expect(t!.events.at(-1)).toMatchObject({ type: 'end', cause: 'bye-a' });
  });

  it('a caller over TCP reaches a callee over UDP; the caller\'s BYE comes back over its connection', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` } });
    const uas = callee('uas-answer-bye.xml', uasPort, { pauseMs: 200 });
    ok(await caller('uac-wait-bye.xml', '12', { extra: ['-auth_uri', '12@test.rootdomain.ru', '-t', 't1'] }));
    ok(await uas.done);
    await settled();
    expect(t!.events.at(-1)).toMatchObject({ type: 'end', cause: 'bye-b' });
  });

  it('a burst of 200 SIPp calls (50 per second) all succeed and leave no call, media session or port', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` }, mediaPorts: [44_000, 44_999] });
    const uas = callee('uas-answer.xml', uasPort, { calls: 200, pauseMs: 0, timeoutS: 30 });
    const r = await caller('uac-call.xml', '12', { calls: 200, rate: 50, pauseMs: 100, timeoutS: 30 });
    ok(r);
    ok(await uas.done);
    await settled();
    const { dialogs, mediaSessions, portsInUse, socketsOpen } = t!.node.counts();
    expect({ dialogs, mediaSessions, portsInUse, socketsOpen }).toEqual({ dialogs: 0, mediaSessions: 0, portsInUse: 0, socketsOpen: 0 });
    expect(t!.events.filter((e) => e.type === 'end' && e.cause === 'bye-a')).toHaveLength(200);
  });

  it('lost ACK: the 200 is never ACKed, the node gives up after 64*T1 and sends BYE on both legs', async () => {
    const uasPort = await freePort();
    await node({ statics: { sip2: `sip:127.0.0.1:${uasPort}` }, timers: { T1: 40 } });
    const uas = callee('uas-answer.xml', uasPort, { pauseMs: 0 });
    ok(await caller('uac-no-ack.xml', '12'));
    ok(await uas.done);
    await settled();
    expect(t!.events.at(-1)).toMatchObject({ type: 'end', cause: 'no-ack' });
  });
});
