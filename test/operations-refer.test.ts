// The REFER operation (blind transfer, "X-Y | IVR→Y, IVR REFER Z, Y→Z") through the real server with
// its embedded Temporal: X is a SIPp caller (sip1, 11) that calls Y (sip2, 12, a SIPp phone at a
// static contact) through the server; `REFER /calls/{dialogid}` as alice moves Y. Y's scenarios
// (test/sip/scenarios/refer-op-*.xml) take the service call's INVITE with Replaces as a second SIPp
// call, BYE the replaced dialog (so X gets BYE), take the REFER and answer it with the NOTIFY
// sipfrags each case needs, without really calling Z: the sipfrags are all the server reads. So no
// target call exists, and the answer names none (no new_acallid, no new_dialogid).
import type { Client } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { temporalCliWorks } from '../temporal/cli-build.ts';
import type { OperationProgress } from '../workflows/signals.ts';
import { keyedWorkflowId, startOpsServer, until, type OpsServer } from './helpers/ops-server.ts';
import { freePort, type ServerProcess } from './helpers/server-process.ts';
import { explain, hasSipp, killAllSipp, scenario, sip1Dialling, startSipp, type SippResult, type SippRun } from './sip/helpers/sipp.ts';

const CALLS = '/rest/v1/user/sip/calls';
const IVR = /^rIV-001-[0-9a-f]{27}$/;

interface ReferAnswer {
  dialogid: string;
  result: string;
  ivrcallid: string;
  new_acallid?: string;
  new_last_response?: string;
  new_dialogid?: string;
}

interface TransferRun {
  dialogid: string;
  /** The answer at response_mode 2 (Y's device took the service call), and the final one (mode 5). */
  atAnswer: ReferAnswer;
  final: ReferAnswer;
  progress: OperationProgress;
  workflowId: string;
  key: string;
  x: SippResult;
  y: SippResult;
}

const skipReason = !hasSipp ? 'sipp is not installed' : !temporalCliWorks() ? 'the Temporal CLI is not built (npm run setup)' : null;
if (skipReason) console.warn(`[operations-refer] skipped: ${skipReason}`);

