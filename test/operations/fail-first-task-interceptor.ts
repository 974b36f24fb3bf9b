// A workflow interceptor for test/operations/task-retry.test.ts: fails every run's first workflow task,
// once, right after the activation that delivered its first local activity result, as a worker
// stalled past its task timeout or a completion refused for a signal (UnhandledCommand) would. The
// retried task replays from the start and runs the unrecorded local activities again.
import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        next(input);
        const info = workflowInfo();
        // The first task's first attempt: its history is the start, the task scheduled, the task started.
        if (info.historyLength > 3) return;
        if (input.activation.jobs?.some((job) => job.resolveActivity?.isLocal)) {
          throw new Error('injected: the first workflow task fails after its first local activity');
        }
      },
    },
  ],
});
