// POST's built-in script (IVR→X, IVR REFER Y, X→Y) as pure transition() steps: no actor runs; each
// test checks the next state, the actors that would be invoked with their inputs, and the record.
import { describe, expect, it } from 'vitest';
import { postAnswer, reached } from './checkpoints.ts';
import { ScriptStepper } from './service-script-test-kit.ts';
import { loadBuiltinScript } from '../service-scripts/load.ts';

const IVR = 'rIV-001-0123456789abcdefghijklmnopq';
const script = loadBuiltinScript('post');

function start(params: Record<string, string | number | boolean> = {}) {
  return new ScriptStepper(script, { params: { from: '11', to: '12', domain: 'test.rootdomain.ru', ...params }, callids: { ivr: IVR } });
}

const provisional = { type: 'sip.provisional', callid: IVR, status: 180, reason: 'Ringing' } as const;
const answered = { type: 'sip.answered', callid: IVR } as const;
const sipfrag = (line: string, extra: Record<string, string> = {}) => ({ type: 'notify.sipfrag', callid: IVR, sipfrag: line, ...extra }) as const;

/** X answers and the REFER goes out. */
function toTransfer(s: ScriptStepper) {
  s.send(provisional).send(answered);
  expect(s.state).toBe('transfer.awaiting.sending');
  return s;
}

