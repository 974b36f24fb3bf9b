// What the field gets wrong in transfers, each a SIPp scenario (test/sip/scenarios/field-*.xml) run
// through the real server: its embedded Temporal runs the operation's workflow, its SIP node places
// the service call. POST click-to-call ("IVR→X, IVR REFER Y, X→Y") with X a SIPp UAS (sip1, number
// 11, a static contact) that misbehaves once X has answered. Each test checks the API's answer at
// two checkpoints (mode 2, then mode 5 under the same Idempotency-Key), that the workflow completed
// and when, that the node let the service call go, and, through the scenario, what X saw.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalCliWorks } from '../temporal/cli-build.ts';
import type { OperationProgress } from '../workflows/signals.ts';
import { keyedWorkflowId, startOpsServer, until, type OpsServer } from './helpers/ops-server.ts';
import { freePort, type ServerProcess } from './helpers/server-process.ts';
import type { SipRequestContext } from '../activities/sip-activities.ts';
import type { SipEventBody } from '../operations/sip-event-router.ts';
import { DOMAIN, startTestNode, until as nodeUntil } from './sip/helpers/node.ts';
import { explain, hasSipp, killAllSipp, scenario, startSipp, type SippResult } from './sip/helpers/sipp.ts';

const CALLS = '/rest/v1/user/sip/calls';
const IVR = /^rIV-001-[0-9a-f]{27}$/;
/** The post script's notifyTimeout (service-scripts/builtin/post.yaml). */
const NOTIFY_TIMEOUT_MS = 10_000;

interface PostAnswer {
  result: string;
  ivrcallid: string;
  acallid?: string;
  last_response?: string;
  dialogid?: string;
}

interface FieldRun {
  /** The answer at response_mode 2 (X answered), and the final one (mode 5). */
  atAnswer: PostAnswer;
  final: PostAnswer;
  progress: OperationProgress;
  /** Workflow time from checkpoint 2 (X answered) to 5 (over). */
  answerToEndMs: number;
  x: SippResult;
}

