// A workflow interceptor for test/operations/task-retry-order.test.ts: the workflow task that gets
// a run's first local activity result is held for 600 ms (a worker starved of CPU), so that
// the events the device sends meanwhile reach the server as signals, and is then failed. Its retry
// delivers those signals before the timer that placed the call fires again. Once per run: the
// retry's activations carry the signals, and a run that saw one is left alone.
import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** Per run (the module is evaluated again for every run, and after the eviction a failure causes). */
let sawSignal = false;

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        const jobs = input.activation.jobs ?? [];
        if (jobs.some((job) => job.signalWorkflow)) sawSignal = true;
        next(input);
        if (sawSignal || workflowInfo().unsafe.isReplaying) return;
        if (!jobs.some((job) => job.resolveActivity?.isLocal)) return;
        // Held, not waiting: workflow code cannot sleep, but it may block its thread. 600 ms of wall
        // time on any machine (well under the 5 s limit): longer than the device takes to answer.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
        throw new Error('injected: the task fails after its first local activity and a busy spell');
      },
    },
  ],
});
