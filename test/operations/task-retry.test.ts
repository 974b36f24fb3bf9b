// A retried workflow task runs its unrecorded local activities again (Temporal's at-least-once rule
// for local activities). The node answers such a re-run with the first run's outcome and sends
// nothing (activities/once-guard.ts): the operation ends as it would have, each request sent once.
// The node's worker here fails every run's first workflow task once, right after its first local
// activity result (fail-first-task-interceptor.ts).
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsHarness, type OpsHarness } from './harness.ts';
import { dialogs, NEW_DIALOG, postHappy } from './scenarios.ts';

const EventType = temporal.api.enums.v1.EventType;
let h: OpsHarness;
beforeAll(async () => {
  h = await startOpsHarness(dialogs, { nodeWorkflowInterceptors: [fileURLToPath(new URL('./fail-first-task-interceptor.ts', import.meta.url))] });
});
afterAll(async () => {
  await h?.shutdown();
});

describe('a retried workflow task re-runs its local activities: the node gives them their first outcome', () => {
  it('POST: the first task fails after placeCall; the retry gets its result again, one INVITE, one REFER, result ok', async () => {
    const r = await postHappy(h, 4);
    const events = (await h.env.client.workflow.getHandle(r.workflowId).fetchHistory()).events ?? [];
    const failed = events.filter((e) => EventType[e.eventType ?? 0] === 'EVENT_TYPE_WORKFLOW_TASK_FAILED');
    expect(failed.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)).toEqual([expect.stringContaining('injected')]);
    expect(r.answer).toMatchObject({ result: 'ok', last_response: 'SIP/2.0 200 OK', dialogid: NEW_DIALOG });
    expect(r.final).toMatchObject({ result: 'ok', dialogid: NEW_DIALOG });
    expect(h.sip.sent('placeCall')).toHaveLength(1);
    expect(h.sip.sent('sendRefer')).toHaveLength(1);
  });
});
