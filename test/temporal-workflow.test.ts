// The engine's Temporal path against a real dev server: a workflow on the ops queue calls an activity
// on the SIP node's own queue, as every operation will.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfig } from '../config/load.ts';
import { CallStore } from '../store/call-store.ts';
import { ManualClock } from '../lib/clock.ts';
import { createActivities } from '../activities/index.ts';
import { workflowsPath } from '../server/workers.ts';
import { OPS_TASK_QUEUE, sipTaskQueue } from '../temporal/task-queues.ts';
import { startTestTemporal } from './helpers/temporal-env.ts';

describe('health-check workflow on a real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  const config = loadConfig();
  const store = new CallStore();
  const clock = new ManualClock(1_700_000_000_000);

  beforeAll(async () => {
    env = await startTestTemporal();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('reaches the node activity worker on the node queue and returns what the node reports', async () => {
    const wfWorker = await Worker.create({ connection: env.nativeConnection, taskQueue: OPS_TASK_QUEUE, workflowsPath });
    const nodeWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: sipTaskQueue(config.node),
      activities: createActivities({ config, store, clock }),
    });
    store.put({
      dialog: {
        acallid: 'x@h', callids: ['x@h'], dialogid: 'rDlg-001-abcdef', esgdlg: '', esgcallid: '', inviteid: 'i',
        status: 'forking', legs: [], localuri: '<sip:a@d>', remoteuri: '<sip:b@d>', site: 'SITE1', startts: 1, uris: [], opts: {},
      },
      participants: [],
    });
    const result = await wfWorker.runUntil(
      nodeWorker.runUntil(
        env.client.workflow.execute('healthCheck', {
          taskQueue: OPS_TASK_QUEUE,
          workflowId: `health-${Date.now()}`,
          args: [{ node: config.node }],
        }),
      ),
    );
    expect(result).toMatchObject({ node: '001', site: 'SITE1', taskQueue: 'callctl-sip-001', dialogs: 1 });
    expect(typeof result.checkedAt).toBe('number');
  });

  it('rejects a node that is not three digits without scheduling anything', async () => {
    const wfWorker = await Worker.create({ connection: env.nativeConnection, taskQueue: OPS_TASK_QUEUE, workflowsPath });
    const run = wfWorker.runUntil(
      env.client.workflow.execute('healthCheck', {
        taskQueue: OPS_TASK_QUEUE,
        workflowId: `health-bad-${Date.now()}`,
        args: [{ node: '1' }],
      }),
    );
    await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
  });
});
