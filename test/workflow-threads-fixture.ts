// Workflows for test/workflow-threads.test.ts: one that waits, one that keeps its thread busy.
import { condition } from '@temporalio/workflow';

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
