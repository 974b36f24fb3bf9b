// Third-party call control (RFC 3725) and DTMF on the SIP node, with SIPp phones on loopback UDP and
// plain UDP sockets as their media: the node calls X, then Y offering X's session (sdpFrom: the
// relay ports of X's session facing Y), joins the two into one dialog of the call store, and sends
// DTMF both as RFC 4733 events and as SIP INFO. Skipped when sipp (Debian sip-tester) is missing.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PlaceCallRequest, SipRequestContext } from '../../activities/sip-activities.ts';
import { parseTelephoneEvent } from '../../media/dtmf/telephone-event.ts';
import { TestPhone, rtpPacket } from '../../media/test-phone.ts';
import type { SipEventBody } from '../../operations/sip-event-router.ts';
import { DOMAIN, freePort, startTestNode, until, type TestNode } from './helpers/node.ts';
import { explain, hasSipp, killAllSipp, scenario, startSipp, type SippOptions, type SippResult } from './helpers/sipp.ts';

if (!hasSipp) console.warn('sipp not found: skipping the third-party call control SIPp tests (apt-get install -y sip-tester)');

let t: TestNode | undefined;
let events: Array<{ callid: string; event: SipEventBody }> = [];
const phones: TestPhone[] = [];
const ctx: SipRequestContext = { workflowId: 'op-invite-test', activityId: '1', attempt: 1 };

/** X is sip1 (11), Y is sip2 (12), each a SIPp UAS on its own port. */
async function node(xPort: number, yPort: number, o: Parameters<typeof startTestNode>[0] = {}): Promise<TestNode> {
  t = await startTestNode({ statics: { sip1: `sip:127.0.0.1:${xPort}`, sip2: `sip:127.0.0.1:${yPort}` }, ...o });
  events = [];
  t.node.serviceCalls.onServiceCallEvent((callid, event) => events.push({ callid, event }));
  return t;
}

async function device(): Promise<TestPhone> {
  const p = await TestPhone.open('127.0.0.1');
  phones.push(p);
  return p;
}

let seq = 0;
function call(to: string, o: Partial<PlaceCallRequest> = {}): PlaceCallRequest {
  seq++;
  return {
    callid: `rIV-001-${String(seq).padStart(4, '0')}${'0123456789abcdef0123456789a'.slice(4)}`,
    to,
    domain: DOMAIN,
    from: `sip:100@${DOMAIN}`,
    callerid: '100',
    callername: 'callmanager',
    timeoutSec: 30,
    headers: {},
    bindings: [],
    ...o,
  };
}

function uas(file: string, port: number, o: Partial<SippOptions> = {}) {
  return startSipp({ scenario: scenario(file), localPort: port, timeoutS: 20, ...o });
}

const ok = (r: SippResult) => expect(r.code, explain(r)).toBe(0);
const answered = (callid: string) => until(() => events.some((e) => e.callid === callid && e.event.type === 'sip.answered'), `${callid} to answer`);

/** The relay session of a service call: its id is `svc:<Call-ID>`. */
function sessionOf(callid: string) {
  const s = t!.node.media.sessionStats().find((x) => x.id === `svc:${callid}`);
  if (!s) throw new Error(`no relay session for ${callid}`);
  return s;
}

/** RFC 4733 packets among what a device received, as [event, end, duration]. */
function dtmfAt(p: TestPhone, pt = 101) {
  return p.received.flatMap(({ msg }) => {
    const e = parseTelephoneEvent(msg);
    return e && e.payloadType === pt ? [e] : [];
  });
}

async function over(): Promise<void> {
  await until(() => t!.node.counts().dialogs === 0 && t!.store.size === 0, 'the joined call to end');
  await until(() => t!.node.serviceCalls.size === 0 && t!.node.counts().mediaSessions === 0, 'the media session to close');
  expect(t!.node.joinedCalls.counts()).toEqual({ calls: 0, dialogs: 0, callids: 0, sessions: 0 });
}

afterEach(async () => {
  killAllSipp();
  await t?.stop();
  t = undefined;
  for (const p of phones.splice(0)) p.socket.close();
});

afterAll(() => killAllSipp());

