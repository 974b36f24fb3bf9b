// How the Temporal SDK's workflow worker threads run, on this process's workers.
//
// Per operation the workflow thread spent about half its time in two SDK features (profile of REFER
// at 20/s, docs/benchmarks.md): the stack trace of every promise workflow code makes (for the
// `__stack_trace` query) and a watchdog thread started on every entry into the workflow context
// (the 5 s `isolateExecutionTimeout`). SDK 1.24 has no option for either, so the SDK's worker
// threads are started through server/workflow-thread-entry.mjs, which applies these settings (the
// limit kept, but watched once per activation) and then loads the SDK's own entry. Only the SDK's
// workflow threads are affected; any other Worker is created as asked.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';

export interface WorkflowThreadSettings {
  /** The SDK's per-promise stack traces, for the `__stack_trace` query (web UI "Stack Trace"). */
  stackTraces: boolean;
  /**
   * The SDK's execution limit, applied per activation (one watchdog thread for all the activation's
   * entries into workflow code) instead of per entry as the SDK does; off: no limit.
   */
  watchdog: boolean;
}

const require = createRequire(import.meta.url);
/** The file the SDK starts its workflow threads with. */
export const SDK_WORKFLOW_THREAD_ENTRY = require.resolve('@temporalio/worker/lib/workflow/workflow-worker-thread');
const TUNED_ENTRY = fileURLToPath(new URL('./workflow-thread-entry.mjs', import.meta.url));

let current: WorkflowThreadSettings | undefined;
let installed = false;

/** Starts the SDK's workflow threads with `settings` from now on (threads already running keep theirs). */
export function tuneWorkflowThreads(settings: WorkflowThreadSettings): void {
  current = { ...settings };
  if (installed) return;
  installed = true;
  const Original = workerThreads.Worker;
  class Tuned extends Original {
    constructor(filename: string | URL, options?: WorkerOptions) {
      const tuning = current;
      if (tuning && filename === SDK_WORKFLOW_THREAD_ENTRY) {
        super(TUNED_ENTRY, { ...options, workerData: { sdkEntry: SDK_WORKFLOW_THREAD_ENTRY, ...tuning } });
      } else {
        super(filename, options);
      }
    }
  }
  // The SDK reads the constructor from the module object when it starts its threads.
  workerThreads.Worker = Tuned;
}
