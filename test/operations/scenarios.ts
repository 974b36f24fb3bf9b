// The operation runs the tests check and record-histories.ts records: each sets up the fake SIP
// peer's far ends, sends the API request, and waits for the workflow to end (so no run spills into
// the next one). Kept apart from the assertions so both use exactly the same runs.
import { acct, CALLS_PATH, callPath, ext, type DialogSpec } from '../../api/test-helpers.ts';
import type { OpsHarness } from './harness.ts';

export const DOMAIN = 'test.rootdomain.ru';
/** X (alice's sip1) talks to Y (an outside number) in every REFER dialog; alice transfers, so Y moves. */
export const Y_URI = `sip:79001112233@${DOMAIN}`;
export const REFER_DIALOGS = { noNotify: 'rDlg-001-RefNo1', failBack: 'rDlg-001-RefBk1' } as const;
export const dialogs: DialogSpec[] = [
  { suffix: 'RefNo1', a: acct('sip1'), b: ext('79001112233') },
  { suffix: 'RefBk1', a: acct('sip1'), b: ext('79001112233') },
];

export const NEW_DIALOG = 'rDlg-001-NewXY1';

export interface Run {
  workflowId: string;
  status: number;
  /** The API's answer at the requested response_mode. */
  answer: Record<string, unknown>;
  /** The workflow's result: the answer once the operation is over. */
  final: Record<string, unknown>;
  /** Milliseconds from the request to the API's answer. */
  answeredMs: number;
}

async function run(h: OpsHarness, method: string, path: string, body: Record<string, unknown>): Promise<Run> {
  const before = h.started.length;
  const t0 = Date.now();
  const res = await h.request(method, path, body);
  const answeredMs = Date.now() - t0;
  const workflowId = h.started[before];
  if (!workflowId) throw new Error(`no operation started: ${res.status} ${JSON.stringify(res.body)}`);
  return { workflowId, status: res.status, answer: res.body, final: await h.result(workflowId), answeredMs };
}

/** X answers after 50 ms, is REFERred to Y (13), NOTIFY 180 then 200; DTMF after `,` goes to Y. */
export function postHappy(h: OpsHarness, mode: number, to = '13'): Promise<Run> {
  h.sip.reset({
    callees: { '11': { answerAfterMs: 50 } },
    transfers: {
      '13': {
        notify: [
          { afterMs: 300, sipfrag: 'SIP/2.0 180 Ringing' },
          { afterMs: 600, sipfrag: 'SIP/2.0 200 OK', acallid: 'xy-call@10.0.0.11', dialogid: NEW_DIALOG },
        ],
        byeAfterMs: 900,
      },
    },
  });
  return run(h, 'POST', CALLS_PATH, { from: '11', to, response_mode: mode });
}

/** X is busy. */
export function postBusy(h: OpsHarness): Promise<Run> {
  h.sip.reset({ callees: { '11': { fail: { afterMs: 60, status: 486, reason: 'Busy Here' } } } });
  return run(h, 'POST', CALLS_PATH, { from: '11', to: '13', response_mode: 2 });
}

/** X rings and never answers: the script's 2 s call timer (a durable timer) ends it. */
export function postNoAnswer(h: OpsHarness): Promise<Run> {
  h.sip.reset({ callees: { '11': {} } });
  return run(h, 'POST', CALLS_PATH, { from: '11', to: '13', calltimeout: 2, response_mode: 2 });
}

/** Y is taken over, REFERred to Z (13): accepted, but not one NOTIFY comes. */
export function referNoNotify(h: OpsHarness): Promise<Run> {
  h.sip.reset({ callees: { [Y_URI]: { answerAfterMs: 50 } }, transfers: { '13': {} } });
  return run(h, 'REFER', callPath(REFER_DIALOGS.noNotify), { by: 'a', referto: '13', response_mode: 5 });
}

/** Z (13) is busy: Y goes back to X's number (11). */
export function referFailBack(h: OpsHarness): Promise<Run> {
  h.sip.reset({
    callees: { [Y_URI]: { answerAfterMs: 50 } },
    transfers: {
      '13': {
        notify: [
          { afterMs: 100, sipfrag: 'SIP/2.0 180 Ringing', acallid: 'yz-call@10.0.0.9', dialogid: 'rDlg-001-YtoZ01' },
          { afterMs: 250, sipfrag: 'SIP/2.0 486 Busy Here' },
        ],
      },
      '11': { notify: [{ afterMs: 100, sipfrag: 'SIP/2.0 200 OK' }], byeAfterMs: 150 },
    },
  });
  return run(h, 'REFER', callPath(REFER_DIALOGS.failBack), { by: 'a', referto: '13', response_mode: 5 });
}

/** Third-party call control: X answers, then Y (13) rings and answers; the two are joined. */
export function inviteJoin(h: OpsHarness): Promise<Run> {
  h.sip.reset({ callees: { '11': { answerAfterMs: 50 }, '13': { answerAfterMs: 200 } } });
  return run(h, 'INVITE', CALLS_PATH, { from: '11', to: '13,7', response_mode: 5 });
}

/** X rings (60 s allowed); after the answer at checkpoint 1, ops staff cancel the workflow. */
export async function postCancelled(h: OpsHarness, beforeCancel?: (workflowId: string) => Promise<void>): Promise<Run> {
  h.sip.reset({ callees: { '11': {} } });
  const before = h.started.length;
  const t0 = Date.now();
  const res = await h.request('POST', CALLS_PATH, { from: '11', to: '13', calltimeout: 60, response_mode: 1 });
  const answeredMs = Date.now() - t0;
  const workflowId = h.started[before]!;
  await beforeCancel?.(workflowId);
  await h.env.client.workflow.getHandle(workflowId).cancel();
  return { workflowId, status: res.status, answer: res.body, final: await h.result(workflowId), answeredMs };
}

/** Every scenario that record-histories.ts records, by fixture name. */
export const RECORDED: Record<string, (h: OpsHarness) => Promise<Run>> = {
  'post-happy-mode0': (h) => postHappy(h, 0),
  'post-happy-dtmf-mode5': (h) => postHappy(h, 5, '13,5'),
  'post-busy': postBusy,
  'post-no-answer': postNoAnswer,
  'post-cancelled': (h) => postCancelled(h),
  'refer-no-notify': referNoNotify,
  'refer-fail-back': referFailBack,
  'invite-join': inviteJoin,
};
