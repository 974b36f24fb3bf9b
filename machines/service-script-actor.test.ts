// End to end with a live actor: fake actor implementations and XState's SimulatedClock standing in
// for Temporal's activities and durable timers.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, toPromise } from 'xstate';
import { postAnswer, reached } from './checkpoints.ts';
import { createServiceScriptMachine } from './service-script-setup.ts';
import type { ServiceScriptImpl } from './service-script-types.ts';
import { loadBuiltinScript } from '../service-scripts/load.ts';

const IVR = 'rIV-001-actoractoractoractoractorac';

/** Fakes that log what they were asked to do; promises settle on the next turn, as activities would. */
function fakes() {
  const log: string[] = [];
  const impl: ServiceScriptImpl = {
    placeCall: async (i) => void log.push(`placeCall ${i.to}`),
    sendRefer: async (i) => void log.push(`sendRefer ${i.target}`),
    sendDtmf: async (i) => void log.push(`sendDtmf ${i.digits}`),
    hangup: async (i) => void log.push(`hangup ${i.callids.join(',')}`),
    joinLegs: async () => ({ dialogid: 'rDlg-001-joined', acallid: 'a' }),
  };
  return { log, impl };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('service script as a live actor with a simulated clock', () => {
  it('POST: X answers, Y answers, DTMF with a one-second pause, service call released', async () => {
    const { log, impl } = fakes();
    const clock = new SimulatedClock();
    const machine = createServiceScriptMachine(loadBuiltinScript('post'), impl);
    const actor = createActor(machine, { input: { params: { from: '11', to: "12,1'2", domain: 'd' }, callids: { ivr: IVR } }, clock });
    const checkpoints: number[] = [];
    actor.subscribe((s) => {
      if (checkpoints.at(-1) !== s.context.progress.checkpoint) checkpoints.push(s.context.progress.checkpoint);
    });
    actor.start();
    await settle();
    expect(log).toEqual(['placeCall 11']);

    actor.send({ type: 'sip.provisional', callid: IVR, status: 180, reason: 'Ringing' });
    clock.increment(5_000); // rings for a while, well inside the 30 s
    actor.send({ type: 'sip.answered', callid: IVR });
    await settle();
    expect(log.at(-1)).toBe('sendRefer 12');

    actor.send({ type: 'refer.accepted', callid: IVR });
    actor.send({ type: 'notify.sipfrag', callid: IVR, sipfrag: 'SIP/2.0 180 Ringing' });
    clock.increment(60_000); // Y rings for a minute: under finalTimeout
    actor.send({ type: 'notify.sipfrag', callid: IVR, sipfrag: 'SIP/2.0 200 OK', dialogid: 'rDlg-001-6FpTv2', acallid: 'xy@1' });
    await settle();
    expect(log.at(-1)).toBe('sendDtmf 1');
    clock.increment(999);
    await settle();
    expect(log.at(-1)).toBe('sendDtmf 1');
    clock.increment(1);
    await settle();
    expect(log).toContain('sendDtmf 2');

    const out = await toPromise(actor);
    expect(log).toEqual(['placeCall 11', 'sendRefer 12', 'sendDtmf 1', 'sendDtmf 2', `hangup ${IVR}`]);
    expect(checkpoints).toEqual([0, 1, 2, 3, 4, 5]);
    expect(postAnswer(out)).toEqual({ result: 'ok', ivrcallid: IVR, acallid: 'xy@1', last_response: 'SIP/2.0 200 OK', dialogid: 'rDlg-001-6FpTv2' });
  });

  it('POST: X never answers; the call timer fires on the simulated clock → timeout', async () => {
    const { log, impl } = fakes();
    const clock = new SimulatedClock();
    const machine = createServiceScriptMachine(loadBuiltinScript('post'), impl);
    const actor = createActor(machine, { input: { params: { from: '11', to: '12', domain: 'd', calltimeout: 20 }, callids: { ivr: IVR } }, clock });
    actor.start();
    await settle();
    actor.send({ type: 'sip.provisional', callid: IVR, status: 180, reason: 'Ringing' });
    clock.increment(19_999);
    expect(reached(actor.getSnapshot().context.progress, 2)).toBe(false);
    clock.increment(1);
    expect(actor.getSnapshot().context.progress).toMatchObject({ checkpoint: 2, result: 'timeout' });
    await settle();
    const out = await toPromise(actor);
    expect(log).toEqual(['placeCall 11', `hangup ${IVR}`]);
    expect(out).toMatchObject({ result: 'timeout', over: true, checkpoint: 5 });
  });

  it('a failing actor takes the failure route instead of hanging the run', async () => {
    const { impl } = fakes();
    impl.sendRefer = () => Promise.reject(new Error('481 Call Leg Does Not Exist'));
    const machine = createServiceScriptMachine(loadBuiltinScript('post'), impl);
    const actor = createActor(machine, { input: { params: { from: '11', to: '12', domain: 'd' }, callids: { ivr: IVR } }, clock: new SimulatedClock() });
    actor.start();
    actor.send({ type: 'sip.answered', callid: IVR });
    await settle();
    await settle();
    expect(await toPromise(actor)).toMatchObject({ result: 'error', over: true });
  });

  it('refuses input that does not bind to the script', () => {
    const machine = createServiceScriptMachine(loadBuiltinScript('post'), fakes().impl);
    const actor = createActor(machine, { input: { params: { to: '12' }, callids: {} } });
    const errors: unknown[] = [];
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    expect(String(errors[0])).toContain('params.from: required but not provided');
    expect(String(errors[0])).toContain('callids.ivr: missing Call-ID');
  });
});
