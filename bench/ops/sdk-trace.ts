// Diagnostic (SDK_TRACE=1 in bench/ops): timestamps of the Temporal SDK's steps on the server's main
// thread, per workflow run, one JSON line each to $BENCH_OPS_SDK_TRACE_FILE. Loaded by
// probe-preload.mjs before the worker starts. It changes nothing the SDK does, but it decodes each
// activation completion once more to learn its run: a traced run is for the breakdown
// (`npx tsx bench/ops/sdk-trace-summary.ts FILE`), not for the benchmark's figures.
//
// Steps: create/created (the workflow made in its thread), activate/activated (one activation in the
// thread), sinks/sinksDone (the SDK asking the thread for the workflow's log calls), complete/completed
// (the activation's completion handed to core: for the task's last one, the RPC to the server).
import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { coresdk as CoreSdk } from '@temporalio/proto';

const file = process.env.BENCH_OPS_SDK_TRACE_FILE;
const require = createRequire(import.meta.url);

type Fn = (...args: never[]) => Promise<unknown>;
interface RunProxy {
  runId: string;
  activate: Fn;
  getAndResetSinkCalls: () => Promise<unknown[]>;
}

if (file) {
  const out = openSync(file, 'w');
  process.on('exit', () => closeSync(out));
  const record = (ev: string, runId: string | undefined) =>
    writeSync(out, `${JSON.stringify({ t: performance.timeOrigin + performance.now(), ev, runId })}\n`);

  const { native } = require('@temporalio/core-bridge') as { native: Record<string, Fn> };
  const { coresdk } = require('@temporalio/proto') as { coresdk: typeof CoreSdk };
  const complete = native.workerCompleteWorkflowActivation!;
  native.workerCompleteWorkflowActivation = async function (this: unknown, ...args: never[]) {
    const buf = args[1] as unknown as Uint8Array;
    const runId = coresdk.workflow_completion.WorkflowActivationCompletion.decodeDelimited(buf).runId;
    record('complete', runId);
    const r = await complete.apply(this, args);
    record('completed', runId);
    return r;
  };

  const { ThreadedVMWorkflowCreator } = require('@temporalio/worker/lib/workflow/threaded-vm.js') as {
    ThreadedVMWorkflowCreator: { prototype: { createWorkflow: (options: { info: { runId: string } }) => Promise<RunProxy> } };
  };
  const creator = ThreadedVMWorkflowCreator.prototype;
  const createWorkflow = creator.createWorkflow;
  let traced = false;
  creator.createWorkflow = async function (options) {
    record('create', options.info.runId);
    const run = await createWorkflow.call(this, options);
    record('created', options.info.runId);
    if (!traced) {
      traced = true;
      const proto = Object.getPrototypeOf(run) as RunProxy;
      const activate = proto.activate;
      proto.activate = async function (this: RunProxy, ...args: never[]) {
        record('activate', this.runId);
        const r = await activate.apply(this, args);
        record('activated', this.runId);
        return r;
      };
      const sinks = proto.getAndResetSinkCalls;
      proto.getAndResetSinkCalls = async function (this: RunProxy) {
        record('sinks', this.runId);
        const r = await sinks.call(this);
        record('sinksDone', this.runId);
        return r;
      };
    }
    return run;
  };
}
