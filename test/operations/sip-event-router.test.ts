// The event router alone, with a fake Temporal client: routing by Call-ID, validation, per-workflow
// order, release after the grace period, and what happens when the workflow is gone or Temporal fails.
import { WorkflowNotFoundError } from '@temporalio/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SipEventRouter, type SignalClient } from '../../operations/sip-event-router.ts';

interface Sent {
  workflowId: string;
  signal: string;
  payload: unknown;
}

/** A client whose signals take `delay(n)` ms (the n-th signal), or fail as told. */
function fakeClient(opts: { delay?: (n: number) => number; fail?: (workflowId: string) => Error | undefined } = {}) {
  const sent: Sent[] = [];
  let n = 0;
  const client = {
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (def: { name: string }, payload: unknown) => {
          const ms = opts.delay?.(n++) ?? 0;
          if (ms) await new Promise((r) => setTimeout(r, ms));
          const err = opts.fail?.(workflowId);
          if (err) throw err;
          sent.push({ workflowId, signal: def.name, payload });
        },
      }),
    },
  } as unknown as SignalClient;
  return { client, sent };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SipEventRouter', () => {
  it('signals the workflow that registered the Call-ID, named after the event, the Call-ID filled in', async () => {
    const { client, sent } = fakeClient();
    const router = new SipEventRouter({ client });
    router.register('c1', 'op-post-1');
    expect(await router.deliver('c1', { type: 'sip.provisional', status: 180, reason: 'Ringing' })).toEqual({ status: 'delivered', workflowId: 'op-post-1' });
    expect(await router.deliver('c1', { type: 'notify.sipfrag', sipfrag: 'SIP/2.0 200 OK', dialogid: 'rDlg-001-abcdef' })).toMatchObject({ status: 'delivered' });
    expect(sent).toEqual([
      { workflowId: 'op-post-1', signal: 'sip.provisional', payload: { type: 'sip.provisional', callid: 'c1', status: 180, reason: 'Ringing' } },
      { workflowId: 'op-post-1', signal: 'notify.sipfrag', payload: { type: 'notify.sipfrag', callid: 'c1', sipfrag: 'SIP/2.0 200 OK', dialogid: 'rDlg-001-abcdef' } },
    ]);
  });

  it('an unknown Call-ID is unrouted; a malformed event is invalid; neither reaches Temporal', async () => {
    const { client, sent } = fakeClient();
    const router = new SipEventRouter({ client });
    router.register('c1', 'op-post-1');
    expect(await router.deliver('nobody', { type: 'sip.bye' })).toEqual({ status: 'unrouted' });
    expect(await router.deliver('c1', { type: 'sip.provisional', status: 200, reason: 'OK' })).toMatchObject({ status: 'invalid' });
    expect(await router.deliver('c1', { type: 'sip.hello' } as never)).toMatchObject({ status: 'invalid' });
    expect(await router.deliver('c1', { type: 'notify.sipfrag', sipfrag: 'x', dialogid: 'not-a-dialog' })).toMatchObject({ status: 'invalid' });
    expect(sent).toEqual([]);
  });

  it('keeps the order of events to one workflow even when a signal call is slow', async () => {
    // The first signal takes 30 ms, the next ones none: without the queue 200 would overtake 180.
    const { client, sent } = fakeClient({ delay: (n) => (n === 0 ? 30 : 0) });
    const router = new SipEventRouter({ client });
    router.register('c1', 'op-1');
    router.register('c2', 'op-2');
    const results = await Promise.all([
      router.deliver('c1', { type: 'notify.sipfrag', sipfrag: 'SIP/2.0 180 Ringing' }),
      router.deliver('c1', { type: 'notify.sipfrag', sipfrag: 'SIP/2.0 200 OK' }),
      router.deliver('c2', { type: 'sip.answered' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const toOp1 = sent.filter((s) => s.workflowId === 'op-1').map((s) => (s.payload as { sipfrag: string }).sipfrag);
    expect(toOp1).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']);
    // Another workflow's events do not wait behind op-1's.
    expect(sent[0]?.workflowId).toBe('op-2');
  });

  it('a released Call-ID still routes during the grace period, then no more', async () => {
    vi.useFakeTimers();
    const { client } = fakeClient();
    const router = new SipEventRouter({ client, releaseGraceMs: 1_000 });
    router.register('c1', 'op-1');
    router.release('c1');
    expect(router.owner('c1')).toBe('op-1');
    vi.advanceTimersByTime(999);
    expect(router.owner('c1')).toBe('op-1');
    vi.advanceTimersByTime(1);
    expect(router.owner('c1')).toBeUndefined();
    expect(router.size).toBe(0);
  });

  it('a final failure or BYE releases the Call-ID by itself; registering again cancels a release', async () => {
    vi.useFakeTimers();
    const { client } = fakeClient();
    const router = new SipEventRouter({ client, releaseGraceMs: 1_000 });
    router.register('c1', 'op-1');
    router.register('c2', 'op-1');
    await router.deliver('c1', { type: 'sip.failed', status: 486, reason: 'Busy Here' });
    await router.deliver('c2', { type: 'sip.bye' });
    router.register('c2', 'op-1');
    vi.advanceTimersByTime(1_000);
    expect(router.owner('c1')).toBeUndefined();
    expect(router.owner('c2')).toBe('op-1');
  });

  it('a workflow that is gone drops every route it had; a Temporal failure is reported, not thrown', async () => {
    const { client } = fakeClient({
      fail: (id) => (id === 'op-done' ? new WorkflowNotFoundError('workflow execution already completed', id, undefined) : id === 'op-x' ? new Error('14 UNAVAILABLE') : undefined),
    });
    const router = new SipEventRouter({ client });
    router.register('a1', 'op-done');
    router.register('a2', 'op-done');
    router.register('b1', 'op-x');
    expect(await router.deliver('a1', { type: 'notify.none' })).toEqual({ status: 'gone', workflowId: 'op-done' });
    expect(router.owner('a2')).toBeUndefined();
    expect(await router.deliver('b1', { type: 'refer.accepted' })).toEqual({ status: 'failed', workflowId: 'op-x', error: '14 UNAVAILABLE' });
    expect(router.owner('b1')).toBe('op-x');
  });

  describe('collection by a sending activity', () => {
    const settled = (e: { type: string }) => e.type === 'sip.answered';

    it("while an activity collects, the workflow's events go to it, numbered, and nothing is signalled", async () => {
      const { client, sent } = fakeClient();
      const router = new SipEventRouter({ client });
      router.register('c1', 'op-1');
      const collector = router.collect('op-1');
      expect(collector).toBeDefined();
      expect(await router.deliver('c1', { type: 'sip.provisional', status: 180, reason: 'Ringing' })).toEqual({ status: 'collected', workflowId: 'op-1' });
      const waiting = collector!.wait(settled, 5_000);
      await router.deliver('c1', { type: 'sip.answered', status: 200, reason: 'OK' });
      const events = await waiting;
      expect(events.map((e) => [e.type, e.seq])).toEqual([
        ['sip.provisional', 1],
        ['sip.answered', 2],
      ]);
      expect(new Set(events.map((e) => e.epoch)).size).toBe(1);
      expect(sent).toEqual([]);
    });

    it('gives up after maxMs with what it has; later events are signalled with the next numbers', async () => {
      const { client, sent } = fakeClient();
      const router = new SipEventRouter({ client });
      router.register('c1', 'op-1');
      const collector = router.collect('op-1')!;
      await router.deliver('c1', { type: 'sip.provisional', status: 180, reason: 'Ringing' });
      const events = await collector.wait(settled, 20);
      expect(events.map((e) => e.type)).toEqual(['sip.provisional']);
      await router.deliver('c1', { type: 'sip.answered' });
      expect(sent.map((s) => [s.signal, (s.payload as { seq?: number }).seq])).toEqual([['sip.answered', 2]]);
    });

    it('returns only after the signals queued before it were sent, so none can land behind the result', async () => {
      const { client, sent } = fakeClient({ delay: (n) => (n === 0 ? 40 : 0) });
      const router = new SipEventRouter({ client });
      router.register('c1', 'op-1');
      void router.deliver('c1', { type: 'sip.provisional', status: 100, reason: 'Trying' });
      const collector = router.collect('op-1')!;
      await router.deliver('c1', { type: 'sip.answered' });
      const events = await collector.wait(settled, 5_000);
      expect(events.map((e) => e.type)).toEqual(['sip.answered']);
      expect(sent.map((s) => s.signal)).toEqual(['sip.provisional']);
    });

    it('one collector per workflow at a time; an abandoned one sends what it took as signals, in order', async () => {
      const { client, sent } = fakeClient();
      const router = new SipEventRouter({ client });
      router.register('c1', 'op-1');
      const first = router.collect('op-1')!;
      expect(router.collect('op-1')).toBeUndefined();
      await router.deliver('c1', { type: 'sip.provisional', status: 180, reason: 'Ringing' });
      await router.deliver('c1', { type: 'sip.answered' });
      first.abandon();
      await router.deliver('c1', { type: 'sip.bye' });
      expect(sent.map((s) => [s.signal, (s.payload as { seq?: number }).seq])).toEqual([
        ['sip.provisional', 1],
        ['sip.answered', 2],
        ['sip.bye', 3],
      ]);
      expect(router.collect('op-1')).toBeDefined();
    });

    it("a workflow's numbering ends with its last route, not before", async () => {
      const { client, sent } = fakeClient();
      const router = new SipEventRouter({ client, releaseGraceMs: 0 });
      router.register('c1', 'op-1');
      router.register('c2', 'op-1');
      router.register('c2', 'op-1');
      const collector = router.collect('op-1')!;
      await router.deliver('c1', { type: 'sip.answered' });
      await collector.wait(settled, 5_000);
      router.release('c1');
      await new Promise((r) => setTimeout(r, 5));
      await router.deliver('c2', { type: 'sip.provisional', status: 180, reason: 'Ringing' });
      router.release('c2');
      await new Promise((r) => setTimeout(r, 5));
      router.register('c3', 'op-1');
      await router.deliver('c3', { type: 'sip.bye' });
      expect(sent.map((s) => [s.signal, (s.payload as { seq?: number }).seq])).toEqual([
        ['sip.provisional', 2],
        ['sip.bye', undefined],
      ]);
    });

    it("events of workflows that never collected carry no numbers (the signal payload is as before)", async () => {
      const { client, sent } = fakeClient();
      const router = new SipEventRouter({ client });
      router.register('c1', 'op-1');
      await router.deliver('c1', { type: 'sip.bye' });
      expect(sent[0]?.payload).toEqual({ type: 'sip.bye', callid: 'c1' });
    });
  });
});
