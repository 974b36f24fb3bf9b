// The sending activities' wait for their request's outcome (collectMs): which events end it, what
// happens without an answer, and that a request that could not be sent hands its events back.
// Run as local activities: a re-run of the same (run, activity) and an operation older than the
// node send nothing.
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.ts';
import { SipEventRouter, type SignalClient } from '../operations/sip-event-router.ts';
import type { SipEventsResult } from '../workflows/signals.ts';
import { ONCE_GUARD_RESULT_TTL_MS, ONCE_GUARD_TTL_MS } from './once-guard.ts';
import { createSipActivities, type PlaceCallRequest, type ServiceCallPort, type SipActivityDeps } from './sip-activities.ts';

const WF = 'op-post-test';

function setup(onSend: (deliver: SipEventRouter['deliver'], method: string) => void, fail = false, deps: Partial<SipActivityDeps> = {}) {
  const signalled: string[] = [];
  const client = {
    workflow: { getHandle: () => ({ signal: async (def: { name: string }) => void signalled.push(def.name) }) },
  } as unknown as SignalClient;
  const router = new SipEventRouter({ client });
  const deliver = router.deliver.bind(router);
  /** What the port was asked, with the request as it got it. */
  const sent: { method: string; request: object }[] = [];
  const send = async (method: string, request: object): Promise<void> => {
    sent.push({ method, request });
    if (fail) throw new Error('no route to the device');
    onSend(deliver, method);
  };
  const port: ServiceCallPort = {
    placeCall: (r) => send('placeCall', r),
    sendRefer: (r) => send('sendRefer', r),
    sendDtmf: (r) => send('sendDtmf', r),
    hangup: (r) => send('hangup', r),
    joinLegs: async (r) => {
      await send('joinLegs', r);
      return { dialogid: 'rDlg-001-abcdef', acallid: 'a' };
    },
  };
  // ERROR only: the failing-send case is logged by the SDK as a warning.
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: WF, runId: 'r1' }, activityId: '1' }, { logger: new DefaultLogger('ERROR') });
  const activities = createSipActivities({ sip: port, routes: router, ...deps });
  /** An execution with its own activity info (isLocal, activityId, runId). */
  const envFor = (info: { isLocal?: boolean; activityId?: string; runId?: string }) =>
    new MockActivityEnvironment(
      { workflowExecution: { workflowId: WF, runId: info.runId ?? 'r1' }, activityId: info.activityId ?? '1', isLocal: info.isLocal ?? false } satisfies Partial<Info>,
      { logger: new DefaultLogger('ERROR') },
    );
  return { router, signalled, sent, activities, env, envFor };
}

const call: PlaceCallRequest = { callid: 'rIV-001-c1', to: '12', domain: 'd.example', from: 'sip:100@d.example', callerid: '100', callername: 'x', timeoutSec: 30, headers: {}, bindings: [] };

describe('sending activities that wait for their outcome', () => {
  it('placeCall returns the 180 and the 200 that came right after the INVITE, and nothing is signalled', async () => {
    const { activities, env, signalled } = setup((deliver) => {
      void deliver(call.callid, { type: 'sip.provisional', status: 180, reason: 'Ringing' });
      setTimeout(() => void deliver(call.callid, { type: 'sip.answered', status: 200, reason: 'OK' }), 5);
    });
    const t0 = Date.now();
    const result = (await env.run(activities.placeCall, { ...call, collectMs: 2_000 })) as SipEventsResult | undefined;
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(result?.events.map((e) => [e.type, e.seq])).toEqual([
      ['sip.provisional', 1],
      ['sip.answered', 2],
    ]);
    expect(signalled).toEqual([]);
  });

  it('a device that only rings: placeCall returns the 180 after collectMs; the 200 later is a signal', async () => {
    const { activities, env, signalled, router } = setup((deliver) => void deliver(call.callid, { type: 'sip.provisional', status: 180, reason: 'Ringing' }));
    const result = (await env.run(activities.placeCall, { ...call, collectMs: 30 })) as SipEventsResult | undefined;
    expect(result?.events.map((e) => e.type)).toEqual(['sip.provisional']);
    await router.deliver(call.callid, { type: 'sip.answered' });
    expect(signalled).toEqual(['sip.answered']);
  });

  it('sendRefer waits for the NOTIFY with a final status line (RFC 3515 §2.4.5), not for the 202 or a NOTIFY 100', async () => {
    const { activities, env, router } = setup((deliver, method) => {
      if (method !== 'sendRefer') return;
      void deliver(call.callid, { type: 'refer.accepted' });
      void deliver(call.callid, { type: 'notify.sipfrag', sipfrag: 'SIP/2.0 100 Trying' });
      setTimeout(() => void deliver(call.callid, { type: 'notify.sipfrag', sipfrag: 'SIP/2.0 200 OK' }), 10);
    });
    router.register(call.callid, WF);
    const result = (await env.run(activities.sendRefer, { callid: call.callid, referTo: '13', collectMs: 2_000 })) as SipEventsResult | undefined;
    expect(result?.events.map((e) => (e.type === 'notify.sipfrag' ? e.sipfrag : e.type))).toEqual(['refer.accepted', 'SIP/2.0 100 Trying', 'SIP/2.0 200 OK']);
  });

  it('without collectMs (runs recorded before) the activities return nothing and every event is a signal', async () => {
    const { activities, env, signalled } = setup((deliver) => void deliver(call.callid, { type: 'sip.answered' }));
    expect(await env.run(activities.placeCall, call)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 5));
    expect(signalled).toEqual(['sip.answered']);
  });

  it('a request that could not be sent fails the activity and leaves no collector behind', async () => {
    const { activities, env, router } = setup(() => undefined, true);
    router.register(call.callid, WF);
    await expect(env.run(activities.sendRefer, { callid: call.callid, referTo: '13', collectMs: 2_000 })).rejects.toThrow('no route to the device');
    expect(router.collect(WF)).toBeDefined();
  });
});

