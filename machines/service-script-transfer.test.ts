// REFER (with transfer back on failure), REFERREPLACES and SWITCHCONF's per-party script, and
// INVITE's third-party call control, as pure transition() steps.
import { describe, expect, it } from 'vitest';
import { inviteAnswer, referAnswer, referReplacesAnswer } from './checkpoints.ts';
import { ScriptStepper } from './service-script-test-kit.ts';
import { loadBuiltinScript } from '../service-scripts/load.ts';

const IVR = 'rIV-001-referreferreferreferreferre';

describe('REFER script (blind transfer, back to X on failure)', () => {
  const script = loadBuiltinScript('refer');
  const start = (referto = '13') =>
    new ScriptStepper(script, {
      params: { y: 'sip:sip3@test.rootdomain.ru', y_callid: 'y-leg@10.0.0.3', x: '<sip:11@test.rootdomain.ru>', x_number: '11', referto },
      callids: { ivr: IVR },
    });
  const accepted = { type: 'refer.accepted', callid: IVR } as const;

  it('INVITEs Y with Replaces of its leg and Referred-By X, then REFERs Y to Z', () => {
    const s = start();
    expect(s.actor('placeCall').input).toMatchObject({
      to: 'sip:sip3@test.rootdomain.ru',
      replaces: 'y-leg@10.0.0.3',
      referredBy: '<sip:11@test.rootdomain.ru>',
      timeoutMs: 30_000,
    });
    s.send({ type: 'sip.answered', callid: IVR });
    expect(s.actor('sendRefer').input).toEqual({ step: 'transfer', leg: 'ivr', callid: IVR, target: '13' });
  });

  it('Z busy (NOTIFY 486) → transfers Y back to X; the answer keeps Z\'s status line', () => {
    const s = start();
    s.send({ type: 'sip.answered', callid: IVR }).complete('sendRefer').send(accepted);
    s.send({ type: 'notify.sipfrag', callid: IVR, sipfrag: 'SIP/2.0 180 Ringing', acallid: 'yz@10.0.0.3', dialogid: 'rDlg-001-JKNked' });
    s.send({ type: 'notify.sipfrag', callid: IVR, sipfrag: 'SIP/2.0 486 Busy Here' });
    expect(s.state).toBe('transferBack.awaiting.sending');
    expect(s.actor('sendRefer').input).toEqual({ step: 'transferBack', leg: 'ivr', callid: IVR, target: '11' });
    expect(s.progress).toMatchObject({ checkpoint: 4, last_response: 'SIP/2.0 486 Busy Here' });

    // The way back rings X: it must not overwrite what the answer says about Z.
    s.send(accepted).send({ type: 'notify.sipfrag', callid: IVR, sipfrag: 'SIP/2.0 180 Ringing' });
    s.send({ type: 'notify.sipfrag', callid: IVR, sipfrag: 'SIP/2.0 200 OK' });
    expect(s.state).toBe('release.hanging');
    s.complete('hangup');
    expect(s.done).toBe(true);
    expect(referAnswer(s.progress, { dialogid: 'rDlg-001-WOabz0' })).toEqual({
      dialogid: 'rDlg-001-WOabz0',
      result: 'ok',
      ivrcallid: IVR,
      new_acallid: 'yz@10.0.0.3',
      new_last_response: 'SIP/2.0 486 Busy Here',
      new_dialogid: 'rDlg-001-JKNked',
    });
  });

  it('Y refusing the REFER also sends Y back, and the result says error', () => {
    const s = start();
    s.send({ type: 'sip.answered', callid: IVR }).send({ type: 'refer.rejected', callid: IVR, status: 405, reason: 'Method Not Allowed' });
    expect(s.state).toBe('transferBack.awaiting.sending');
    expect(s.progress.result).toBe('error');
  });

  it('no NOTIFY at all → unknown, and Y is not moved back (it may be talking to Z)', () => {
    const s = start();
    s.send({ type: 'sip.answered', callid: IVR }).send(accepted).fire('transfer.notify');
    expect(s.state).toBe('release.hanging');
    expect(s.progress.result).toBe('unknown');
  });

  it('Y rejecting the INVITE with Replaces → rejected, nothing else tried', () => {
    const s = start();
    s.send({ type: 'sip.failed', callid: IVR, status: 481, reason: 'Call/Transaction Does Not Exist' });
    expect(s.done).toBe(true);
    expect(referAnswer(s.progress, { dialogid: 'rDlg-001-WOabz0' })).toEqual({
      dialogid: 'rDlg-001-WOabz0',
      result: 'rejected',
      ivrcallid: IVR,
      new_last_response: 'SIP/2.0 481 Call/Transaction Does Not Exist',
    });
  });

  it('DTMF after the first , of referto goes to Z once Z answers', () => {
    const s = start('13,55');
    s.send({ type: 'sip.answered', callid: IVR }).send(accepted);
    expect(s.actor('sendRefer').input).toMatchObject({ target: '13' });
    s.send({ type: 'notify.sipfrag', callid: IVR, sipfrag: 'SIP/2.0 200 OK', dialogid: 'rDlg-001-newnew' });
    expect(s.actor('sendDtmf').input).toEqual({ step: 'predial', target: { dialogid: 'rDlg-001-newnew', side: 'b' }, digits: '55', proto: 'rfc2833' });
  });
});

