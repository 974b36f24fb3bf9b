// Replays every recorded operation history (histories/*.json, made by record-histories.ts) against
// the current workflow code. A change that makes a running operation take another path on replay
// (a new activity or timer, another order) fails here, before it can break operations in flight.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOW_BUNDLER_OPTIONS, workflowsPath } from '../../server/workers.ts';

try {
  // The SDK logs every replay worker's state changes at INFO; warnings are enough.
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process.
}

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, history: JSON.parse(readFileSync(dir + file, 'utf8')) as unknown }));

async function replayAll(path: string, only?: (file: string) => boolean): Promise<Array<{ file: string; error: string | undefined }>> {
  const chosen = fixtures.filter((f) => !only || only(f.file));
  const results: ReplayResult[] = [];
  const histories = chosen.map((f) => ({ workflowId: f.file.replace(/\.json$/, ''), history: f.history }));
  // The server's bundle options (preloaded modules) for the real code; the drifted copy plain.
  const bundlerOptions = path === workflowsPath ? WORKFLOW_BUNDLER_OPTIONS : undefined;
  for await (const r of Worker.runReplayHistories({ workflowsPath: path, replayName: 'operations-replay', bundlerOptions }, histories)) results.push(r);
  return results.map((r) => ({ file: `${r.workflowId}.json`, error: r.error ? `${r.error.name}: ${r.error.message}` : undefined }));
}

describe('operation workflow histories replay against the current code', () => {
  it('has a fixture for every operation and outcome recorded', () => {
    // Each four times: as first recorded, every SIP event a signal; with the events that placeCall
    // and sendRefer return (-collect, patch sip-events-in-activity-results); run on the node's
    // queue with local SIP activities (-local, docs/operations.md "Where an operation runs"); and
    // with collection and event-caused local hangups asked for by the input (-unpatched: no patch
    // marker, no upsert).
    expect(fixtures.map((f) => f.file)).toEqual([
      'invite-join-collect.json',
      'invite-join-local.json',
      'invite-join-unpatched.json',
      'invite-join.json',
      'post-busy-collect.json',
      'post-busy-local.json',
      'post-busy-unpatched.json',
      'post-busy.json',
      'post-cancelled-collect.json',
      'post-cancelled-local.json',
      'post-cancelled-unpatched.json',
      'post-cancelled.json',
      'post-happy-dtmf-mode5-collect.json',
      'post-happy-dtmf-mode5-local.json',
      'post-happy-dtmf-mode5-unpatched.json',
      'post-happy-dtmf-mode5.json',
      'post-happy-mode0-collect.json',
      'post-happy-mode0-local.json',
      'post-happy-mode0-unpatched.json',
      'post-happy-mode0.json',
      'post-no-answer-collect.json',
      'post-no-answer-local.json',
      'post-no-answer-unpatched.json',
      'post-no-answer.json',
      'refer-fail-back-collect.json',
      'refer-fail-back-local.json',
      'refer-fail-back-unpatched.json',
      'refer-fail-back.json',
      'refer-no-notify-collect.json',
      'refer-no-notify-local.json',
      'refer-no-notify-unpatched.json',
      'refer-no-notify.json',
    ]);
  });

  it('the -local fixtures ran on the node\'s queue, sending as local activities (hangup and a mode-0 first call queued); the others on the shared queue', () => {
    type Ev = { eventType: string; workflowExecutionStartedEventAttributes?: { taskQueue?: { name?: string } }; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } };
    for (const f of fixtures) {
      const events = (f.history as { events: Ev[] }).events;
      const queue = events[0]?.workflowExecutionStartedEventAttributes?.taskQueue?.name;
      const local = f.file.endsWith('-local.json') || f.file.endsWith('-unpatched.json');
      const queued = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
      expect([f.file, queue]).toEqual([f.file, local ? 'callctl-sip-001' : 'callctl-ops']);
      if (!local) {
        expect([f.file, queued.length > 0]).toEqual([f.file, true]);
        continue;
      }
      expect(events.map((e) => e.eventType)).toContain('EVENT_TYPE_MARKER_RECORDED');
      const allowed = f.file.startsWith('post-happy-mode0-') ? ['placeCall', 'hangup'] : ['hangup'];
      expect([f.file, queued.filter((n) => !allowed.includes(n))]).toEqual([f.file, []]);
      if (f.file.startsWith('post-happy-mode0-')) expect(queued[0]).toBe('placeCall');
    }
  });

  it('runs whose input asks for collection record no patch marker and no TemporalChangeVersion upsert; the patched ones do', () => {
    type Ev = { eventType: string; markerRecordedEventAttributes?: { markerName?: string }; upsertWorkflowSearchAttributesEventAttributes?: { searchAttributes?: { indexedFields?: Record<string, unknown> } } };
    for (const f of fixtures.filter((x) => x.file.endsWith('-unpatched.json') || x.file.endsWith('-local.json'))) {
      const events = (f.history as { events: Ev[] }).events;
      const patchMarkers = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
      const versionUpserts = events.filter((e) => 'TemporalChangeVersion' in (e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}));
      const patched = f.file.endsWith('-local.json');
      expect([f.file, patchMarkers.length, versionUpserts.length]).toEqual([f.file, patched ? 1 : 0, patched ? 1 : 0]);
    }
  });

  it('-unpatched: a hangup a SIP event caused ran in the workflow task (localHangup), one a timer, a cancel or an activity caused was queued', () => {
    type Ev = { eventType: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } };
    const queued = (file: string) =>
      ((fixtures.find((f) => f.file === file)?.history as { events: Ev[] }).events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(queued('refer-fail-back-unpatched.json')).toEqual([]);
    expect(queued('post-happy-mode0-unpatched.json')).toEqual(['placeCall']);
    expect(queued('post-no-answer-unpatched.json')).toEqual(['hangup']);
    expect(queued('refer-no-notify-unpatched.json')).toEqual(['hangup']);
    expect(queued('post-cancelled-unpatched.json')).toEqual(['hangup']);
    expect(queued('post-happy-dtmf-mode5-unpatched.json')).toEqual(['hangup']);
  });

  it('a local run at mode 0 answers in its first workflow task, before its first call (queued) has even started', () => {
    const f = fixtures.find((x) => x.file === 'post-happy-mode0-local.json');
    const types = (f?.history as { events: Array<{ eventType: string }> }).events.map((e) => e.eventType);
    const secondTask = types.indexOf('EVENT_TYPE_WORKFLOW_TASK_STARTED', types.indexOf('EVENT_TYPE_WORKFLOW_TASK_STARTED') + 1);
    const answered = types.indexOf('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED');
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(secondTask);
    expect(answered).toBeLessThan(types.indexOf('EVENT_TYPE_ACTIVITY_TASK_STARTED'));
  });

  it('replays every fixture without non-determinism', async () => {
    const results = await replayAll(workflowsPath);
    expect(results).toEqual(fixtures.map((f) => ({ file: f.file, error: undefined })));
  }, 60_000);

  it('catches a workflow that changed its commands (a deliberately drifted opPost)', async () => {
    const drifted = fileURLToPath(new URL('./drifted-workflows.ts', import.meta.url));
    const [result] = await replayAll(drifted, (f) => f === 'post-busy.json');
    expect(result?.error).toMatch(/DeterminismViolationError|Nondeterminism|nondeterminism/i);
  }, 60_000);
});