describe.skipIf(skipReason !== null)('REFER (blind transfer) through the real server: X a SIPp caller, Y a SIPp phone taken over with Replaces', () => {
  let ops: OpsServer;
  let server: ServerProcess;
  let temporal: Client;
  let api: OpsServer['api'];
  let yPort: number;
  let seq = 0;

  beforeAll(async () => {
    yPort = await freePort();
    ops = await startOpsServer((c) => {
      // sip2 (number 12, alice's) is Y: a fixed device, the SIPp phone of each test.
      c.domains[0].users[0].sipusers[1].contact = `sip:127.0.0.1:${yPort}`;
    });
    ({ server, temporal, api } = ops);
  });

  afterAll(async () => {
    killAllSipp();
    await ops?.close();
  });

  // A failed test must not hand its phones or its calls to the next one (Y's port, X's number).
  afterEach(async () => {
    killAllSipp();
    const left = (await api('GET', CALLS)).body as Array<{ dialogid: string }>;
    for (const d of left) await api('DELETE', `${CALLS}/${d.dialogid}`);
    await until(async () => JSON.stringify((await api('GET', CALLS)).body) === '[]', 'the calls a test left to end', 40_000);
  }, 45_000);

  async function refer(dialogid: string, key: string, mode: number): Promise<ReferAnswer> {
    const r = await api('REFER', `${CALLS}/${dialogid}`, { by: 'a', referto: '13', response_mode: mode }, { 'idempotency-key': key });
    // On a refusal, the server's last warnings and errors say why (an internal error is only 1500).
    if (r.status !== 200) console.log(`server warnings and errors:\n${server.output().split('\n').filter((l) => /\b(warn|error)\b/i.test(l)).slice(-30).join('\n')}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as ReferAnswer;
  }

  /** X (sip1) calls 12 through the server, answering the 407 as SIPp does. */
  async function xCalls12(file: string): Promise<SippRun> {
    return startSipp(sip1Dialling('12', { scenario: scenario(file), remotePort: server.sipPort, localPort: await freePort(), timeoutS: 30 }));
  }

  /** The one dialog of X's number once its status is `status`. */
  async function dialogOfX(status: string): Promise<string> {
    let found: string | undefined;
    await until(async () => {
      const ids = (await api('LOOKUP', CALLS, { phonenumber: '11' })).body as string[];
      if (ids.length !== 1) return false;
      const one = (await api('GET', `${CALLS}/${ids[0]}`)).body as { status?: string };
      found = one.status === status ? ids[0] : undefined;
      return found !== undefined;
    }, `X's dialog to be ${status}`);
    return found!;
  }

  const serviceCallsPlaced = () => server.output().match(/service call placed/g)?.length ?? 0;
  const serviceCallsOver = () => server.output().match(/service call over/g)?.length ?? 0;

  /**
   * Y runs `file` (two SIPp calls: X's, then the service call); X calls Y; the REFER is sent under one
   * Idempotency-Key at mode 2, then again at mode 5: one operation answers both, even when the second
   * finds the dialog already gone (moved by the first).
   */
  async function transfer(file: string): Promise<TransferRun> {
    const y = startSipp({ scenario: scenario(file), localPort: yPort, calls: 2, timeoutS: 30 });
    const x = await xCalls12('uac-wait-bye.xml');
    const dialogid = await dialogOfX('dialog');
    const key = `refer-${process.pid}-${++seq}`;
    const atAnswer = await refer(dialogid, key, 2);
    const final = await refer(dialogid, key, 5);
    const workflowId = keyedWorkflowId('refer', key, dialogid);
    const handle = temporal.workflow.getHandle(workflowId);
    // The run ends by itself, its result the final answer …
    expect(await handle.result()).toEqual(final);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const progress = await handle.query<OperationProgress>('progress');
    // … and the node let the service call go.
    await until(() => new RegExp(`service call over .*callid=${final.ivrcallid}`).test(server.output()), `the node to end ${final.ivrcallid}`);
    const [xr, yr] = await Promise.all([x.done, y.done]);
    return { dialogid, atAnswer, final, progress, workflowId, key, x: xr, y: yr };
  }

  /** What every transfer leaves: both phones content, the run over, nothing in the store or the node. */
  async function expectClean(r: TransferRun): Promise<void> {
    // X's scenario ends on the BYE that released it; Y's checked every request it got.
    expect(r.x.code, explain(r.x)).toBe(0);
    expect(r.y.code, explain(r.y)).toBe(0);
    expect(r.atAnswer).toEqual({ dialogid: r.dialogid, result: 'ok', ivrcallid: expect.stringMatching(IVR) });
    expect(r.final.ivrcallid).toBe(r.atAnswer.ivrcallid);
    expect(r.final.dialogid).toBe(r.dialogid);
    // No target call was made, so none is named.
    expect(r.final).not.toHaveProperty('new_acallid');
    expect(r.final).not.toHaveProperty('new_dialogid');
    expect(r.progress).toMatchObject({ operation: 'REFER', finished: true, step: 'done', signals: { dropped: 0 } });
    expect(r.progress.stopped).toBeUndefined();
    expect(Object.values(r.progress.legs).map((l) => l.status)).toEqual(['ended']);
    // The old dialog is gone (X released), and nothing else is listed.
    expect(await api('GET', `${CALLS}/${r.dialogid}`)).toMatchObject({ status: 404, body: { error_code: 1413 } });
    // A retry under the key after the end gets the final answer, not 1413 and not a second transfer;
    // another request under the same key is refused; without a key the dialog is simply not found.
    expect(await refer(r.dialogid, r.key, 2)).toEqual(r.final);
    expect(await api('REFER', `${CALLS}/${r.dialogid}`, { by: 'a', referto: '14' }, { 'idempotency-key': r.key })).toMatchObject({ status: 400, body: { error_code: 1400 } });
    expect(await api('REFER', `${CALLS}/${r.dialogid}`, { by: 'a', referto: '13' })).toMatchObject({ status: 404, body: { error_code: 1413 } });
    expect(await api('REFER', `${CALLS}/${r.dialogid}`, { by: 'a', referto: '13' }, { 'idempotency-key': `${r.key}-other` })).toMatchObject({ status: 404, body: { error_code: 1413 } });
    await until(async () => JSON.stringify((await api('GET', CALLS)).body) === '[]', 'an empty list');
    expect(serviceCallsOver()).toBe(serviceCallsPlaced());
    // Ops staff find the transfer by the dialog (docs/operations.md, "finding a failed transfer").
    await until(async () => {
      const ids: string[] = [];
      for await (const w of temporal.workflow.list({ query: `CallDialogId = '${r.dialogid}' AND CallOperation = 'REFER'` })) ids.push(w.workflowId);
      return ids.length === 1 && ids[0] === r.workflowId;
    }, 'the workflow listed by CallDialogId');
  }

  const checkpoints = (r: TransferRun) => r.progress.checkpoints.map((c) => c.checkpoint);

  it('Z answers (NOTIFY 100, 180, 200): result ok with Z\'s 200, X got BYE, the old dialog is gone, the operation completes', async () => {
    const r = await transfer('refer-op-z-answers.xml');
    await expectClean(r);
    expect(r.final).toEqual({ dialogid: r.dialogid, result: 'ok', ivrcallid: r.atAnswer.ivrcallid, new_last_response: 'SIP/2.0 200 OK' });
    // No checkpoint 1: a device taking over with Replaces answers at once, without ringing.
    expect(checkpoints(r)).toEqual([0, 2, 3, 4, 5]);
  });

  it('Z busy (NOTIFY 486): Y is transferred back to X\'s number by a second REFER on the same service call, whose NOTIFYs carry its own id; the answer keeps Z\'s 486 and result ok', async () => {
    // Y's scenario checks the second REFER's Refer-To (11) and names each REFER in its NOTIFYs' id.
    const r = await transfer('refer-op-z-busy.xml');
    await expectClean(r);
    // The transfer back reports nothing (refer.yaml: `reports: none`); the answer stays Z's.
    expect(r.final).toEqual({ dialogid: r.dialogid, result: 'ok', ivrcallid: r.atAnswer.ivrcallid, new_last_response: 'SIP/2.0 486 Busy Here' });
    expect(checkpoints(r)).toEqual([0, 2, 3, 4, 5]);
  });

  it('Y refuses the REFER (403): result error, and Y is sent back to X\'s number by a second REFER', async () => {
    const r = await transfer('refer-op-refer-refused.xml');
    await expectClean(r);
    expect(r.final).toEqual({ dialogid: r.dialogid, result: 'error', ivrcallid: r.atAnswer.ivrcallid });
    expect(checkpoints(r)).toEqual([0, 2, 5]);
  });

  it('REFER while the dialog is forking (Y still ringing): 409, error 1409, and nothing is sent', async () => {
    const y = startSipp({ scenario: scenario('uas-ring.xml'), localPort: yPort, timeoutS: 30 });
    const x = await xCalls12('uac-ringing-ended.xml');
    const dialogid = await dialogOfX('forking');
    const placed = serviceCallsPlaced();
    const r = await api('REFER', `${CALLS}/${dialogid}`, { by: 'a', referto: '13', response_mode: 5 });
    expect(r).toMatchObject({ status: 409, body: { error_code: 1409 } });
    expect((r.body as { error_message: string }).error_message).toMatch(/forking/);
    // Still ringing, untouched: then ended through the API (CANCEL to Y, 487 to X).
    expect(((await api('GET', `${CALLS}/${dialogid}`)).body as { status: string }).status).toBe('forking');
    expect(await api('DELETE', `${CALLS}/${dialogid}`)).toEqual({ status: 200, body: { dialogid } });
    const [xr, yr] = await Promise.all([x.done, y.done]);
    expect(xr.code, explain(xr)).toBe(0);
    // Y got nothing but the INVITE and its CANCEL: any other request would fail its scenario.
    expect(yr.code, explain(yr)).toBe(0);
    expect(yr.errors).toBe('');
    expect(serviceCallsPlaced()).toBe(placed);
    const ids: string[] = [];
    for await (const w of temporal.workflow.list({ query: `CallDialogId = '${dialogid}'` })) ids.push(w.workflowId);
    expect(ids).toEqual([]);
    await until(async () => JSON.stringify((await api('GET', CALLS)).body) === '[]', 'an empty list');
  });
});
