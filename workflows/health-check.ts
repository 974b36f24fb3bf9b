// Round trip through every part of the engine: the workflow worker runs this, and it calls an
// activity on the SIP node's own task queue. `callctl health` and the tests use it to prove the
// Temporal server, the workflow worker and the node worker all answer.
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities/node-activities.ts';
import { sipTaskQueue } from '../temporal/task-queues.ts';

export interface HealthCheckInput {
  node: string;
}

export interface HealthCheckResult {
  node: string;
  site: string;
  taskQueue: string;
  dialogs: number;
  /** Workflow time when the answer came back (deterministic: taken from workflow history). */
  checkedAt: number;
}

export async function healthCheck(input: HealthCheckInput): Promise<HealthCheckResult> {
  // A plain Error would only fail the workflow task and retry it forever; bad input fails the run.
  if (!/^[0-9]{3}$/.test(input.node)) {
    throw ApplicationFailure.nonRetryable(`node must be 3 digits, got ${JSON.stringify(input.node)}`, 'InvalidInput');
  }
  const { describeNode } = proxyActivities<ReturnType<typeof activities.createNodeActivities>>({
    taskQueue: sipTaskQueue(input.node),
    startToCloseTimeout: '5 seconds',
    scheduleToStartTimeout: '10 seconds',
    retry: { maximumAttempts: 3 },
  });
  const d = await describeNode();
  return { node: d.node, site: d.site, taskQueue: d.taskQueue, dialogs: d.dialogs, checkedAt: Date.now() };
}
