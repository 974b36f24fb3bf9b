// Entry of the SDK's workflow worker threads when server/workflow-thread.ts tunes them: applies the
// settings passed in workerData, then loads the SDK's own entry, which runs as if started directly.
// Plain JavaScript: it runs before anything else in the thread, with or without a TypeScript loader.
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import vm from 'node:vm';
import { workerData } from 'node:worker_threads';

const { sdkEntry, stackTraces, watchdog } = workerData;

if (!stackTraces) {
  // The SDK traces every promise of workflow code for its __stack_trace query (a stack captured and
  // source-mapped per promise). Refused here, it falls back to no stack traces, as on runtimes
  // without promise hooks; the query then answers that they are off.
  v8.promiseHooks.createHook = () => {
    throw new Error('workflow stack traces are off (temporal.workflowStackTraces)');
  };
  // Its warning would name a missing feature; the server logs the choice instead (server/workers.ts).
  const warn = console.warn.bind(console);
  console.warn = (...args) => {
    if (typeof args[0] === 'string' && args[0].startsWith('v8.promiseHooks.createHook is not available')) return;
    warn(...args);
  };
}

if (!watchdog) {
  // The SDK enters the workflow context with a timeout, and Node starts a watchdog thread for each
  // entry. Without the timeout a workflow that never yields holds the thread.
  const runInContext = vm.Script.prototype.runInContext;
  vm.Script.prototype.runInContext = function (context, options) {
    if (options && options.timeout !== undefined) {
      const rest = { ...options };
      delete rest.timeout;
      return runInContext.call(this, context, rest);
    }
    return runInContext.call(this, context, options);
  };
}

// The SDK's entry is CommonJS and must load after the changes above: required, not imported.
createRequire(import.meta.url)(sdkEntry);
