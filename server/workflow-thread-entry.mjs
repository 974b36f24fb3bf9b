// Entry of the SDK's workflow worker threads when server/workflow-thread.ts tunes them: applies the
// settings passed in workerData, then loads the SDK's own entry, which runs as if started directly.
// Plain JavaScript: it runs before anything else in the thread, with or without a TypeScript loader.
import { createRequire } from 'node:module';
import vm from 'node:vm';
import { workerData } from 'node:worker_threads';

const { sdkEntry, stackTraces, watchdog } = workerData;

const requireSdk = createRequire(sdkEntry);

if (!stackTraces) {
  // The SDK traces every promise of workflow code for its __stack_trace query (a stack captured and
  // source-mapped per promise), through a promise hook its global handlers install once per thread.
  // Not installed, it runs as on runtimes without promise hooks: the query answers that stack traces
  // are not enabled. Only the SDK's installer is replaced: Node's own async hooks (AsyncLocalStorage,
  // which the SDK's cancellation scopes use) go through v8.promiseHooks too and must keep working.
  const { globalHandlers } = requireSdk('./vm-shared');
  if (globalHandlers && typeof globalHandlers.setPromiseHook === 'function') {
    globalHandlers.setPromiseHook = () => undefined;
  }
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

// The SDK's entry is CommonJS and must load after the changes above (the same module instances):
// required, not imported.
requireSdk(sdkEntry);