describe("settle 'first': the wait ends at the request's first event", () => {
  it('placeCall returns at the 180 with only the 180; the 200 after it is a signal', async () => {
    const { activities, env, signalled } = setup((deliver) => {
      void deliver(call.callid, { type: 'sip.provisional', status: 180, reason: 'Ringing' });
      setTimeout(() => void deliver(call.callid, { type: 'sip.answered', status: 200, reason: 'OK' }), 20);
    });
    const t0 = Date.now();
    const result = (await env.run(activities.placeCall, { ...call, collectMs: 2_000, settle: 'first' as const })) as SipEventsResult | undefined;
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(result?.events.map((e) => e.type)).toEqual(['sip.provisional']);
    await new Promise((r) => setTimeout(r, 40));
    expect(signalled).toEqual(['sip.answered']);
  });

  it('sendRefer returns at the 202 (refer.accepted), before any NOTIFY', async () => {
    const { activities, env, router, signalled } = setup((deliver, method) => {
      if (method !== 'sendRefer') return;
      void deliver(call.callid, { type: 'refer.accepted' });
      setTimeout(() => void deliver(call.callid, { type: 'notify.sipfrag', sipfrag: 'SIP/2.0 200 OK' }), 20);
    });
    router.register(call.callid, WF);
    const result = (await env.run(activities.sendRefer, { callid: call.callid, referTo: '13', collectMs: 2_000, settle: 'first' as const })) as SipEventsResult | undefined;
    expect(result?.events.map((e) => e.type)).toEqual(['refer.accepted']);
    await new Promise((r) => setTimeout(r, 40));
    expect(signalled).toEqual(['notify.sipfrag']);
  });

  it("an event about another Call-ID does not end the wait; 'final' (the default) still waits for the 200", async () => {
    const { activities, env, router } = setup((deliver) => {
      void deliver('rIV-001-other', { type: 'sip.provisional', status: 180, reason: 'Ringing' });
      void deliver(call.callid, { type: 'sip.provisional', status: 180, reason: 'Ringing' });
      setTimeout(() => void deliver(call.callid, { type: 'sip.answered', status: 200, reason: 'OK' }), 5);
    });
    router.register('rIV-001-other', WF);
    const result = (await env.run(activities.placeCall, { ...call, collectMs: 2_000, settle: 'final' as const })) as SipEventsResult | undefined;
    expect(result?.events.map((e) => [e.callid, e.type])).toEqual([
      ['rIV-001-other', 'sip.provisional'],
      [call.callid, 'sip.provisional'],
      [call.callid, 'sip.answered'],
    ]);
  });

  it('an unknown settle fails InvalidInput and sends nothing', async () => {
    const { activities, env, sent } = setup(() => undefined);
    await expect(env.run(activities.placeCall, { ...call, collectMs: 100, settle: 'last' as 'first' })).rejects.toMatchObject({ type: 'InvalidInput' });
    expect(sent).toEqual([]);
  });
});

