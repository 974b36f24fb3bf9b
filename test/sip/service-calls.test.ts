// The node's ServiceCallPort (b2bua/service-calls.ts) against SIPp phones on loopback UDP: the node
// places the call itself (the operations' "IVR"), reports what the device does through `deliver`,
// hangs up (BYE/CANCEL) and REFERs. Skipped when sipp (Debian sip-tester) is not installed.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PlaceCallRequest, SipRequestContext } from '../../activities/sip-activities.ts';
import type { SipEventBody } from '../../operations/sip-event-router.ts';
import { B2buaError } from '../../b2bua/index.ts';
import { parseSipEvent } from '../../workflows/signals.ts';
import { DOMAIN, freePort, startTestNode, until, type TestNode, type TestNodeOptions } from './helpers/node.ts';
import { explain, hasSipp, killAllSipp, scenario, startSipp, type SippOptions, type SippResult } from './helpers/sipp.ts';

if (!hasSipp) console.warn('sipp not found: skipping the service-call SIPp tests (apt-get install -y sip-tester)');

let t: TestNode | undefined;
let events: Array<{ callid: string; event: SipEventBody }> = [];

const ctx: SipRequestContext = { workflowId: 'op-post-test', activityId: '1', attempt: 1 };

/** A node whose sip2 (number 12) is a SIPp UAS on `uasPort`; events are recorded. */
async function node(uasPort: number, opts: TestNodeOptions = {}): Promise<TestNode> {
  t = await startTestNode({ ...opts, statics: { sip2: `sip:127.0.0.1:${uasPort}`, ...opts.statics } });
  events = [];
  t.node.serviceCalls.onServiceCallEvent((callid, event) => events.push({ callid, event }));
  return t;
}

// SIPp 3.6 answers only MD5 challenges, and only the first challenge header: MD5 is offered first.
const MD5_FIRST = { digestAlgorithms: ['MD5', 'SHA-256'] } as const;

let seq = 0;
function request(o: Partial<PlaceCallRequest> = {}): PlaceCallRequest {
  seq++;
  return {
    callid: `rIV-001-${String(seq).padStart(3, '0')}${'0123456789abcdef0123456789a'.slice(3)}`,
    to: '12',
    domain: DOMAIN,
    from: `sip:100@${DOMAIN}`,
    callerid: '100',
    callername: 'Callback',
    timeoutSec: 30,
    headers: {},
    bindings: [],
    ...o,
  };
}

function uas(file: string, port: number, o: Partial<SippOptions> = {}) {
  return startSipp({ scenario: scenario(file), localPort: port, timeoutS: 15, ...o });
}

const ok = (r: SippResult) => expect(r.code, explain(r)).toBe(0);
const kinds = () => events.map(({ event }) => `${event.type}${'status' in event ? ` ${event.status}` : ''}`);

async function settled(): Promise<void> {
  await until(() => t!.node.serviceCalls.size === 0, 'the service call to end');
  await until(() => t!.node.counts().mediaSessions === 0, 'the media session to close');
}

afterEach(async () => {
  // Every event the node delivered is one the router and the workflow accept.
  for (const { callid, event } of events) expect(parseSipEvent({ ...event, callid }), JSON.stringify(event)).toBeDefined();
  killAllSipp();
  await t?.stop();
  t = undefined;
});

afterAll(() => killAllSipp());