describe('POST script', () => {
  it('starts by ringing X with the defaults, checkpoint 0 carrying ivrcallid', () => {
    const s = start();
    expect(s.state).toBe('dial.placing');
    expect(s.actor('placeCall').input).toEqual({
      step: 'dial',
      leg: 'ivr',
      callid: IVR,
      to: '11',
      callerid: '100',
      callername: 'callmanager',
      timeoutMs: 30_000,
      headers: {},
    });
    expect(s.pendingDelays).toEqual(['dial.timeout']);
    expect(s.progress).toMatchObject({ checkpoint: 0, result: 'ok', ivrcallid: IVR });
    expect(reached(s.progress, 0)).toBe(true);
    expect(reached(s.progress, 1)).toBe(false);
    expect(postAnswer(s.progress)).toEqual({ result: 'ok', ivrcallid: IVR });
  });

  it('happy path: answer, REFER accepted, NOTIFY 180 → 3, NOTIFY 200 → 4, release → 5, ok', () => {
    const s = start({ calltimeout: 20 });
    expect(s.actor('placeCall').input).toMatchObject({ timeoutMs: 20_000 });
    s.complete('placeCall');
    expect(s.state).toBe('dial.ringing');

    s.send(provisional);
    expect(s.progress.checkpoint).toBe(1);
    s.send(answered);
    expect(s.progress.checkpoint).toBe(2);
    expect(s.state).toBe('transfer.awaiting.sending');
    expect(s.actor('sendRefer').input).toEqual({ step: 'transfer', leg: 'ivr', callid: IVR, target: '12' });
    expect(s.pendingDelays).toEqual(['transfer.notify']);

    s.complete('sendRefer').send({ type: 'refer.accepted', callid: IVR });
    expect(s.state).toBe('transfer.awaiting.sent');

    s.send(sipfrag('SIP/2.0 180 Ringing', { acallid: '3099649154@192.168.0.149', dialogid: 'rDlg-001-6FpTv2' }));
    expect(s.state).toBe('transfer.progressing');
    expect(s.progress).toMatchObject({ checkpoint: 3, last_response: 'SIP/2.0 180 Ringing', dialogid: 'rDlg-001-6FpTv2' });
    expect(s.pendingDelays).toEqual(['transfer.final']);
    expect(reached(s.progress, 3)).toBe(true);
    expect(reached(s.progress, 4)).toBe(false);

    s.send(sipfrag('SIP/2.0 183 Session Progress'));
    expect(s.state).toBe('transfer.progressing');

    s.send(sipfrag('SIP/2.0 200 OK'));
    expect(s.progress).toMatchObject({ checkpoint: 4, last_response: 'SIP/2.0 200 OK' });
    // No DTMF in `to`: the predial step passes straight on to releasing the service call.
    expect(s.state).toBe('release.hanging');
    expect(s.actor('hangup').input).toEqual({ step: 'release', callids: [IVR] });

    s.complete('hangup');
    expect(s.done).toBe(true);
    expect(s.progress).toMatchObject({ checkpoint: 5, over: true, result: 'ok', history: [0, 1, 2, 3, 4, 5] });
    expect(s.snapshot.output).toEqual(s.progress);
    expect(postAnswer(s.progress)).toEqual({
      result: 'ok',
      ivrcallid: IVR,
      acallid: '3099649154@192.168.0.149',
      last_response: 'SIP/2.0 200 OK',
      dialogid: 'rDlg-001-6FpTv2',
    });
  });

  it('sends the DTMF part of `to` to Y on the new dialog after Y answers, one second per pause', () => {
    const s = toTransfer(start({ to: "12,1'#," }));
    expect(s.actor('sendRefer').input).toMatchObject({ target: '12' });
    s.send({ type: 'refer.accepted', callid: IVR }).send(sipfrag('SIP/2.0 200 OK', { dialogid: 'rDlg-001-abcdef' }));
    expect(s.state).toBe('predial.sending');
    expect(s.actor('sendDtmf').input).toEqual({ step: 'predial', target: { dialogid: 'rDlg-001-abcdef', side: 'b' }, digits: '1', proto: 'rfc2833' });
    s.complete('sendDtmf');
    expect(s.state).toBe('predial.pause');
    expect(s.pendingDelays).toEqual(['dtmf.pause']);
    s.fire('dtmf.pause');
    expect(s.actor('sendDtmf').input).toMatchObject({ digits: '#' });
    s.complete('sendDtmf');
    s.fire('dtmf.pause');
    expect(s.state).toBe('release.hanging');
    expect(s.invoked.filter((a) => a.src === 'sendDtmf')).toHaveLength(2);
  });

  it('X busy → rejected with the status line in last_response, and no X→Y facts', () => {
    const s = start();
    s.send(provisional).send({ type: 'sip.failed', callid: IVR, status: 486, reason: 'Busy Here' });
    expect(s.done).toBe(true);
    expect(s.progress).toMatchObject({ checkpoint: 5, result: 'rejected', last_response: 'SIP/2.0 486 Busy Here', history: [0, 1, 2, 5] });
    expect(postAnswer(s.progress)).toEqual({ result: 'rejected', ivrcallid: IVR, last_response: 'SIP/2.0 486 Busy Here' });
  });

  it('X rings but never answers → the call is cancelled, result timeout', () => {
    const s = start();
    s.complete('placeCall').send(provisional).fire('dial.timeout');
    expect(s.state).toBe('dial.cancelling');
    expect(s.progress).toMatchObject({ checkpoint: 2, result: 'timeout' });
    expect(s.actor('hangup').input).toEqual({ step: 'dial', callids: [IVR] });
    // The 487 that answers our CANCEL changes nothing.
    s.send({ type: 'sip.failed', callid: IVR, status: 487, reason: 'Request Terminated' });
    expect(s.state).toBe('dial.cancelling');
    s.complete('hangup');
    expect(s.done).toBe(true);
    expect(s.progress.result).toBe('timeout');
  });

  it('no response at all within the timeout → error', () => {
    const s = start();
    s.fire('dial.timeout').complete('hangup');
    expect(s.progress).toMatchObject({ result: 'error', over: true });
  });

  it('placeCall failing (nothing sent) → error', () => {
    const s = start();
    s.fail('placeCall');
    expect(s.progress).toMatchObject({ result: 'error', checkpoint: 5 });
  });

  it('X hangs up before the REFER is accepted → bye', () => {
    const s = toTransfer(start());
    s.send({ type: 'sip.bye', callid: IVR });
    expect(s.done).toBe(true);
    expect(s.progress).toMatchObject({ result: 'bye', checkpoint: 5 });
    expect(s.context.legs.ivr?.status).toBe('ended');
  });

  it('X hanging up after the REFER was accepted is the transfer going normally', () => {
    const s = toTransfer(start());
    s.complete('sendRefer').send({ type: 'refer.accepted', callid: IVR }).send({ type: 'sip.bye', callid: IVR });
    expect(s.state).toBe('transfer.awaiting.sent');
    s.send(sipfrag('SIP/2.0 200 OK'));
    // The leg is already gone: nothing to hang up.
    expect(s.done).toBe(true);
    expect(s.invoked.some((a) => a.src === 'hangup')).toBe(false);
    expect(s.progress.result).toBe('ok');
  });

  it('REFER accepted but no NOTIFY within notifyTimeout → unknown', () => {
    const s = toTransfer(start());
    s.complete('sendRefer').send({ type: 'refer.accepted', callid: IVR }).fire('transfer.notify');
    expect(s.progress.result).toBe('unknown');
    expect(s.state).toBe('release.hanging');
    s.complete('hangup');
    expect(s.progress).toMatchObject({ result: 'unknown', checkpoint: 5, history: [0, 1, 2, 5] });
  });

  it('an unreadable NOTIFY body → unknown', () => {
    const s = toTransfer(start());
    s.send(sipfrag('garbage'));
    expect(s.progress.result).toBe('unknown');
    expect(s.state).toBe('release.hanging');
  });

  it('a 180 NOTIFY and then silence until finalTimeout → unknown, checkpoint 3 kept', () => {
    const s = toTransfer(start());
    s.send(sipfrag('SIP/2.0 180 Ringing')).fire('transfer.final');
    expect(s.progress).toMatchObject({ result: 'unknown', checkpoint: 3, last_response: 'SIP/2.0 180 Ringing' });
  });

  it('the device refusing the REFER → error', () => {
    const s = toTransfer(start());
    s.send({ type: 'refer.rejected', callid: IVR, status: 403, reason: 'Forbidden' });
    expect(s.progress.result).toBe('error');
    expect(s.state).toBe('release.hanging');
  });

  it('Y busy: checkpoint 4 with Y\'s status line; the result stays ok (it describes the service call)', () => {
    const s = toTransfer(start());
    s.send({ type: 'refer.accepted', callid: IVR }).send(sipfrag('SIP/2.0 486 Busy Here'));
    expect(s.progress).toMatchObject({ checkpoint: 4, result: 'ok', last_response: 'SIP/2.0 486 Busy Here' });
    expect(s.state).toBe('release.hanging');
  });

  it('intercom: dials through the feature code with auto-answer headers', () => {
    const s = start({ use_intercom: true, intercom_prefix: '*88' });
    expect(s.state).toBe('dialIntercom.placing');
    expect(s.actor('placeCall').input).toMatchObject({
      to: '*8811',
      headers: {
        'Call-Info': '<sip:test.rootdomain.ru>;answer-after=0',
        'Alert-Info': '<sip:test.rootdomain.ru>;info=alert-autoanswer',
      },
    });
    s.send(answered);
    expect(s.state).toBe('transfer.awaiting.sending');
  });

  it('cancel: releases the live leg, then ends with error', () => {
    const s = toTransfer(start());
    s.send({ type: 'cancel' });
    expect(s.state).toBe('__cancelled.hanging');
    expect(s.actor('hangup').input).toEqual({ step: '__cancelled', callids: [IVR] });
    s.send({ type: 'cancel' });
    expect(s.state).toBe('__cancelled.hanging');
    s.complete('hangup');
    expect(s.progress).toMatchObject({ result: 'error', over: true });
  });

  it('cancel while the service call is being hung up hangs it up again (the stopped actor may not have)', () => {
    const s = toTransfer(start());
    s.send({ type: 'refer.rejected', callid: IVR, status: 403, reason: 'Forbidden' });
    expect(s.state).toBe('release.hanging');
    s.send({ type: 'cancel' });
    expect(s.actor('hangup').input).toEqual({ step: '__cancelled', callids: [IVR] });
  });

  it('ignores events about other calls', () => {
    const s = start();
    s.send({ type: 'sip.answered', callid: 'someone-else' });
    expect(s.state).toBe('dial.placing');
    expect(s.progress.checkpoint).toBe(0);
  });
});