describe('local activities: a re-run of the same (run, activity) sends nothing and gets the first outcome', () => {
  const dtmf = { target: { callid: call.callid }, digits: '12', proto: 'rfc2833' } as const;
  const once = [
    ['placeCall', (a: ReturnType<typeof setup>['activities'], env: MockActivityEnvironment) => env.run(a.placeCall, call)],
    ['sendRefer', (a: ReturnType<typeof setup>['activities'], env: MockActivityEnvironment) => env.run(a.sendRefer, { callid: call.callid, referTo: '13' })],
    ['sendDtmf', (a: ReturnType<typeof setup>['activities'], env: MockActivityEnvironment) => env.run(a.sendDtmf, dtmf)],
    ['joinLegs', (a: ReturnType<typeof setup>['activities'], env: MockActivityEnvironment) => env.run(a.joinLegs, { callids: ['x', 'y'] as [string, string], bindings: [] })],
  ] as const;

  it.each(once)('%s: the second local execution returns what the first did, and the port is not called again', async (method, run) => {
    const { activities, envFor, sent } = setup(() => undefined);
    const first: unknown = await run(activities, envFor({ isLocal: true, activityId: '3', runId: 'run-a' }));
    const again: unknown = await run(activities, envFor({ isLocal: true, activityId: '3', runId: 'run-a' }));
    expect(again).toEqual(first);
    expect(sent.map((s) => s.method)).toEqual([method]);
  });

  it('placeCall re-run: the same collected events again (the first result was never recorded), no second INVITE', async () => {
    const { activities, envFor, sent } = setup((deliver) => {
      void deliver(call.callid, { type: 'sip.provisional', status: 180, reason: 'Ringing' });
      setTimeout(() => void deliver(call.callid, { type: 'sip.answered', status: 200, reason: 'OK' }), 5);
    });
    const place = async () => ((await envFor({ isLocal: true, activityId: '3' }).run(activities.placeCall, { ...call, collectMs: 100 })) as SipEventsResult | undefined)?.events;
    const events = await place();
    expect(events?.map((e) => e.type)).toEqual(['sip.provisional', 'sip.answered']);
    expect(await place()).toEqual(events);
    expect(sent).toHaveLength(1);
  });

  it('a re-run after a first execution that failed to send fails the same way, sending nothing', async () => {
    const { activities, envFor, sent } = setup(() => undefined, true);
    await expect(envFor({ isLocal: true, activityId: '3' }).run(activities.placeCall, call)).rejects.toThrow('no route to the device');
    await expect(envFor({ isLocal: true, activityId: '3' }).run(activities.placeCall, call)).rejects.toThrow('no route to the device');
    expect(sent).toHaveLength(1);
  });

  it('another activity id, or the same id in another run, is sent', async () => {
    const { activities, envFor, sent } = setup(() => undefined);
    await envFor({ isLocal: true, activityId: '3', runId: 'run-a' }).run(activities.placeCall, call);
    await envFor({ isLocal: true, activityId: '4', runId: 'run-a' }).run(activities.placeCall, call);
    await envFor({ isLocal: true, activityId: '3', runId: 'run-b' }).run(activities.placeCall, call);
    expect(sent).toHaveLength(3);
  });

  it('an ordinary (non-local) activity is not guarded, as before', async () => {
    const { activities, envFor, sent } = setup(() => undefined);
    await envFor({ isLocal: false, activityId: '3' }).run(activities.sendDtmf, dtmf);
    await envFor({ isLocal: false, activityId: '3' }).run(activities.sendDtmf, dtmf);
    expect(sent).toHaveLength(2);
  });

  it('hangup is never guarded: idempotent by Call-ID, it runs again', async () => {
    const { activities, envFor, sent } = setup(() => undefined, false, { bootedAt: Date.now() });
    await envFor({ isLocal: true, activityId: '7' }).run(activities.hangup, { callids: [call.callid] });
    await envFor({ isLocal: true, activityId: '7' }).run(activities.hangup, { callids: [call.callid] });
    expect(sent.map((s) => s.method)).toEqual(['hangup', 'hangup']);
  });

  it('past the outcome\'s time (2 minutes) a re-run fails AlreadyAttempted; past the key\'s (10 minutes) it is sent', async () => {
    const clock = new ManualClock(1_000_000);
    const { activities, envFor, sent } = setup(() => undefined, false, { clock });
    const rerun = () => envFor({ isLocal: true, activityId: '3' }).run(activities.sendDtmf, dtmf);
    await rerun();
    clock.advance(ONCE_GUARD_RESULT_TTL_MS - 1);
    await rerun();
    expect(sent).toHaveLength(1);
    clock.advance(1);
    await expect(rerun()).rejects.toMatchObject({ type: 'AlreadyAttempted', nonRetryable: true });
    clock.advance(ONCE_GUARD_TTL_MS - ONCE_GUARD_RESULT_TTL_MS);
    await rerun();
    expect(sent).toHaveLength(2);
  });
});

