// The operations end to end on a real Temporal dev server: API request → TemporalOperations
// (Update-with-Start) → operation workflow running its service script → SIP activities on the node's
// queue → fake SIP peer → event router → signals → the answer at the requested response_mode.
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.ts';
import type { ClickToCallRequest } from '../../api/ports.ts';
import { CALLS_PATH } from '../../api/test-helpers.ts';
import { OperationsUnavailableError, TemporalOperations } from '../../operations/temporal-operations.ts';
import { loadBuiltinScript } from '../../service-scripts/load.ts';
import { createActivities } from '../../activities/index.ts';
import { ManualClock } from '../../lib/clock.ts';
import { WORKFLOW_BUNDLER_OPTIONS, workflowsPath } from '../../server/workers.ts';
import { OPS_TASK_QUEUE, sipTaskQueue } from '../../temporal/task-queues.ts';
import { CALL_DIALOG_ID, CALL_OPERATION, CALL_USER } from '../../workflows/search-attributes.ts';
import { progressQuery, sipSignals } from '../../workflows/signals.ts';
import { startOpsHarness, type OpsHarness } from './harness.ts';
import {
  dialogs,
  inviteJoin,
  NEW_DIALOG,
  postBusy,
  postCancelled,
  postHappy,
  postNoAnswer,
  REFER_DIALOGS,
  referFailBack,
  referNoNotify,
  Y_URI,
} from './scenarios.ts';

const IVR = /^rIV-001-[0-9a-f]{27}$/;
const EventType = temporal.api.enums.v1.EventType;

let h: OpsHarness;

beforeAll(async () => {
  h = await startOpsHarness(dialogs);
});
afterAll(async () => {
  await h?.shutdown();
});

