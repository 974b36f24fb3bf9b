// The sending activities' wait for their request's outcome (collectMs): which events end it, what
// happens without an answer, and that a request that could not be sent hands its events back.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { SipEventRouter, type SignalClient } from '../operations/sip-event-router.ts';
import type { SipEventsResult } from '../workflows/signals.ts';
import { createSipActivities, type PlaceCallRequest, type ServiceCallPort } from './sip-activities.ts';

const WF = 'op-post-test';

function setup(onSend: (deliver: SipEventRouter['deliver'], method: string) => void, fail = false) {
  const signalled: string[] = [];
  const client = {
    workflow: { getHandle: () => ({ signal: async (def: { name: string }) => void signalled.push(def.name) }) },
  } as unknown as SignalClient;
  const router = new SipEventRouter({ client });
  const deliver = router.deliver.bind(router);
  const send = async (method: string): Promise<void> => {
    if (fail) throw new Error('no route to the device');
    onSend(deliver, method);
  };
  const port: ServiceCallPort = {
    placeCall: () => send('placeCall'),
    sendRefer: () => send('sendRefer'),
    sendDtmf: () => send('sendDtmf'),
    hangup: () => send('hangup'),
    joinLegs: async () => ({ dialogid: 'rDlg-001-abcdef', acallid: 'a' }),
  };
  // ERROR only: the failing-send case is logged by the SDK as a warning.
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: WF, runId: 'r1' }, activityId: '1' }, { logger: new DefaultLogger('ERROR') });
  return { router, signalled, activities: createSipActivities({ sip: port, routes: router }), env };
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
