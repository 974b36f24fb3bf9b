// `node --import tsx --import ./bench/ops/probe-preload.mjs bin/callctl.ts start …`: loads probe.ts (and
// sdk-trace.ts when asked) in the main thread only. Worker threads (Temporal's workflow sandbox) inherit --import but not tsx's
// loader, and would fail on a .ts preload.
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.env.BENCH_OPS_PROBE_FILE) await import('./probe.ts');
if (isMainThread && process.env.BENCH_OPS_SDK_TRACE_FILE) await import('./sdk-trace.ts');