describe.skipIf(!hasSipp)('third-party call control (RFC 3725) and DTMF on the SIP node', () => {
  it('the controller calls X, then offers Y the session X answered (the relay ports facing Y), joins both into one dialog; media flows X ↔ relay ↔ Y; DTMF goes as RFC 4733 events and as INFO; a BYE from X ends Y too', async () => {
    const [xPort, yPort] = [await freePort(), await freePort()];
    await node(xPort, yPort);
    const xDev = await device();
    const yDev = await device();
    const logFile = join(tmpdir(), `callctl-3pcc-${process.pid}-${Date.now()}.log`);
    const x = uas('uas-3pcc-x.xml', xPort, { pauseMs: 200, extra: ['-key', 'dev_rtp', String(xDev.port), '-key', 'node_port', String(t!.port)] });
    const y = uas('uas-3pcc-y.xml', yPort, { extra: ['-key', 'dev_rtp', String(yDev.port), '-trace_logs', '-log_file', logFile] });
    try {
      const sc = t!.node.serviceCalls;
      const cx = call('11');
      await sc.placeCall(cx, ctx);
      await answered(cx.callid);
      const relay = sessionOf(cx.callid);

      // Before the join, a service call's device already takes RFC 4733 events (X agreed to 101).
      await sc.sendDtmf({ target: { callid: cx.callid }, digits: '9', proto: 'rfc2833' }, ctx);
      expect(dtmfAt(xDev).map((e) => [e.event, e.end])).toEqual([...Array(7).fill([9, false]), [9, true], [9, true], [9, true]]);
      expect(xDev.received.every((r) => r.from.port === relay.b.local.rtpPort)).toBe(true);

      const cy = call('12', { callerid: '11', callername: '', sdpFrom: cx.callid });
      await sc.placeCall(cy, ctx);
      await answered(cy.callid);
      // One relay session for both calls: no second one, nothing re-offered to X.
      expect(t!.node.media.sessionStats().map((s) => s.id)).toEqual([`svc:${cx.callid}`]);

      const joined = await sc.joinLegs({ callids: [cx.callid, cy.callid], bindings: ['crm-7'] }, ctx);
      expect(joined.acallid).toBe(cx.callid);
      const d = t!.store.get(joined.dialogid)!.dialog;
      expect(d).toMatchObject({
        dialogid: joined.dialogid,
        acallid: cx.callid,
        callids: [cy.callid, cx.callid],
        status: 'dialog',
        localuri: `<sip:12@${DOMAIN}>`,
        remoteuri: `<sip:11@${DOMAIN}>`,
        site: 'SITE1',
        opts: { bindings: ['crm-7'] },
      });
      expect(d.legs).toEqual([
        { callid: cx.callid, expirets: 'undefined', localuri: `<sip:12@${DOMAIN}>`, remoteuri: `<sip:11@${DOMAIN}>`, side: 'a' },
        { callid: cy.callid, expirets: 'undefined', localuri: `<sip:11@${DOMAIN}>`, remoteuri: `<sip:12@${DOMAIN}>`, side: 'b' },
      ]);
      expect(t!.store.byCallId(cy.callid)).toEqual([joined.dialogid]);
      expect(t!.store.get(joined.dialogid)!.participants.map((p) => p.login)).toEqual(['sip1', 'sip2']);
      expect(t!.node.counts().dialogs).toBe(1);
      // The legs are the dialog's now, not service calls.
      expect(sc.size).toBe(0);
      expect(t!.events.filter((e) => e.dialogid === joined.dialogid).map((e) => [e.type, e.bindings])).toEqual([
        ['start', ['crm-7']],
        ['answer', ['crm-7']],
      ]);

      // RTP from X's device reaches Y's and back, through the relay (counted at the receiving socket).
      const before = yDev.received.length;
      for (let i = 1; i <= 5; i++) await xDev.send(rtpPacket(i, 0x1111), relay.b.local.rtpPort);
      await until(() => yDev.received.length >= before + 5, 'X\'s RTP at Y');
      for (let i = 1; i <= 4; i++) await yDev.send(rtpPacket(i, 0x2222), relay.a.local.rtpPort);
      await until(() => xDev.received.filter((r) => r.msg.readUInt32BE(8) === 0x2222).length === 4, 'Y\'s RTP at X');
      expect(yDev.received.slice(before).every((r) => r.from.port === relay.a.local.rtpPort && r.msg.readUInt32BE(8) === 0x1111)).toBe(true);

      // DTMF by INFO to Y (by its Call-ID, as the invite script does after the join): one INFO per digit.
      await sc.sendDtmf({ target: { callid: cy.callid }, digits: '12', proto: 'sipinfo' }, ctx);
      // RFC 4733 events to the dialog's side b (Y), with the payload type Y agreed.
      await sc.sendDtmf({ target: { dialogid: joined.dialogid, side: 'b' }, digits: '5#', proto: 'rfc2833' }, ctx);
      const ev = dtmfAt(yDev);
      expect(ev).toHaveLength(20);
      expect(ev.filter((e) => e.marker).map((e) => e.event)).toEqual([5, 11]);
      expect(ev.filter((e) => e.end).map((e) => [e.event, e.duration])).toEqual([
        [5, 1280],
        [5, 1280],
        [5, 1280],
        [11, 1280],
        [11, 1280],
        [11, 1280],
      ]);
      for (let i = 1; i < ev.length; i++) expect(ev[i]!.sequence).toBe((ev[i - 1]!.sequence + 1) & 0xffff);

      // The cue: INFO '#' to X, which then hangs up; the node BYEs Y and the dialog ends.
      await sc.sendDtmf({ target: { dialogid: joined.dialogid, side: 'a' }, digits: '#', proto: 'sipinfo' }, ctx);
      ok(await x.done);
      ok(await y.done);
      await over();
      expect(t!.events.filter((e) => e.dialogid === joined.dialogid).map((e) => [e.type, e.cause])).toEqual([
        ['start', undefined],
        ['answer', undefined],
        ['end', 'bye-a'],
      ]);
      // No event reaches the operation about the joined legs' BYE.
      expect(events.map((e) => e.event.type)).toEqual(['sip.provisional', 'sip.answered', 'sip.provisional', 'sip.answered']);

      // Y was offered X's relay session, on its side facing Y, with X's codec and telephone-event.
      const log = readFileSync(logFile, 'utf8');
      expect(log).toContain(`offer 127.0.0.1 ${relay.a.local.rtpPort} 0 101 te 101`);
    } finally {
      rmSync(logFile, { force: true });
    }
  });

  it('DELETE of the joined dialog (the API\'s hangup) sends BYE to both devices; events end with cause hangup', async () => {
    const [xPort, yPort] = [await freePort(), await freePort()];
    await node(xPort, yPort);
    const x = uas('uas-answer.xml', xPort, { pauseMs: 50 });
    const y = uas('uas-answer.xml', yPort, { pauseMs: 50 });
    const sc = t!.node.serviceCalls;
    const cx = call('11');
    await sc.placeCall(cx, ctx);
    await answered(cx.callid);
    const cy = call('12', { sdpFrom: cx.callid });
    // One borrower at a time: a second call offering X's session while Y's lives is refused.
    await sc.placeCall(cy, ctx);
    await expect(sc.placeCall(call('12', { sdpFrom: cx.callid }), ctx)).rejects.toMatchObject({ code: 'B2BUA_NOT_SUPPORTED' });
    await answered(cy.callid);
    const { dialogid } = await sc.joinLegs({ callids: [cx.callid, cy.callid], bindings: [] }, ctx);
    // The devices agreed to no telephone-event: no RFC 4733 events for them.
    await expect(sc.sendDtmf({ target: { dialogid, side: 'a' }, digits: '1', proto: 'rfc2833' }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NOT_SUPPORTED' });
    // A joined call's legs are no service calls any more: hangup skips them, a second join fails.
    await sc.hangup({ callids: [cx.callid] }, ctx);
    await expect(sc.joinLegs({ callids: [cx.callid, cy.callid], bindings: [] }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_CALL' });
    expect(t!.store.get(dialogid)?.dialog.status).toBe('dialog');
    await t!.node.calls.hangup(dialogid);
    ok(await x.done);
    ok(await y.done);
    await over();
    expect(t!.events.filter((e) => e.dialogid === dialogid && e.type === 'end').map((e) => e.cause)).toEqual(['hangup']);
    await expect(t!.node.calls.hangup(dialogid)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_DIALOG' });
  });

  it('joining two calls whose media do not meet (no sdpFrom) is refused and both stay service calls', async () => {
    const [xPort, yPort] = [await freePort(), await freePort()];
    await node(xPort, yPort);
    const x = uas('uas-answer.xml', xPort, { pauseMs: 50 });
    const y = uas('uas-answer.xml', yPort, { pauseMs: 50 });
    const sc = t!.node.serviceCalls;
    const [cx, cy] = [call('11'), call('12')];
    await sc.placeCall(cx, ctx);
    await sc.placeCall(cy, ctx);
    await answered(cx.callid);
    await answered(cy.callid);
    await expect(sc.joinLegs({ callids: [cx.callid, cy.callid], bindings: [] }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NOT_SUPPORTED' });
    await expect(sc.joinLegs({ callids: [cx.callid, cx.callid], bindings: [] }, ctx)).rejects.toMatchObject({ code: 'B2BUA_BAD_REQUEST' });
    expect(sc.size).toBe(2);
    expect(t!.store.size).toBe(0);
    await sc.hangup({ callids: [cx.callid, cy.callid] }, ctx);
    ok(await x.done);
    ok(await y.done);
    await over();
  });

  it('node.stop() ends a joined dialog: BYE to both devices, nothing left open', async () => {
    const [xPort, yPort] = [await freePort(), await freePort()];
    await node(xPort, yPort);
    const x = uas('uas-answer.xml', xPort, { pauseMs: 50 });
    const y = uas('uas-answer.xml', yPort, { pauseMs: 50 });
    const sc = t!.node.serviceCalls;
    const cx = call('11');
    await sc.placeCall(cx, ctx);
    await answered(cx.callid);
    const cy = call('12', { sdpFrom: cx.callid });
    await sc.placeCall(cy, ctx);
    await answered(cy.callid);
    const { dialogid } = await sc.joinLegs({ callids: [cx.callid, cy.callid], bindings: [] }, ctx);
    const stopping = t!;
    t = undefined;
    await stopping.stop();
    ok(await x.done);
    ok(await y.done);
    const c = stopping.node.counts();
    expect({ dialogs: c.dialogs, mediaSessions: c.mediaSessions, sockets: c.socketsOpen, stored: stopping.store.size }).toEqual({ dialogs: 0, mediaSessions: 0, sockets: 0, stored: 0 });
    expect(stopping.events.filter((e) => e.dialogid === dialogid && e.type === 'end').map((e) => e.cause)).toEqual(['shutdown']);
  });

  it('DTMF to a side of a B2B call (as the REFER script sends Z its digits): RFC 4733 events from the relay socket facing it, and INFO in its dialog', async () => {
    const [callerPort, zPort] = [await freePort(), await freePort()];
    // SIPp answers digest challenges with MD5 only.
    t = await startTestNode({ digestAlgorithms: ['MD5', 'SHA-256'], statics: { sip2: `sip:127.0.0.1:${zPort}` } });
    const zDev = await device();
    const z = uas('uas-dtmf-b2b.xml', zPort, { extra: ['-key', 'dev_rtp', String(zDev.port)] });
    // sip1 calls 12 through the node, offering telephone-event.
    const caller = startSipp({
      scenario: scenario('uac-dtmf-wait-bye.xml'),
      remotePort: t.port,
      localPort: callerPort,
      service: '12',
      user: 'sip1',
      password: 'secret1',
      timeoutS: 20,
      extra: ['-auth_uri', `12@${DOMAIN}`],
    });
    await until(() => [...t!.store.all()].some((e) => e.dialog.status === 'dialog'), 'the B2B call to be answered');
    const { dialogid } = [...t.store.all()][0]!.dialog;
    const sc = t.node.serviceCalls;
    await sc.sendDtmf({ target: { dialogid, side: 'b' }, digits: '7', proto: 'rfc2833' }, ctx);
    const ev = dtmfAt(zDev);
    expect(ev.map((e) => [e.event, e.end])).toEqual([...Array(7).fill([7, false]), [7, true], [7, true], [7, true]]);
    const relay = t.node.media.sessionStats().find((s) => s.id === dialogid)!;
    expect(zDev.received.every((r) => r.from.port === relay.b.local.rtpPort)).toBe(true);
    await sc.sendDtmf({ target: { dialogid, side: 'b' }, digits: '4', proto: 'sipinfo' }, ctx);
    await t.node.calls.hangup(dialogid);
    ok(await z.done);
    ok(await caller.done);
    await until(() => t!.store.size === 0 && t!.node.counts().mediaSessions === 0, 'the call to end');
    await expect(sc.sendDtmf({ target: { dialogid, side: 'b' }, digits: '1', proto: 'rfc2833' }, ctx)).rejects.toMatchObject({ code: 'B2BUA_NO_SUCH_DIALOG' });
  });

  it('a joined call with no RTP from either device for the media timeout ends like a B2B call (BYE both)', async () => {
    const [xPort, yPort] = [await freePort(), await freePort()];
    await node(xPort, yPort, { mediaTimeoutMs: 300 });
    const x = uas('uas-answer.xml', xPort, { pauseMs: 50 });
    const y = uas('uas-answer.xml', yPort, { pauseMs: 50 });
    const sc = t!.node.serviceCalls;
    const cx = call('11');
    await sc.placeCall(cx, ctx);
    await answered(cx.callid);
    const cy = call('12', { sdpFrom: cx.callid });
    await sc.placeCall(cy, ctx);
    await answered(cy.callid);
    // Service calls alone never time out (their a side is silent by design): only the join starts it.
    await new Promise((r) => setTimeout(r, 500));
    expect(sc.size).toBe(2);
    const { dialogid } = await sc.joinLegs({ callids: [cx.callid, cy.callid], bindings: [] }, ctx);
    ok(await x.done);
    ok(await y.done);
    await over();
    expect(t!.events.filter((e) => e.dialogid === dialogid && e.type === 'end').map((e) => e.cause)).toEqual(['media-timeout']);
  });
});
