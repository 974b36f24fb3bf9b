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

const runInContext = vm.Script.prototype.runInContext;

if (!watchdog) {
  // The SDK enters the workflow context with a timeout, and Node starts a watchdog thread for each
  // entry. Without the timeout a workflow that never yields holds the thread.
  vm.Script.prototype.runInContext = function (context, options) {
    return runInContext.call(this, context, withoutTimeout(options));
  };
} else {
  guardEachActivation();
}

/** `options` less its `timeout`. */
function withoutTimeout(options) {
  if (!options || options.timeout === undefined) return options;
  const rest = { ...options };
  delete rest.timeout;
  return rest;
}

/**
 * One watchdog per activation instead of one per entry into the workflow context. The SDK enters
 * the context 15-20 times per activation, each entry with its execution limit, and Node starts a
 * thread for every timed entry (~45 µs each, on the path of every operation). Here the whole
 * synchronous part of an activation, every entry included, runs under one timed call and the
 * entries inside it run untimed: the limit now bounds the activation, as other SDKs' deadlock
 * detectors do, and a workflow busy past it fails its task as before (the SDK's failure shape:
 * the run is evicted and the task retried). Left as the SDK has it when its internals differ.
 */
function guardEachActivation() {
  const proto = requireSdk('./vm-shared').BaseVMWorkflow?.prototype;
  if (!proto || typeof proto.activate !== 'function') return;
  const activate = proto.activate;
  /** The SDK's execution limit, as it passes it on every timed entry (its first: loading the bundle). */
  let limitMs;
  let guarding = false;
  vm.Script.prototype.runInContext = function (context, options) {
    if (options && options.timeout !== undefined) {
      limitMs = options.timeout;
      if (guarding) return runInContext.call(this, context, withoutTimeout(options));
    }
    return runInContext.call(this, context, options);
  };
  // The timed call runs in a context of its own, so the workflow context's microtask checkpoints
  // (after each of its entries) stay exactly as the SDK has them.
  const guardContext = vm.createContext({ run: undefined });
  const guardScript = new vm.Script('run()');
  proto.activate = function (activation) {
    if (guarding || limitMs === undefined) return activate.call(this, activation);
    let completion;
    guardContext.run = () => {
      completion = activate.call(this, activation);
    };
    guarding = true;
    try {
      runInContext.call(guardScript, guardContext, { timeout: limitMs, displayErrors: true });
    } catch (err) {
      if (err?.code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw err;
      // What the SDK's activate answers when an entry of its own times out.
      return Promise.resolve({ runId: this.activator.info.runId, failed: { failure: this.activator.errorToFailure(err) } });
    } finally {
      guarding = false;
      guardContext.run = undefined;
    }
    return completion;
  };
}

// The SDK's entry is CommonJS and must load after the changes above (the same module instances):
// required, not imported.
requireSdk(sdkEntry);