describe.skipIf(!hasSipp)('service calls placed by the SIP node (SIPp phones)', () => {
  it('placeCall rings and is answered (provisional, answered in order); hangup sends BYE; a second placeCall sends nothing', async () => {
    const port = await freePort();
    await node(port);
    const phone = uas('uas-answer.xml', port, { pauseMs: 300 });
    const req = request();
    await t!.node.serviceCalls.placeCall(req, ctx);
    await t!.node.serviceCalls.placeCall(req, ctx); // idempotent by Call-ID: no second INVITE
    await until(() => events.some((e) => e.event.type === 'sip.answered'), 'the answer');
    expect(events.every((e) => e.callid === req.callid)).toBe(true);
    expect(events.map((e) => e.event)).toEqual([
      { type: 'sip.provisional', status: 180, reason: 'Ringing' },
      { type: 'sip.answered', status: 200, reason: 'OK' },
    ]);
    await t!.node.serviceCalls.hangup({ callids: [req.callid] }, ctx);
    await t!.node.serviceCalls.hangup({ callids: [req.callid] }, ctx); // idempotent
    ok(await phone.done);
    await settled();
    expect(kinds()).toEqual(['sip.provisional 180', 'sip.answered 200']);
  });

  it('the device hangs up: sip.bye', async () => {
    const port = await freePort();
    await node(port);
    const phone = uas('uas-answer-bye.xml', port, { pauseMs: 300 });
    await t!.node.serviceCalls.placeCall(request(), ctx);
    ok(await phone.done);
    await settled();
    expect(kinds()).toEqual(['sip.provisional 180', 'sip.answered 200', 'sip.bye']);
  });

  it('busy: sip.failed with SIP/2.0 486 Busy Here', async () => {
    const port = await freePort();
    await node(port);
    const phone = uas('uas-busy.xml', port);
    await t!.node.serviceCalls.placeCall(request(), ctx);
    ok(await phone.done);
    await settled();
    expect(events.map((e) => e.event)).toEqual([{ type: 'sip.failed', status: 486, reason: 'Busy Here' }]);
  });

  it('the INVITE: From "<callername>" <sip:<callerid>@<domain>>, To the dialled number, intercom headers passed, offer on the relay', async () => {
    const port = await freePort();
    await node(port);
    const phone = uas('uas-busy-check-ivr.xml', port);
    await t!.node.serviceCalls.placeCall(request({ headers: { 'Call-Info': `<sip:${DOMAIN}>;answer-after=0`, 'Alert-Info': '' } }), ctx);
    ok(await phone.done);
    await settled();
    expect(kinds()).toEqual(['sip.failed 486']);
  });

  it('the intercom feature code (*8812) rings 12 with the intercom headers added', async () => {
    const port = await freePort();
    await node(port);
    const phone = uas('uas-busy-check-ivr.xml', port);
    await t!.node.serviceCalls.placeCall(request({ to: '*8812' }), ctx);
    ok(await phone.done);
    await settled();
    expect(kinds()).toEqual(['sip.failed 486']);
  });

  it('hangup while ringing sends CANCEL; the 487 is delivered as sip.failed', async () => {
    const port = await freePort();
    await node(port);
    const phone = uas('uas-ring.xml', port);
    const req = request();
    await t!.node.serviceCalls.placeCall(req, ctx);
    await until(() => events.length > 0, 'the ringing');
    await t!.node.serviceCalls.hangup({ callids: [req.callid] }, ctx);
    ok(await phone.done);
    await settled();
    expect(kinds()).toEqual(['sip.provisional 180', 'sip.failed 487']);
  });

  it('REFER: 202 → refer.accepted, NOTIFY sipfrag 180 then 200 → notify.sipfrag ×2', async () => {
    const port = await freePort();
    await node(port);
    // The NOTIFYs go to the node's port (-key node_port: SIPp's [next_url] is not usable here).
    const phone = uas('uas-refer-notify.xml', port, { extra: ['-key', 'node_port', String(t!.port)] });
    const req = request();
    await t!.node.serviceCalls.placeCall(req, ctx);
    await until(() => events.some((e) => e.event.type === 'sip.answered'), 'the answer');
    await t!.node.serviceCalls.sendRefer({ callid: req.callid, referTo: '13' }, ctx);
    await until(() => events.filter((e) => e.event.type === 'notify.sipfrag').length === 2, 'two NOTIFYs');
    await t!.node.serviceCalls.hangup({ callids: [req.callid] }, ctx);
    ok(await phone.done);
    await settled();
    expect(kinds()).toEqual(['sip.provisional 180', 'sip.answered 200', 'refer.accepted', 'notify.sipfrag', 'notify.sipfrag']);
    const frags = events.flatMap(({ event }) => (event.type === 'notify.sipfrag' ? [event.sipfrag.split(/\r?\n/)[0]] : []));
    expect(frags).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']);
  });

  it('an INVITE with Replaces goes to the device holding the leg and names its dialog as that device holds it (RFC 3891 §3); the device takes it and BYEs the old dialog, and the other party gets BYE', async () => {
    const port = await freePort();
    await node(port, MD5_FIRST);
    // The callee runs two SIPp calls: its b leg, then the service call (see the scenario).
    const callee = uas('uas-replaced.xml', port, { calls: 2, extra: ['-key', 'node_port', String(t!.port)] });
    const caller = startSipp({
      scenario: scenario('uac-wait-bye.xml'),
      remotePort: t!.port,
      localPort: await freePort(),
      service: '12',
      user: 'sip1',
      password: 'secret1',
      timeoutS: 15,
      extra: ['-auth_uri', `12@${DOMAIN}`],
    });
    await until(() => [...t!.store.all()].some((e) => e.dialog.status === 'dialog'), 'the B2B call to be answered');
    const dialog = [...t!.store.all()][0]!.dialog;
    const yLeg = dialog.legs.find((l) => l.side === 'b')!;
    const req = request({ to: `sip:12@${DOMAIN}`, replaces: yLeg.callid, referredBy: `<sip:11@${DOMAIN}>` });
    await t!.node.serviceCalls.placeCall(req, ctx);
    await until(() => events.some((e) => e.event.type === 'sip.answered' || e.event.type === 'sip.failed'), 'the answer');
    expect(kinds()).toEqual(['sip.answered 200']);
    // X is released: the old dialog's BYE ended the B2B call, and the caller got BYE.
    ok(await caller.done);
    await until(() => t!.store.get(dialog.dialogid) === undefined, 'the replaced call to end');
    expect(t!.events.filter((e) => e.dialogid === dialog.dialogid).at(-1)).toMatchObject({ type: 'end', cause: 'bye-b' });

    await t!.node.serviceCalls.hangup({ callids: [req.callid] }, ctx);
    ok(await callee.done);
    await settled();
  });

  /**
   * A POST-like transfer: the service call to X (sip2, 12) is answered and REFERs X to 13 (sip3, a
   * second SIPp UAS); X's device calls 13 through the node, copying Referred-By under `rbHeader`.
   */
  async function referredCall(rbHeader: string): Promise<void> {
    const port = await freePort();
    const zPort = await freePort();
    await node(port, { ...MD5_FIRST, statics: { sip3: `sip:127.0.0.1:${zPort}` } });
    const target = uas('uas-answer.xml', zPort, { pauseMs: 50 });
    const referee = uas('uas-refer-invite.xml', port, {
      extra: ['-key', 'node_port', String(t!.port), '-key', 'rb_header', rbHeader, '-au', 'sip2', '-ap', 'secret2', '-auth_uri', `13@${DOMAIN}`],
    });
    const req = request({ bindings: ['crm-42'] });
    await t!.node.serviceCalls.placeCall(req, ctx);
    await until(() => events.some((e) => e.event.type === 'sip.answered'), 'the answer');
    await t!.node.serviceCalls.sendRefer({ callid: req.callid, referTo: '13' }, ctx);
    const frags = () => events.flatMap(({ event }) => (event.type === 'notify.sipfrag' ? [event] : []));
    await until(() => frags().length === 3, 'three NOTIFYs');

    // The referred call: X's INVITE (Call-ID "ref///<service Call-ID>") through the node to 13.
    const acallid = `ref///${req.callid}`;
    const stored = [...t!.store.all()].map((e) => e.dialog).find((d) => d.acallid === acallid);
    expect(stored, 'the referred call in the store').toBeDefined();
    expect(stored!.opts).toEqual({ 'referred-by': `<sip:100@${DOMAIN}>`, bindings: ['crm-42'] });
    // The 100 Trying came before the INVITE: nothing to name yet. The 180 and the 200 name it.
    expect(frags().map((f) => [f.sipfrag.split(/\r?\n/)[0], f.acallid, f.dialogid])).toEqual([
      ['SIP/2.0 100 Trying', undefined, undefined],
      ['SIP/2.0 180 Ringing', acallid, stored!.dialogid],
      ['SIP/2.0 200 OK', acallid, stored!.dialogid],
    ]);
    // Its call events carry the labels too.
    expect(t!.events.find((e) => e.dialogid === stored!.dialogid && e.type === 'answer')?.bindings).toEqual(['crm-42']);

    await t!.node.serviceCalls.hangup({ callids: [req.callid] }, ctx);
    ok(await referee.done);
    ok(await target.done);
    await settled();
    await until(() => t!.store.size === 0, 'the referred call to end');
    expect(kinds()).toEqual(['sip.provisional 180', 'sip.answered 200', 'refer.accepted', 'notify.sipfrag', 'notify.sipfrag', 'notify.sipfrag']);
  }

  it('the referee copies Referred-By into the referred request: the INVITE is recognised by our token, every later NOTIFY carries its acallid and dialogid, the new dialog has the bindings and opts.referred-by', async () => {
    await referredCall('Referred-By');
  });

  it('a referee that drops Referred-By: its first call to the Refer-To target after the 202 is the referred call', async () => {
    await referredCall('X-Not-Referred-By');
  });

  it('node.stop() CANCELs a ringing service call', async () => {
    const port = await freePort();
    await node(port);
    const phone = uas('uas-ring.xml', port);
    await t!.node.serviceCalls.placeCall(request(), ctx);
    await until(() => events.length > 0, 'the ringing');
    const stopping = t!;
    t = undefined;
    await stopping.stop();
    ok(await phone.done);
    expect(kinds()).toEqual(['sip.provisional 180', 'sip.failed 487']);
    expect(stopping.node.counts().mediaSessions).toBe(0);
  });

  it('REFER refused with 603: refer.rejected', async () => {
    const port = await freePort();
    await node(port);
    const phone = uas('uas-refer-reject.xml', port);
    const req = request();
    await t!.node.serviceCalls.placeCall(req, ctx);
    await until(() => events.some((e) => e.event.type === 'sip.answered'), 'the answer');
    await t!.node.serviceCalls.sendRefer({ callid: req.callid, referTo: '13' }, ctx);
    await until(() => events.some((e) => e.event.type === 'refer.rejected'), 'the refusal');
    await t!.node.serviceCalls.hangup({ callids: [req.callid] }, ctx);
    ok(await phone.done);
    await settled();
    expect(events.map((e) => e.event).slice(2)).toEqual([{ type: 'refer.rejected', status: 603, reason: 'Declined' }]);
  });
});