async function history(workflowId: string) {
  const events = (await h.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.map((e) => ({ type: EventType[e.eventType ?? 0] ?? String(e.eventType), e }));
}

function clickToCall(over: Partial<ClickToCallRequest['input']> = {}, key?: string): ClickToCallRequest {
  const domain = h.config.domains[0]!;
  const user = domain.users[0]!;
  return {
    kind: 'POST',
    principal: { domain, user, sipusers: user.sipusers },
    from: user.sipusers[0]!,
    input: { mode: 'number', from: '11', to: '13', callerid: '100', callername: 'callmanager', calltimeout: 30, response_mode: 2, use_intercom: false, ...over },
    ...(key ? { idempotencyKey: key } : {}),
  };
}

describe('POST: click-to-call through REFER', () => {
  it('response_mode 0: answers as soon as the operation started, with ivrcallid only; the run goes on', async () => {
    const r = await postHappy(h, 0);
    expect(r.status).toBe(200);
    expect(r.answer).toEqual({ result: 'ok', ivrcallid: expect.stringMatching(IVR) });
    expect(r.answeredMs).toBeLessThan(2_000);
    expect(r.final).toEqual({ result: 'ok', ivrcallid: r.answer.ivrcallid, acallid: 'xy-call@10.0.0.11', last_response: 'SIP/2.0 200 OK', dialogid: NEW_DIALOG });
    // X was dialled with the request's defaults, From in the user's domain.
    expect(h.sip.sent('placeCall')).toEqual([
      {
        callid: r.answer.ivrcallid,
        to: '11',
        domain: 'test.rootdomain.ru',
        from: 'sip:100@test.rootdomain.ru',
        callerid: '100',
        callername: 'callmanager',
        timeoutSec: 30,
        headers: {},
        bindings: [],
      },
    ]);
  });

  it('response_mode 2: answers once X answered, before anything is known of Y', async () => {
    const r = await postHappy(h, 2);
    expect(r.answer).toEqual({ result: 'ok', ivrcallid: expect.stringMatching(IVR) });
    expect(h.sip.sent('sendRefer')).toEqual([{ callid: r.answer.ivrcallid, referTo: '13' }]);
    expect(r.final).toMatchObject({ result: 'ok', dialogid: NEW_DIALOG });
  });

  it('response_mode 4: answers once Y answered, with its status line and the new dialog', async () => {
    const r = await postHappy(h, 4);
    expect(r.answer).toEqual({ result: 'ok', ivrcallid: expect.stringMatching(IVR), acallid: 'xy-call@10.0.0.11', last_response: 'SIP/2.0 200 OK', dialogid: NEW_DIALOG });
    // The run was asked to collect by its input, so it recorded no patch marker and no
    // TemporalChangeVersion upsert (each a history event, the upsert also a visibility write).
    const events = await history(r.workflowId);
    const input = events[0]?.e.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    expect(JSON.parse(Buffer.from(input ?? []).toString('utf8'))).toMatchObject({ collectEvents: true, sipLocal: true, localHangup: true, holdGaps: true });
    expect(events.filter((x) => x.type === 'EVENT_TYPE_MARKER_RECORDED' && x.e.markerRecordedEventAttributes?.markerName === 'core_patch')).toEqual([]);
    expect(events.filter((x) => x.type === 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES' && 'TemporalChangeVersion' in (x.e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}))).toEqual([]);
  });

  it('response_mode 5: answers when over; DTMF after "," goes to Y on the new dialog; checkpoints 0…5 in order', async () => {
    const r = await postHappy(h, 5, '13,5');
    expect(r.answer).toEqual({ result: 'ok', ivrcallid: expect.stringMatching(IVR), acallid: 'xy-call@10.0.0.11', last_response: 'SIP/2.0 200 OK', dialogid: NEW_DIALOG });
    expect(r.answer).toEqual(r.final);
    expect(h.sip.sent('sendRefer')).toEqual([{ callid: r.answer.ivrcallid, referTo: '13' }]);
    expect(h.sip.sent('sendDtmf')).toEqual([{ target: { dialogid: NEW_DIALOG, side: 'b' }, digits: '5', proto: 'rfc2833' }]);
    expect(h.sip.sent('hangup')).toEqual([{ callids: [r.answer.ivrcallid] }]);
    const progress = await h.env.client.workflow.getHandle(r.workflowId).query(progressQuery);
    expect(progress.checkpoints.map((c) => c.checkpoint)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(progress).toMatchObject({ operation: 'POST', finished: true, signals: { received: 5, dropped: 0 } });
    // Search attributes: set at start by the client, CallDialogId upserted once the node reported it.
    const d = await h.env.client.workflow.getHandle(r.workflowId).describe();
    expect(d.typedSearchAttributes.get(CALL_OPERATION)).toBe('POST');
    expect(d.typedSearchAttributes.get(CALL_USER)).toBe('alice@test.rootdomain.ru');
    expect(d.typedSearchAttributes.get(CALL_DIALOG_ID)).toBe(NEW_DIALOG);
    expect(r.workflowId).toMatch(/^op-post-t/);
  });

  it('X busy → rejected, with X\'s status line', async () => {
    const r = await postBusy(h);
    expect(r.answer).toEqual({ result: 'rejected', ivrcallid: expect.stringMatching(IVR), last_response: 'SIP/2.0 486 Busy Here' });
    expect(r.final).toMatchObject({ result: 'rejected', last_response: 'SIP/2.0 486 Busy Here' });
    expect(h.sip.sent('sendRefer')).toEqual([]);
    // A late event for the ended operation: Temporal says it is gone, and the router forgets it.
    const callid = String(r.answer.ivrcallid);
    h.router.register(callid, r.workflowId);
    expect(await h.router.deliver(callid, { type: 'sip.bye' })).toEqual({ status: 'gone', workflowId: r.workflowId });
    expect(h.router.owner(callid)).toBeUndefined();
  });

  it('X never answers → timeout, after the script\'s calltimeout as a durable Temporal timer; the call is cancelled', async () => {
    const r = await postNoAnswer(h);
    expect(r.answer).toEqual({ result: 'timeout', ivrcallid: expect.stringMatching(IVR) });
    expect(r.answeredMs).toBeGreaterThanOrEqual(1_900);
    expect(r.final).toMatchObject({ result: 'timeout' });
    expect(h.sip.sent('hangup')).toEqual([{ callids: [r.answer.ivrcallid] }]);
    // The XState `after` delay went through the sandbox's setTimeout: a TimerStarted of 2 s that fired.
    const events = await history(r.workflowId);
    // A hangup the timer caused stays a queued activity: in a retried task its 487 (a signal) would
    // be delivered before the timer that caused it.
    expect(events.filter((x) => x.type === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED').map((x) => x.e.activityTaskScheduledEventAttributes?.activityType?.name)).toEqual(['hangup']);
    const timers = events.filter((x) => x.type === 'EVENT_TYPE_TIMER_STARTED').map((x) => Number(x.e.timerStartedEventAttributes?.startToFireTimeout?.seconds));
    expect(timers).toContain(2);
    expect(events.some((x) => x.type === 'EVENT_TYPE_TIMER_FIRED')).toBe(true);
  });

  it('an ops cancel hangs up the ringing call and ends with error; the progress query shows where it was', async () => {
    const r = await postCancelled(h, async (workflowId) => {
      const handle = h.env.client.workflow.getHandle(workflowId);
      const p = await handle.query(progressQuery);
      expect(p).toMatchObject({ operation: 'POST', step: 'dial', state: 'dial.ringing', finished: false, progress: { checkpoint: 1 } });
      expect(p.legs.ivr).toMatchObject({ status: 'early', lastResponse: 'SIP/2.0 180 Ringing' });
      // A malformed signal is dropped and counted, never fed to the machine.
      await handle.signal(sipSignals['sip.provisional'], { type: 'sip.provisional', callid: 'x' } as never);
      await expect.poll(async () => (await handle.query(progressQuery)).signals.dropped).toBe(1);
    });
    expect(r.answer).toEqual({ result: 'ok', ivrcallid: expect.stringMatching(IVR) });
    expect(r.final).toEqual({ result: 'error', ivrcallid: r.answer.ivrcallid });
    expect(h.sip.sent('hangup')).toEqual([{ callids: [r.answer.ivrcallid] }]);
  });
});

describe('REFER: blind transfer', () => {
  it('no NOTIFY at all → unknown after the notify timer; the workflow completes, Y is not moved back', async () => {
    const r = await referNoNotify(h);
    expect(r.answer).toEqual({ dialogid: REFER_DIALOGS.noNotify, result: 'unknown', ivrcallid: expect.stringMatching(IVR) });
    expect(r.final).toEqual(r.answer);
    const [place] = h.sip.sent('placeCall');
    // Y's device is taken over: INVITE with Replaces of Y's leg, Referred-By X.
    expect(place).toMatchObject({ to: Y_URI, replaces: 'rB2-001-RefNo1-01-refno1-a@10.0.0.1', referredBy: '<sip:sip1@test.rootdomain.ru>' });
    expect(h.sip.sent('sendRefer').map((x) => x.referTo)).toEqual(['13']);
    expect(h.sip.sent('hangup')).toHaveLength(1);
    const d = await h.env.client.workflow.getHandle(r.workflowId).describe();
    expect(d.status.name).toBe('COMPLETED');
    expect(r.workflowId).toMatch(new RegExp(`^op-refer-${REFER_DIALOGS.noNotify}-t`));
  }, 30_000);

  it('Z busy → Y is transferred back to X; the answer keeps Z\'s status line; ops find it by CallDialogId', async () => {
    const r = await referFailBack(h);
    expect(r.answer).toEqual({
      dialogid: REFER_DIALOGS.failBack,
      result: 'ok',
      ivrcallid: expect.stringMatching(IVR),
      new_acallid: 'yz-call@10.0.0.9',
      new_last_response: 'SIP/2.0 486 Busy Here',
      new_dialogid: 'rDlg-001-YtoZ01',
    });
    expect(h.sip.sent('sendRefer').map((x) => x.referTo)).toEqual(['13', '11']);
    // The release after the second NOTIFY was caused by that SIP event: a local activity in the
    // workflow task, not a queued one (localHangup); the service call was hung up once.
    expect(h.sip.sent('hangup')).toEqual([{ callids: [r.answer.ivrcallid] }]);
    expect((await history(r.workflowId)).filter((x) => x.type === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toEqual([]);
    await expect
      .poll(async () => {
        const ids: string[] = [];
        for await (const w of h.env.client.workflow.list({ query: `CallDialogId = '${REFER_DIALOGS.failBack}' AND CallOperation = 'REFER'` })) ids.push(w.workflowId);
        return ids;
      })
      .toEqual([r.workflowId]);
  });
});

describe('INVITE: third-party call control', () => {
  it('calls X, then Y offering X\'s session, joins them, sends the DTMF to Y', async () => {
    const r = await inviteJoin(h);
    const [x, y] = h.sip.sent('placeCall');
    expect(x).toMatchObject({ to: '11', callerid: '100' });
    expect(y).toMatchObject({ to: '13', callerid: '11', from: 'sip:11@test.rootdomain.ru', sdpFrom: x!.callid, timeoutSec: 60 });
    expect(h.sip.sent('joinLegs')).toEqual([{ callids: [x!.callid, y!.callid], bindings: [] }]);
    expect(h.sip.sent('sendDtmf')).toEqual([{ target: { callid: y!.callid }, digits: '7', proto: 'rfc2833' }]);
    expect(r.answer).toEqual({ result: 'ok', ivrcallid: x!.callid, acallid: x!.callid, last_response: 'SIP/2.0 200 OK', dialogid: 'rDlg-001-JOIN01' });
  });
});

describe('Idempotency-Key', () => {
  it('the same key joins the same operation, running or over; another request under it is 1400', async () => {
    h.sip.reset({ callees: { '11': { answerAfterMs: 100 } }, transfers: { '13': { notify: [{ afterMs: 100, sipfrag: 'SIP/2.0 200 OK', dialogid: NEW_DIALOG }] } } });
    const key = `key-${Date.now()}`;
    const headers = { 'idempotency-key': key };
    const before = h.started.length;
    const [a, b] = await Promise.all([
      h.request('POST', CALLS_PATH, { from: '11', to: '13', response_mode: 5 }, { headers }),
      h.request('POST', CALLS_PATH, { from: '11', to: '13', response_mode: 2 }, { headers }),
    ]);
    const ids = h.started.slice(before);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).toMatch(/^op-post-[0-9a-f]{32}$/);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.ivrcallid).toBe(b.body.ivrcallid);
    expect(a.body).toMatchObject({ result: 'ok', dialogid: NEW_DIALOG });
    expect(h.sip.sent('placeCall')).toHaveLength(1);
    await h.result(ids[0]!);

    // After the end: the final answer again, and still one call.
    const c = await h.request('POST', CALLS_PATH, { from: '11', to: '13', response_mode: 0 }, { headers });
    expect(c).toEqual({ status: 200, body: a.body });
    expect(h.sip.sent('placeCall')).toHaveLength(1);

    // Another request under the same key.
    const d = await h.request('POST', CALLS_PATH, { from: '11', to: '14', response_mode: 0 }, { headers });
    expect(d).toEqual({ status: 400, body: { error_code: 1400, error_message: 'Idempotency-Key: already used for a different request' } });
  });

  it('a different request under a key whose operation still runs is 1400 too', async () => {
    h.sip.reset({ callees: { '11': { fail: { afterMs: 500, status: 480, reason: 'Temporarily Unavailable' } } } });
    const headers = { 'idempotency-key': `running-${Date.now()}` };
    const first = await h.request('POST', CALLS_PATH, { from: '11', to: '13', response_mode: 0 }, { headers });
    expect(first.status).toBe(200);
    const other = await h.request('POST', CALLS_PATH, { from: '11', to: '14', response_mode: 0 }, { headers });
    expect(other).toEqual({ status: 400, body: { error_code: 1400, error_message: 'Idempotency-Key: already used for a different request' } });
    expect((await h.result(h.started.at(-1)!)).result).toBe('rejected');
  });
});

describe('failures', () => {
  it('Temporal unreachable → OperationsUnavailableError (1503)', async () => {
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1 second' }) });
    const ops = new TemporalOperations({ client, config: h.config, store: h.store, acceptTimeoutMs: 1_000 });
    const t0 = Date.now();
    const err = await ops.start(clickToCall()).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(6_000);
    expect(err).toBeInstanceOf(OperationsUnavailableError);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(1503);
    expect((err as ApiError).status).toBe(503);
    await client.connection.close();
  });

  it('no workflow worker takes the operation → 1503, and the workflow this request started is cancelled', async () => {
    const nobodyId = `nobody-${Date.now()}`;
    const ops = new TemporalOperations({ client: h.env.client, config: h.config, store: h.store, acceptTimeoutMs: 1_500, taskQueue: 'callctl-ops-nobody', newId: () => nobodyId });
    const request = clickToCall();
    const { workflowId } = ops.plan(request);
    const err = await ops.start(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationsUnavailableError);
    expect((err as Error).message).toContain('it was cancelled');
    const handle = h.env.client.workflow.getHandle(workflowId);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.map((e) => EventType[e.eventType ?? 0])).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED');
    await handle.terminate('test cleanup');
  });

  it('a node worker without a ServiceCallPort (today\'s production) registers no SIP activities: result error, no hang', async () => {
    const config = { ...h.config, node: '002' };
    const worker = await Worker.create({
      connection: h.env.nativeConnection,
      taskQueue: sipTaskQueue('002'),
      workflowsPath,
      bundlerOptions: WORKFLOW_BUNDLER_OPTIONS,
      activities: createActivities({ config, store: h.store, clock: new ManualClock(0) }),
    });
    const ops = new TemporalOperations({ client: h.env.client, config, store: h.store, newId: () => `noport-${Date.now()}` });
    const answer = await worker.runUntil(ops.start(clickToCall({ response_mode: 5 })));
    expect(answer).toEqual({ result: 'error', ivrcallid: expect.stringMatching(/^rIV-002-[0-9a-f]{27}$/) });
  });

  it('REFERREPLACES, SWITCHCONF, REFERCONF are not written yet: 1503, nothing started', async () => {
    const domain = h.config.domains[0]!;
    const user = domain.users[0]!;
    const err = await h.operations
      .start({ kind: 'SWITCHCONF', principal: { domain, user, sipusers: user.sipusers }, dialogid: REFER_DIALOGS.failBack, input: { response_mode: 2, referto: '*9912345678', by: '11' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 1503 });
  });

  it('bad workflow input fails the run at once, not retried', async () => {
    const run = h.env.client.workflow.execute('opPost', {
      taskQueue: OPS_TASK_QUEUE,
      workflowId: `op-post-bad-${Date.now()}`,
      args: [{ node: '1', user: 'u@d', domain: 'd', script: loadBuiltinScript('post'), params: { from: '11', to: '12', domain: 'd' } }],
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect(cause?.message).toContain('node: must be 3 digits');
  });

  it('local SIP activities are refused on any queue but the node\'s: the run fails on its input, nothing is sent', async () => {
    const sent = h.sip.requests.length;
    const run = h.env.client.workflow.execute('opPost', {
      taskQueue: OPS_TASK_QUEUE,
      workflowId: `op-post-local-elsewhere-${Date.now()}`,
      args: [{ node: '001', user: 'alice@d', domain: 'd', script: loadBuiltinScript('post'), params: { from: '11', to: '12', domain: 'd' }, sipLocal: true }],
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    expect((err as WorkflowFailedError).cause?.message).toContain('sipLocal needs the run on callctl-sip-001');
    expect(h.sip.requests.length).toBe(sent);
  });

  it('a run that fails on its input answers an error at once (the API makes it 1500), never hangs', async () => {
    // A wrong script for the verb: the workflow refuses its input before handling the update.
    const ops = new TemporalOperations({ client: h.env.client, config: h.config, store: h.store, scripts: () => loadBuiltinScript('invite'), newId: () => `wrong-${Date.now()}` });
    const t0 = Date.now();
    const err = await ops.start(clickToCall()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as Error).message).toContain('invalid operation input: script must be "post"');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a response_mode outside 0–5 is refused by the update validator', async () => {
    const err = await h.operations.start(clickToCall({ response_mode: 9 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1400, message: 'response_mode: must be an integer 0 to 5' });
    // The run itself went on (the validator only refused the update): let it end before the next test.
    h.sip.reset();
    await h.env.client.workflow.getHandle(h.started.at(-1)!).cancel();
    await h.result(h.started.at(-1)!);
  });
});