describe('REFERREPLACES script', () => {
  it('REFERs Y to Z with Replaces of the slave leg', () => {
    const s = new ScriptStepper(loadBuiltinScript('referreplaces'), {
      params: { y: 'sip:y@d', y_callid: 'y@1', x: '<sip:x@d>', z: 'sip:z@d', z_callid: 'z@1' },
      callids: { ivr: IVR },
    });
    s.send({ type: 'sip.answered', callid: IVR });
    expect(s.actor('sendRefer').input).toEqual({ step: 'transfer', leg: 'ivr', callid: IVR, target: 'sip:z@d', replaces: 'z@1' });
    s.send({ type: 'notify.sipfrag', callid: IVR, sipfrag: 'SIP/2.0 200 OK', acallid: 'yz@1', dialogid: 'rDlg-001-RqNtEp' }).complete('hangup');
    expect(referReplacesAnswer(s.progress, { masterdialogid: 'rDlg-001-HKO7cn', slavedialogid: 'rDlg-001-YWR7ts' })).toEqual({
      masterdialogid: 'rDlg-001-HKO7cn',
      slavedialogid: 'rDlg-001-YWR7ts',
      result: 'ok',
      ivrcallid: IVR,
      new_acallid: 'yz@1',
      new_last_response: 'SIP/2.0 200 OK',
      new_dialogid: 'rDlg-001-RqNtEp',
    });
  });
});

describe('INVITE script (RFC 3725 third-party call control)', () => {
  const X = 'rIV-001-xxxxxxxxxxxxxxxxxxxxxxxxxxx';
  const Y = 'rIV-001-yyyyyyyyyyyyyyyyyyyyyyyyyyy';
  const start = (to = '12') =>
    new ScriptStepper(loadBuiltinScript('invite'), {
      params: { from: '11', to, from_number: '11', domain: 'd' },
      callids: { x: X, y: Y },
    });

  it('calls X, then Y offering X\'s session, then joins them', () => {
    const s = start('12,9');
    s.send({ type: 'sip.provisional', callid: X, status: 180, reason: 'Ringing' }).send({ type: 'sip.answered', callid: X });
    expect(s.progress.checkpoint).toBe(2);
    expect(s.state).toBe('dialY.placing');
    expect(s.actor('placeCall').input).toEqual({
      step: 'dialY',
      leg: 'y',
      callid: Y,
      to: '12',
      callerid: '11',
      timeoutMs: 60_000,
      headers: {},
      sdpFrom: X,
    });
    s.send({ type: 'sip.provisional', callid: Y, status: 180, reason: 'Ringing' });
    expect(s.progress).toMatchObject({ checkpoint: 3, last_response: 'SIP/2.0 180 Ringing' });
    s.send({ type: 'sip.answered', callid: Y, status: 200, reason: 'OK' });
    expect(s.progress).toMatchObject({ checkpoint: 4, last_response: 'SIP/2.0 200 OK' });
    expect(s.actor('joinLegs').input).toEqual({ step: 'join', callids: [X, Y] });
    s.complete('joinLegs', { dialogid: 'rDlg-001-joined', acallid: X });
    expect(s.actor('sendDtmf').input).toEqual({ step: 'predial', target: { callid: Y }, digits: '9', proto: 'rfc2833' });
    s.complete('sendDtmf');
    expect(s.done).toBe(true);
    expect(inviteAnswer(s.progress)).toEqual({
      result: 'ok',
      ivrcallid: X,
      acallid: X,
      last_response: 'SIP/2.0 200 OK',
      dialogid: 'rDlg-001-joined',
    });
  });

  it('Y busy → X is released; the answer carries Y\'s status line', () => {
    const s = start();
    s.send({ type: 'sip.answered', callid: X }).send({ type: 'sip.failed', callid: Y, status: 486, reason: 'Busy Here' });
    expect(s.state).toBe('releaseX.hanging');
    expect(s.actor('hangup').input).toEqual({ step: 'releaseX', callids: [X] });
    s.complete('hangup');
    expect(s.progress).toMatchObject({ result: 'ok', checkpoint: 5, last_response: 'SIP/2.0 486 Busy Here' });
  });

  it('Y\'s INVITE could not be sent (placeCall failed: nothing heard) → X is released, result error', () => {
    const s = start();
    s.send({ type: 'sip.answered', callid: X }).fail('placeCall');
    expect(s.state).toBe('releaseX.hanging');
    s.complete('hangup');
    expect(s.progress).toMatchObject({ result: 'error', checkpoint: 5 });
    expect(inviteAnswer(s.progress)).toMatchObject({ result: 'error', ivrcallid: X });
  });

  it('X hanging up while Y rings → Y is cancelled, result bye', () => {
    const s = start();
    s.send({ type: 'sip.answered', callid: X }).send({ type: 'sip.provisional', callid: Y, status: 180, reason: 'Ringing' });
    s.send({ type: 'sip.bye', callid: X });
    expect(s.state).toBe('abandon.hanging');
    expect(s.actor('hangup').input).toEqual({ step: 'abandon', callids: [Y] });
    s.complete('hangup');
    expect(s.progress).toMatchObject({ result: 'bye', over: true });
  });

  it('Y ringing past its timeout → cancelled, X released through the failed route', () => {
    const s = start();
    s.send({ type: 'sip.answered', callid: X }).send({ type: 'sip.provisional', callid: Y, status: 180, reason: 'Ringing' });
    s.fire('dialY.timeout');
    expect(s.progress).toMatchObject({ checkpoint: 4, result: 'ok' });
    s.complete('hangup');
    expect(s.state).toBe('releaseX.hanging');
  });
});
