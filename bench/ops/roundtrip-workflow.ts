// The trivial workflow of bench/ops/roundtrip.ts: the same shape of round trips as a POST at
// response_mode 4 (Update-with-Start, then `legs` times: an activity, a signal back, a workflow
// task), with none of our code (no xstate, no zod, no script).
import { condition, defineSignal, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export interface RoundtripInput {
  legs: number;
  activityQueue: string;
  /** Only there to make the input as large as an operation's (RT_HEAVY). */
  ballast?: string;
  /**
   * RT_LOCAL: each leg is a local activity that returns the far end's answer itself (as placeCall's
   * collect window does), on the worker that runs the workflow: no activity task, no signal.
   */
  local?: boolean;
}

export const rtDone = defineUpdate<number, [number]>('rtDone');
export const rtEvent = defineSignal<[number]>('rtEvent');

export async function roundtrip(input: RoundtripInput): Promise<number> {
  let events = 0;
  let finished = false;
  setHandler(rtEvent, () => {
    events++;
  });
  setHandler(rtDone, async (mode: number) => {
    await condition(() => finished || mode === 0);
    return events;
  });
  const { ping } = proxyActivities<{ ping(wf: string, n: number): Promise<void> }>({
    taskQueue: input.activityQueue,
    startToCloseTimeout: '10 seconds',
    scheduleToStartTimeout: '5 seconds',
    retry: { maximumAttempts: 1 },
  });
  const { pingAndWait } = proxyLocalActivities<{ pingAndWait(n: number): Promise<number> }>({
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 1 },
  });
  for (let i = 1; i <= input.legs; i++) {
    if (input.local) {
      events = Math.max(events, await pingAndWait(i));
      continue;
    }
    await ping(input.activityQueue, i);
    await condition(() => events >= i);
  }
  finished = true;
  return events;
}
