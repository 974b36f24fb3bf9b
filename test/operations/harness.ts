// The operations under test, wired as production will be, with a fake SIP peer in place of the
// B2BUA: a real Temporal dev server (startTestTemporal), the workflow worker on OPS_TASK_QUEUE with
// the real workflowsPath (runs started on the shared queue), the node's worker on sipTaskQueue('001')
// with the same workflows (where the API starts them) and
// createSipActivities({ sip: fakeSip, routes: router }), the event router signalling through the
// test server's client, and the API app with TemporalOperations as its OperationsPort.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Hono } from 'hono';
import { createActivities } from '../../activities/index.ts';
import { makeApp, makeStore, testConfig, TOKENS, type DialogSpec, type Who } from '../../api/test-helpers.ts';
import type { ApiEnv } from '../../api/types.ts';
import type { Config } from '../../config/schema.ts';
import { ManualClock } from '../../lib/clock.ts';
import { SipEventRouter } from '../../operations/sip-event-router.ts';
import { TemporalOperations } from '../../operations/temporal-operations.ts';
import type { ScriptLoader } from '../../operations/workflow-inputs.ts';
import { WORKFLOW_BUNDLER_OPTIONS, workflowsPath } from '../../server/workers.ts';
import type { CallStore } from '../../store/call-store.ts';
import { OPS_TASK_QUEUE, sipTaskQueue } from '../../temporal/task-queues.ts';
import { startTestTemporal } from '../helpers/temporal-env.ts';
import { FakeSipPeer } from './fake-sip.ts';

export interface OpsHarness {
  env: TestWorkflowEnvironment;
  config: Config;
  store: CallStore;
  sip: FakeSipPeer;
  router: SipEventRouter;
  operations: TemporalOperations;
  app: Hono<{ Bindings: ApiEnv }>;
  /** Workflow ids of the operations started through `operations`, in order. */
  started: string[];
  /** An API request, with optional extra headers (Idempotency-Key). */
  request(method: string, path: string, body: unknown, opts?: { who?: Who; headers?: Record<string, string> }): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Waits until the workflow has ended and returns its result. */
  result(workflowId: string): Promise<Record<string, unknown>>;
  shutdown(): Promise<void>;
}

export interface OpsHarnessOptions {
  /** Workflow interceptor modules for the node's worker (tests that inject workflow task failures). */
  nodeWorkflowInterceptors?: string[];
  /** The scripts the operations run (default: the built-in ones). */
  scripts?: ScriptLoader;
}

export async function startOpsHarness(dialogs: DialogSpec[] = [], options: OpsHarnessOptions = {}): Promise<OpsHarness> {
  const env = await startTestTemporal();
  const config = testConfig();
  const store = makeStore(dialogs);
  const sip = new FakeSipPeer();
  const router = new SipEventRouter({ client: env.client, releaseGraceMs: 2_000 });
  sip.connect((callid, event) => router.deliver(callid, event));

  const workflowWorker = await Worker.create({ connection: env.nativeConnection, taskQueue: OPS_TASK_QUEUE, workflowsPath, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS });
  // The node's worker runs the operations the API starts on its queue, SIP actions local.
  const sipWorker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: sipTaskQueue(config.node),
    workflowsPath,
    bundlerOptions: WORKFLOW_BUNDLER_OPTIONS,
    ...(options.nodeWorkflowInterceptors ? { interceptors: { workflowModules: options.nodeWorkflowInterceptors } } : {}),
    activities: createActivities({ config, store, clock: new ManualClock(1_700_000_000_000), sip: { sip, routes: router } }),
  });
  const running = Promise.all([workflowWorker.run(), sipWorker.run()]);

  const started: string[] = [];
  let n = 0;
  class RecordingOperations extends TemporalOperations {
    override plan(request: Parameters<TemporalOperations['plan']>[0]) {
      const plan = super.plan(request);
      started.push(plan.workflowId);
      return plan;
    }
  }
  const operations = new RecordingOperations({
    client: env.client,
    config,
    store,
    acceptTimeoutMs: 10_000,
    ...(options.scripts ? { scripts: options.scripts } : {}),
    // Readable ids, unique across runs against one server.
    newId: () => `t${Date.now().toString(36)}-${++n}`,
  });
  const { app } = makeApp({ config, store, operations });

  return {
    env,
    config,
    store,
    sip,
    router,
    operations,
    app,
    started,
    async request(method, path, body, opts = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${TOKENS[opts.who ?? 'alice']}`, ...opts.headers };
      const rawBody = new TextEncoder().encode(JSON.stringify(body));
      const res = await app.fetch(new Request(`http://localhost${path}`, { method, headers }), { rawBody });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async result(workflowId) {
      return (await env.client.workflow.getHandle(workflowId).result()) as Record<string, unknown>;
    },
    async shutdown() {
      sip.close();
      workflowWorker.shutdown();
      sipWorker.shutdown();
      await running;
      router.close();
      await env.teardown();
    },
  };
}
