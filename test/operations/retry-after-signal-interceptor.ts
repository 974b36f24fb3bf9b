// A workflow interceptor for test/operations/task-retry-order.test.ts: the workflow task that gets
// a run's first local activity result is held busy for a second (a worker starved of CPU), so that
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
        // Busy, not waiting: workflow code cannot sleep. About half a second here (well under the 5 s limit).
        let x = 0;
        for (let i = 0; i < 1e9; i++) x = (x + i) | 0;
        throw new Error(`injected: the task fails after its first local activity and a busy spell (${x & 1})`);
      },
    },
  ],
});