const skipReason = !hasSipp ? 'sipp is not installed' : !temporalCliWorks() ? 'the Temporal CLI is not built (npm run setup)' : null;
if (skipReason) console.warn(`[operations-field] skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('transfers as devices really do them: POST through the real server, X a SIPp phone', () => {
  let ops: OpsServer;
  let server: ServerProcess;
  let temporal: Client;
  let xPort: number;
  let seq = 0;

  beforeAll(async () => {
    xPort = await freePort();
    ops = await startOpsServer((c) => {
      // sip1 (number 11, alice's) is X: a fixed device, the SIPp UAS of each test.
      c.domains[0].users[0].sipusers[0].contact = `sip:127.0.0.1:${xPort}`;
    });
    ({ server, temporal } = ops);
  });

  afterAll(async () => {
    killAllSipp();
    await ops?.close();
  });

  async function post(key: string, mode: number): Promise<PostAnswer> {
    const res = await ops.api('POST', CALLS, { from: '11', to: '13', response_mode: mode }, { 'idempotency-key': key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as PostAnswer;
  }

  /** X runs `file`; POST answers at mode 2 and mode 5; the workflow must complete by itself. */
  async function field(file: string, extra: string[] = []): Promise<FieldRun> {
    const key = `field-${process.pid}-${++seq}`;
    const x = startSipp({ scenario: scenario(file), localPort: xPort, timeoutS: 30, extra });
    const atAnswer = await post(key, 2);
    const final = await post(key, 5);
    const workflowId = keyedWorkflowId('post', key);
    const handle = temporal.workflow.getHandle(workflowId);
    // No hang: the run ends by itself (its result is the final answer) …
    expect(await handle.result()).toEqual(final);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const progress = await handle.query<OperationProgress>('progress');
    const at = (cp: number) => progress.checkpoints.find((c) => c.checkpoint === cp)?.at;
    // … and the node let the service call go (media closed, nothing left under its Call-ID).
    await until(() => new RegExp(`service call over .*callid=${final.ivrcallid}`).test(server.output()), `the node to end ${final.ivrcallid}`);
    const xResult = await x.done;
    return { atAnswer, final, progress, answerToEndMs: (at(5) ?? NaN) - (at(2) ?? NaN), x: xResult };
  }

  function expectClean(r: FieldRun): void {
    expect(r.x.code, explain(r.x)).toBe(0);
    expect(r.atAnswer).toEqual({ result: 'ok', ivrcallid: expect.stringMatching(IVR) });
    expect(r.final.ivrcallid).toBe(r.atAnswer.ivrcallid);
    expect(r.progress).toMatchObject({ finished: true, step: 'done', signals: { dropped: 0 } });
    expect(r.progress.stopped).toBeUndefined();
    expect(Object.values(r.progress.legs).map((l) => l.status)).toEqual(['ended']);
  }

  it('X hangs up (BYE) right after the 202, then sends the final NOTIFY: the subscription outlives the BYE, the result is the target\'s (ok), not bye', async () => {
    const r = await field('field-bye-before-final-notify.xml');
    expectClean(r);
    // The spec's `bye` is the device ending the service call *before* the transfer. Once X accepted
    // the REFER the transfer is under way, and its NOTIFYs decide.
    expect(r.final).toEqual({ result: 'ok', ivrcallid: r.atAnswer.ivrcallid, last_response: 'SIP/2.0 200 OK' });
    expect(r.progress.checkpoints.map((c) => c.checkpoint)).toEqual([0, 1, 2, 3, 4, 5]);
    // X hung up itself, so the script sent no BYE (the scenario fails on any request after its NOTIFYs).
  });

  it('REFER answered 202 and then no NOTIFY at all: result unknown after the notify timer, then X is released', async () => {
    const r = await field('field-no-notify.xml');
    expectClean(r);
    expect(r.final).toEqual({ result: 'unknown', ivrcallid: r.atAnswer.ivrcallid });
    expect(r.progress.checkpoints.map((c) => c.checkpoint)).toEqual([0, 1, 2, 5]);
    expect(r.answerToEndMs).toBeGreaterThanOrEqual(NOTIFY_TIMEOUT_MS - 500);
    expect(r.answerToEndMs).toBeLessThan(NOTIFY_TIMEOUT_MS + 5_000);
  });

  it('202 with Refer-Sub: false (no subscription, RFC 4488): result unknown at once, not after the notify timer', async () => {
    const r = await field('field-refer-sub-false.xml');
    expectClean(r);
    expect(r.final).toEqual({ result: 'unknown', ivrcallid: r.atAnswer.ivrcallid });
    expect(r.progress.checkpoints.map((c) => c.checkpoint)).toEqual([0, 1, 2, 5]);
    expect(r.answerToEndMs).toBeLessThan(3_000);
  });

  it('a NOTIFY for no subscription (an unknown id, or after the terminating one) gets 481 and changes nothing', async () => {
    // The scenario itself checks the 481s and the 200s.
    const r = await field('field-notify-481.xml');
    expectClean(r);
    expect(r.final).toEqual({ result: 'ok', ivrcallid: r.atAnswer.ivrcallid, last_response: 'SIP/2.0 200 OK' });
    expect(r.progress.signals.received).toBeGreaterThan(0);
  });

  it('the target is busy (NOTIFY sipfrag 486): the failed route releases X; result ok with the target\'s status line', async () => {
    const r = await field('field-target-busy.xml');
    expectClean(r);
    // `rejected` is the service call's own refusal; the target's outcome is in last_response.
    expect(r.final).toEqual({ result: 'ok', ivrcallid: r.atAnswer.ivrcallid, last_response: 'SIP/2.0 486 Busy Here' });
    expect(r.progress.checkpoints.map((c) => c.checkpoint)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it.each(['408 Request Timeout', '487 Request Terminated'])('the target rings and is never answered (NOTIFY 180, then %s): failed route, that status line', async (final) => {
    const r = await field('field-target-no-answer.xml', ['-key', 'final', final]);
    expectClean(r);
    expect(r.final).toEqual({ result: 'ok', ivrcallid: r.atAnswer.ivrcallid, last_response: `SIP/2.0 ${final}` });
    expect(r.progress.checkpoints.map((c) => c.checkpoint)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('nothing is left in the store: no dialog for X, none listed', async () => {
    expect((await ops.api('GET', CALLS)).body).toEqual([]);
  });
});

// No built-in script REFERs twice on one service call except REFER's transfer back, which needs a
// B2B call to take over (INVITE with Replaces) first; the node's side of it is tested here directly,
// with the same kind of SIPp phone, driving the SIP node's ServiceCallPort as the activities do.
describe.skipIf(!hasSipp)('a second REFER after a failed one (the SIP node, SIPp as the referred phone)', () => {
  it('the second REFER\'s NOTIFYs are matched to it by Event id (its CSeq); a late NOTIFY of the first, ended, subscription gets 481', async () => {
    const port = await freePort();
    const t = await startTestNode({ statics: { sip2: `sip:127.0.0.1:${port}` } });
    const events: SipEventBody[] = [];
    t.node.serviceCalls.onServiceCallEvent((_callid, event) => events.push(event));
    const ctx: SipRequestContext = { workflowId: 'op-refer-field', activityId: '1', attempt: 1 };
    const sc = t.node.serviceCalls;
    const seen = (type: string, line?: string) => events.some((e) => e.type === type && (line === undefined || ('sipfrag' in e && e.sipfrag.startsWith(line))));
    try {
      const phone = startSipp({ scenario: scenario('field-second-refer.xml'), localPort: port, timeoutS: 15 });
      const callid = 'rIV-001-0123456789abcdef0123456789a';
      await sc.placeCall({ callid, to: '12', domain: DOMAIN, from: `sip:100@${DOMAIN}`, callerid: '100', callername: 'Callback', timeoutSec: 30, headers: {}, bindings: [] }, ctx);
      await nodeUntil(() => seen('sip.answered'), 'the answer');
      await sc.sendRefer({ callid, referTo: '13' }, ctx);
      await nodeUntil(() => seen('notify.sipfrag', 'SIP/2.0 486'), 'the first REFER to fail');
      await sc.sendRefer({ callid, referTo: '11' }, ctx);
      await nodeUntil(() => seen('notify.sipfrag', 'SIP/2.0 200'), "the second REFER's final NOTIFY");
      await sc.hangup({ callids: [callid] }, ctx);
      const r = await phone.done;
      expect(r.code, explain(r)).toBe(0);
      // The late NOTIFY (200 OK, for the first subscription) was answered 481 and delivered nothing.
      expect(events.map((e) => ('sipfrag' in e ? `${e.type} ${e.sipfrag.trim()}` : e.type))).toEqual([
        'sip.provisional',
        'sip.answered',
        'refer.accepted',
        'notify.sipfrag SIP/2.0 100 Trying',
        'notify.sipfrag SIP/2.0 486 Busy Here',
        'refer.accepted',
        'notify.sipfrag SIP/2.0 200 OK',
      ]);
      await nodeUntil(() => sc.size === 0, 'the service call to end');
    } finally {
      killAllSipp();
      await t.stop();
    }
  });
});
