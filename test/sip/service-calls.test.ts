// The node's ServiceCallPort (b2bua/service-calls.ts) against SIPp phones on loopback UDP: the node
// places the call itself (the operations' "IVR"), reports what the device does through `deliver`,
// hangs up (BYE/CANCEL) and REFERs. Skipped when sipp (Debian sip-tester) is not installed.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PlaceCallRequest, SipRequestContext } from '../../activities/sip-activities.ts';
import type { SipEventBody } from '../../operations/sip-event-router.ts';
import { B2buaError } from '../../b2bua/index.ts';
import { parseSipEvent } from '../../workflows/signals.ts';
import { DOMAIN, freePort, startTestNode, until, type TestNode } from './helpers/node.ts';
import { explain, hasSipp, killAllSipp, scenario, startSipp, type SippOptions, type SippResult } from './helpers/sipp.ts';

if (!hasSipp) console.warn('sipp not found: skipping the service-call SIPp tests (apt-get install -y sip-tester)');

let t: TestNode | undefined;
let events: Array<{ callid: string; event: SipEventBody }> = [];

const ctx: SipRequestContext = { workflowId: 'op-post-test', activityId: '1', attempt: 1 };

/** A node whose sip2 (number 12) is a SIPp UAS on `uasPort`; events are recorded. */
async function node(uasPort: number): Promise<TestNode> {
  t = await startTestNode({ statics: { sip2: `sip:127.0.0.1:${uasPort}` } });
  events = [];
  t.node.serviceCalls.onServiceCallEvent((callid, event) => events.push({ callid, event }));
  return t;
}

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
  it('no route, no contact, REFER on an unknown call, DTMF and joins not supported', async () => {
    t = await startTestNode({});
    const sc = t.node.serviceCalls;
    await expect(sc.placeCall(request({ to: '99' }), ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_ROUTE' });
    // sip3 (13) has no contact.
    await expect(sc.placeCall(request({ to: '13' }), ctx)).rejects.toBeInstanceOf(B2buaError);
    await expect(sc.sendRefer({ callid: 'rIV-001-nope', referTo: '12' }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_CALL' });
    await expect(sc.sendDtmf({ target: { callid: 'x' }, digits: '1', proto: 'rfc2833' }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NOT_SUPPORTED' });
    await expect(sc.joinLegs({ callids: ['a', 'b'], bindings: [] }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NOT_SUPPORTED' });
    await sc.hangup({ callids: ['rIV-001-unknown'] }, ctx);
    expect(sc.size).toBe(0);
  });
});