describe('local activities: an operation that began before the node started sends nothing', () => {
  const bootedAt = 1_700_000_000_000;

  it('opStartedAt before bootedAt fails NodeRestarted: nothing sent, the Call-ID not routed', async () => {
    const { activities, envFor, sent, router } = setup(() => undefined, false, { bootedAt });
    await expect(envFor({ isLocal: true }).run(activities.placeCall, { ...call, opStartedAt: bootedAt - 1 })).rejects.toMatchObject({ type: 'NodeRestarted', nonRetryable: true });
    await expect(envFor({ isLocal: true, activityId: '2' }).run(activities.joinLegs, { callids: ['x', 'y'] as [string, string], bindings: [], opStartedAt: bootedAt - 1 })).rejects.toMatchObject({ type: 'NodeRestarted' });
    expect(sent).toEqual([]);
    expect(router.owner(call.callid)).toBeUndefined();
  });

  it('opStartedAt at or after bootedAt, or absent, is sent, and the port never sees opStartedAt', async () => {
    const { activities, envFor, sent } = setup(() => undefined, false, { bootedAt });
    await envFor({ isLocal: true, activityId: '1' }).run(activities.sendRefer, { callid: call.callid, referTo: '13', opStartedAt: bootedAt });
    await envFor({ isLocal: true, activityId: '2' }).run(activities.sendRefer, { callid: call.callid, referTo: '13', opStartedAt: bootedAt + 5 });
    await envFor({ isLocal: true, activityId: '3' }).run(activities.sendRefer, { callid: call.callid, referTo: '13' });
    expect(sent.map((s) => s.request)).toEqual([0, 1, 2].map(() => ({ callid: call.callid, referTo: '13' })));
  });

  it('every sending activity strips opStartedAt before the port', async () => {
    const { activities, envFor, sent } = setup(() => undefined, false, { bootedAt });
    const opStartedAt = bootedAt + 1;
    await envFor({ isLocal: true, activityId: '1' }).run(activities.placeCall, { ...call, opStartedAt });
    await envFor({ isLocal: true, activityId: '2' }).run(activities.sendRefer, { callid: call.callid, referTo: '13', opStartedAt });
    await envFor({ isLocal: true, activityId: '3' }).run(activities.sendDtmf, { target: { callid: call.callid }, digits: '1', proto: 'sipinfo' as const, opStartedAt });
    await envFor({ isLocal: true, activityId: '4' }).run(activities.joinLegs, { callids: ['x', 'y'] as [string, string], bindings: [], opStartedAt });
    expect(sent.map((s) => [s.method, 'opStartedAt' in s.request])).toEqual([
      ['placeCall', false],
      ['sendRefer', false],
      ['sendDtmf', false],
      ['joinLegs', false],
    ]);
  });

  it('not for an ordinary (non-local) activity, nor for hangup', async () => {
    const { activities, envFor, sent } = setup(() => undefined, false, { bootedAt });
    await envFor({ isLocal: false }).run(activities.sendDtmf, { target: { callid: call.callid }, digits: '1', proto: 'sipinfo' as const, opStartedAt: bootedAt - 1 });
    await envFor({ isLocal: true, activityId: '2' }).run(activities.hangup, { callids: [call.callid] });
    expect(sent.map((s) => [s.method, s.request])).toEqual([
      ['sendDtmf', { target: { callid: call.callid }, digits: '1', proto: 'sipinfo' }],
      ['hangup', { callids: [call.callid] }],
    ]);
  });

  it('bootedAt defaults to when the activities were created (the clock)', async () => {
    const clock = new ManualClock(5_000);
    const { activities, envFor, sent } = setup(() => undefined, false, { clock });
    await expect(envFor({ isLocal: true, activityId: '1' }).run(activities.placeCall, { ...call, opStartedAt: 4_999 })).rejects.toMatchObject({ type: 'NodeRestarted' });
    await envFor({ isLocal: true, activityId: '2' }).run(activities.placeCall, { ...call, opStartedAt: 5_000 });
    expect(sent).toHaveLength(1);
  });

  it('an opStartedAt that is not a number fails InvalidInput and sends nothing', async () => {
    const { activities, envFor, sent } = setup(() => undefined, false, { bootedAt });
    await expect(envFor({ isLocal: true }).run(activities.placeCall, { ...call, opStartedAt: 'yesterday' as unknown as number })).rejects.toMatchObject({ type: 'InvalidInput' });
    expect(sent).toEqual([]);
  });
});
