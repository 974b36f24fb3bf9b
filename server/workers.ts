// The Temporal workers of one process: the workflow worker (shared ops queue) and, on the SIP node,
// the node's worker on its own queue. The node's worker owns the SIP socket, so SIP actions run
// there; it also runs the operations started on its queue (the API's default), whose SIP actions
// are then local activities (docs/operations.md, "Where an operation runs").
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel as TemporalLogLevel, type WorkflowBundle } from '@temporalio/worker';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { CallStore } from '../store/call-store.ts';
import { createActivities } from '../activities/index.ts';
import type { SipActivityDeps } from '../activities/sip-activities.ts';
import { OPS_TASK_QUEUE, sipTaskQueue } from '../temporal/task-queues.ts';
import { tuneWorkflowThreads } from './workflow-thread.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * How the workflow bundle is built, for the server, the tests and the replays alike. With the
 * reusable V8 context (the SDK's default) every new workflow evaluates its modules afresh: zod,
 * xstate and our schemas, ~7 ms of the workflow thread per operation (docs/benchmarks.md,
 * "Operations"). Preloaded, they are evaluated once per isolate and shared. That is safe only for
 * modules without per-workflow state: ours keep none at module level (the run's state lives in
 * runOperation), and the SDK freezes what they export.
 */
export const WORKFLOW_BUNDLER_OPTIONS = { ignoreModules: [], preloadModules: [workflowsPath] };

let runtimeInstalled = false;

/** What ops need from an SDK log line ("Activity failed" says nothing by itself): which workflow,
 * which activity, and why. */
export function sdkLogFields(meta: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!meta) return out;
  for (const key of ['workflowId', 'workflowType', 'activityType', 'activityId', 'taskQueue', 'isLocal'] as const) {
    const v = meta[key];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
  }
  const err = meta.error ?? meta.failure;
  if (err instanceof Error) out.error = `${err.name}: ${err.message}`.slice(0, 300);
  else if (typeof err === 'string') out.error = err.slice(0, 300);
  return out;
}

/** Routes the SDK's own logs into ours (warnings and errors only: the SDK is chatty at info). */
export function installTemporalRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const log = logger.child('temporal-sdk');
  Runtime.install({
    // The server stops its workers itself (server/start.ts). The SDK's default would also stop them
    // on SIGUSR2 (and SIGQUIT), silently: the API stays up while no operation runs any more.
    shutdownSignals: [],
    logger: new DefaultLogger('WARN' as TemporalLogLevel, (entry) => {
      const msg = entry.message.slice(0, 500);
      // A workflow-only or activity-only worker is by design here, not a misconfiguration.
      if (/^No (activities|workflows|Nexus services) registered/.test(msg)) return;
      const fields = sdkLogFields(entry.meta);
      if (entry.level === 'ERROR') log.error(msg, fields);
      else log.warn(msg, fields);
    }),
  });
}

export interface WorkersOptions {
  config: Config;
  address: string;
  store: CallStore;
  clock: Clock;
  logger: Logger;
  /** Run the workflow worker (ops queue). */
  workflows: boolean;
  /** Run the SIP node's activity worker (node queue). */
  nodeActivities: boolean;
  /** The operations' SIP activities: the node's service calls and the event router's routes. */
  sip?: SipActivityDeps;
}

export interface RunningWorkers {
  taskQueues: string[];
  shutdown(): Promise<void>;
}

export async function startWorkers(opts: WorkersOptions): Promise<RunningWorkers> {
  installTemporalRuntime(opts.logger);
  const log = opts.logger.child('worker');
  const { workflowStackTraces, workflowWatchdog } = opts.config.temporal;
  tuneWorkflowThreads({ stackTraces: workflowStackTraces, watchdog: workflowWatchdog });
  log.info('workflow threads', { stackTraces: workflowStackTraces, watchdog: workflowWatchdog });
  const connection = await NativeConnection.connect({ address: opts.address });
  const namespace = opts.config.temporal.namespace;
  const workers: Worker[] = [];
  try {
    // One bundle for both workers (building it takes seconds).
    const started = Date.now();
    const workflowBundle: WorkflowBundle = await bundleWorkflowCode({ workflowsPath, ...WORKFLOW_BUNDLER_OPTIONS, logger: new DefaultLogger('WARN') });
    const bundleMs = Date.now() - started;
    if (opts.workflows) {
      workers.push(await Worker.create({ connection, namespace, taskQueue: OPS_TASK_QUEUE, workflowBundle }));
      log.info('workflow worker ready', { taskQueue: OPS_TASK_QUEUE, bundleMs });
    }
    if (opts.nodeActivities) {
      const taskQueue = sipTaskQueue(opts.config.node);
      workers.push(
        await Worker.create({
          connection,
          namespace,
          taskQueue,
          workflowBundle,
          activities: createActivities({ config: opts.config, store: opts.store, clock: opts.clock, sip: opts.sip }),
        }),
      );
      log.info('node worker ready (operations and SIP activities)', { taskQueue, bundleMs });
    }
  } catch (err) {
    await connection.close();
    throw err;
  }

  const runs = workers.map((w) =>
    w.run().catch((err: unknown) => {
      log.error('worker stopped with an error', { taskQueue: w.options.taskQueue, error: (err as Error).message });
    }),
  );

  return {
    taskQueues: workers.map((w) => w.options.taskQueue),
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(runs);
      await connection.close();
    },
  };
}
