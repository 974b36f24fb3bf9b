// The SDK's workflow threads run with the settings tuneWorkflowThreads gives them: real workers on a
// real dev server, each created after its settings.
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestTemporal } from './helpers/temporal-env.ts';
import { tuneWorkflowThreads, type WorkflowThreadSettings } from '../server/workflow-thread.ts';

const EventType = temporal.api.enums.v1.EventType;
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let n = 0;

beforeAll(async () => {
  env = await startTestTemporal();
  bundle = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./workflow-threads-fixture.ts', import.meta.url)), logger: new DefaultLogger('WARN') });
}, 60_000);
afterAll(async () => {
  tuneWorkflowThreads({ stackTraces: true, watchdog: true });
  await env?.teardown();
});

/** A worker created under `settings`, running while `body` runs. */
async function withWorker<T>(settings: WorkflowThreadSettings, body: (taskQueue: string) => Promise<T>): Promise<T> {
  tuneWorkflowThreads(settings);
  const taskQueue = `wf-thread-${++n}`;
  // A short execution limit, so the watchdog's effect shows within the test. SDK 1.24 reads it
  // from the options but leaves it out of their type ("not exposed at the moment").
  const options: WorkerOptions & { isolateExecutionTimeout: string } = { connection: env.nativeConnection, taskQueue, workflowBundle: bundle, isolateExecutionTimeout: '100ms' };
  const worker = await Worker.create(options);
  return worker.runUntil(body(taskQueue));
}

/** The message of the run's first failed workflow task, waited for up to 10 s. */
async function firstTaskFailure(handle: WorkflowHandle): Promise<string | undefined> {
  for (let i = 0; i < 100; i++) {
    const events = (await handle.fetchHistory()).events ?? [];
    const failure = events.find((e) => EventType[e.eventType ?? 0] === 'EVENT_TYPE_WORKFLOW_TASK_FAILED')?.workflowTaskFailedEventAttributes?.failure?.message;
    if (failure) return failure;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

describe('the workflow threads tuned by tuneWorkflowThreads', () => {
  it('stack traces off: the __stack_trace query answers that they are off', async () => {
    await withWorker({ stackTraces: false, watchdog: true }, async (taskQueue) => {
      const handle = await env.client.workflow.start('waits', { taskQueue, workflowId: `waits-off-${n}` });
      await expect(handle.query('__stack_trace')).rejects.toThrow(/stack traces are not enabled/);
      await handle.terminate();
    });
  });

  it("stack traces off: cancellation scopes (Node's AsyncLocalStorage, its own promise hooks) work as ever", async () => {
    for (const watchdog of [true, false]) {
      await withWorker({ stackTraces: false, watchdog }, async (taskQueue) => {
        expect(await env.client.workflow.execute('scoped', { taskQueue, workflowId: `scoped-${n}` })).toBe('scoped');
      });
    }
  });

  it("stack traces on (the SDK's default): the query shows where the workflow waits", async () => {
    await withWorker({ stackTraces: true, watchdog: true }, async (taskQueue) => {
      const handle = await env.client.workflow.start('waits', { taskQueue, workflowId: `waits-on-${n}` });
      expect(await handle.query<string>('__stack_trace')).toMatch(/waits/);
      await handle.terminate();
    });
  });

  it('watchdog on: a workflow task busy past the execution limit fails', async () => {
    await withWorker({ stackTraces: false, watchdog: true }, async (taskQueue) => {
      const handle = await env.client.workflow.start('spins', { taskQueue, workflowId: `spins-on-${n}`, args: [1e9] });
      expect(await firstTaskFailure(handle)).toMatch(/timed out/i);
      await handle.terminate();
    });
  }, 30_000);

  it('watchdog on: the limit holds for a whole activation, however many entries into workflow code it makes', async () => {
    await withWorker({ stackTraces: false, watchdog: true }, async (taskQueue) => {
      // ~10 ms per entry, well under the 100 ms limit, ~300 ms in all: the SDK's watchdog per entry let it run.
      const handle = await env.client.workflow.start('steps', { taskQueue, workflowId: `steps-on-${n}`, args: [30, 1e7] });
      expect(await firstTaskFailure(handle)).toMatch(/timed out/i);
      await handle.terminate();
      // A short activation of several entries is not stopped.
      expect(typeof (await env.client.workflow.execute('steps', { taskQueue, workflowId: `steps-short-${n}`, args: [2, 1e5] }))).toBe('number');
    });
  }, 30_000);

  it('watchdog off: the same task runs to its end', async () => {
    await withWorker({ stackTraces: false, watchdog: false }, async (taskQueue) => {
      const result = await env.client.workflow.execute('spins', { taskQueue, workflowId: `spins-off-${n}`, args: [1e9] });
      expect(typeof result).toBe('number');
    });
  }, 30_000);
});