describe('service calls: what cannot be sent throws', () => {
  it('no route, no contact, REFER on an unknown call, DTMF, joins and sdpFrom of unknown calls', async () => {
    t = await startTestNode({});
    const sc = t.node.serviceCalls;
    await expect(sc.placeCall(request({ to: '99' }), ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_ROUTE' });
    // sip3 (13) has no contact.
    await expect(sc.placeCall(request({ to: '13' }), ctx)).rejects.toBeInstanceOf(B2buaError);
    await expect(sc.sendRefer({ callid: 'rIV-001-nope', referTo: '12' }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_CALL' });
    // Replaces of a leg no answered call has; a Referred-By that is no SIP URI.
    await expect(sc.placeCall(request({ replaces: 'no-such-leg' }), ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_CALL' });
    await expect(sc.placeCall(request({ referredBy: 'not a uri' }), ctx)).rejects.toMatchObject({ code: 'B2BUA_BAD_REQUEST' });
    await expect(sc.sendDtmf({ target: { callid: 'x' }, digits: '1', proto: 'rfc2833' }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_CALL' });
    await expect(sc.sendDtmf({ target: { dialogid: 'rDlg-001-nope00', side: 'b' }, digits: '1', proto: 'sipinfo' }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_DIALOG' });
    await expect(sc.sendDtmf({ target: { callid: 'x' }, digits: '1x', proto: 'rfc2833' }, ctx)).rejects.toMatchObject({ code: 'B2BUA_BAD_REQUEST' });
    await expect(sc.joinLegs({ callids: ['a', 'b'], bindings: [] }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_CALL' });
    await expect(sc.placeCall(request({ to: 'sip:12@127.0.0.1:9', sdpFrom: 'rIV-001-nope' }), ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_CALL' });
    await sc.hangup({ callids: ['rIV-001-unknown'] }, ctx);
    expect(sc.size).toBe(0);
  });
});
