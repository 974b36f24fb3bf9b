// How long a sending activity (placeCall, sendRefer) waits after sending for its request's outcome,
// returning the SIP events of that time in its result. A pure module: the workflow and tests share it.

/** How long placeCall and sendRefer wait after sending for the request's outcome, returning the
 * events of that time in their result (one workflow task instead of one per signal). A device that
 * answers within it costs no signal; one that rings longer delays checkpoint 1 by at most this. */
export const COLLECT_MS = 100;

/** What a collecting activity is asked to do: wait how long, and for which event. */
export interface CollectArgs {
  collectMs?: number;
  settle?: 'first' | 'final';
}

/**
 * With local activities an answer that is ready goes out only when the workflow task completes,
 * and the task stays open while a local activity collects. So a collecting activity must not wait
 * past the checkpoint some request is waiting for:
 * - that checkpoint already reached: send and return at once (collectMs 0);
 * - reached by the request's first event (the call's 180 for checkpoint 1, the REFER's 202 for 3):
 *   return at that event;
 * - else the whole window, up to the request's outcome.
 */
export function collectFor(kind: 'call' | 'refer', due: number | undefined, known: number): CollectArgs {
  if (due !== undefined && due <= known) return { collectMs: 0 };
  const firstEventReaches = kind === 'call' ? 1 : 3;
  if (due !== undefined && due <= firstEventReaches) return { collectMs: COLLECT_MS, settle: 'first' };
  return { collectMs: COLLECT_MS };
}

