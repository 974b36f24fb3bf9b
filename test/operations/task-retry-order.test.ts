// A retried workflow task delivers the signals that came during the failed attempt before the timer
// or activity result that led to them (signals come first in an activation). A local run holds a
// signal numbered past a gap until the re-run activity's first result fills it (holdGaps,
// workflows/event-stream.ts), so the machine still sees the 180 before the 200. The script here is
// POST with a 1 s wait before it dials X; X rings at once and answers after the collect window, so
// its 200 comes as a signal while the task that placed the call is held busy, then failed
// (retry-after-signal-interceptor.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinScriptPath, parseScript } from '../../service-scripts/load.ts';
import { CALLS_PATH } from '../../api/test-helpers.ts';
import { startOpsHarness, type OpsHarness } from './harness.ts';
import { dialogs, NEW_DIALOG } from './scenarios.ts';

const EventType = temporal.api.enums.v1.EventType;
const postSource = readFileSync(builtinScriptPath('post'), 'utf8');
/** POST with a wait before anything is dialled. */
const postAfterWait = parseScript(
  postSource.replace(/^start: intercom$/m, 'start: pause').replace(/^steps:$/m, 'steps:\n  pause: { type: wait, seconds: 1, next: intercom }\n'),
  'post-after-wait.yaml',
);

let h: OpsHarness;
beforeAll(async () => {
  h = await startOpsHarness(dialogs, {
    nodeWorkflowInterceptors: [fileURLToPath(new URL('./retry-after-signal-interceptor.ts', import.meta.url))],
    scripts: (name) => {
      if (name !== 'post') throw new Error(`only post here, not ${name}`);
      return postAfterWait;
    },
  });
});
afterAll(async () => {
  await h?.shutdown();
});

describe('a retried workflow task delivers the signals of its failed attempt first', () => {
  it('POST after a wait: X rings, the 200 comes as a signal during the failed task; on the retry the 180 still precedes it, result ok', async () => {
    expect(postAfterWait.name).toBe('post');
    h.sip.reset({
      callees: { '11': { ring: { afterMs: 10 }, answerAfterMs: 200 } },
      transfers: { '13': { notify: [{ afterMs: 100, sipfrag: 'SIP/2.0 200 OK', acallid: 'xy-call@10.0.0.11', dialogid: NEW_DIALOG }], byeAfterMs: 300 } },
    });
    const before = h.started.length;
    const res = await h.request('POST', CALLS_PATH, { from: '11', to: '13', response_mode: 5 });
    const workflowId = h.started[before]!;
    const final = await h.result(workflowId);
    const events = (await h.env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const types = events.map((e) => EventType[e.eventType ?? 0]);
    // The injected failure happened, and the 200's signal is among what its retry delivered.
    const failed = types.indexOf('EVENT_TYPE_WORKFLOW_TASK_FAILED');
    expect(failed).toBeGreaterThan(0);
    const retried = types.indexOf('EVENT_TYPE_WORKFLOW_TASK_STARTED', failed);
    expect(types.slice(failed, retried)).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    // One INVITE, answered, transferred: the operation ends as it would have.
    expect(h.sip.sent('placeCall')).toHaveLength(1);
    expect(h.sip.sent('sendRefer').map((x) => x.referTo)).toEqual(['13']);
    expect(res.body).toMatchObject({ result: 'ok', dialogid: NEW_DIALOG });
    expect(final).toMatchObject({ result: 'ok', dialogid: NEW_DIALOG });
  });
});
