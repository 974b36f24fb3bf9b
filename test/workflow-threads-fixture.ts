// Workflows for test/workflow-threads.test.ts: one that waits, one that keeps its thread busy.
import { CancellationScope, condition, sleep } from '@temporalio/workflow';

/** Waits until cancelled: something for the __stack_trace query to show. */
export async function waits(): Promise<void> {
  await condition(() => false);
}

/** Runs `n` steps without yielding (about a second for 1e9 here): longer than a short execution
 * timeout. */
export async function spins(n: number): Promise<number> {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + i) | 0;
  return x;
}

/** Runs in cancellation scopes, which stand on Node's AsyncLocalStorage (its own promise hooks). */
export async function scoped(): Promise<string> {
  await CancellationScope.nonCancellable(() => sleep(1));
  return CancellationScope.current().cancellable ? 'scoped' : 'not in the root scope';
}

/**
 * `count` steps of `n` busy iterations, each step in an entry of its own into the workflow context,
 * all in one activation: each step waits for a condition that is false when made (the SDK tries a
 * condition at once) and true when the SDK next tries it, from its next entry.
 */
export async function steps(count: number, n: number): Promise<number> {
  let x = 0;
  for (let s = 0; s < count; s++) {
    let tries = 0;
    await condition(() => ++tries > 1);
    for (let i = 0; i < n; i++) x = (x + i) | 0;
  }
  return x;
}
