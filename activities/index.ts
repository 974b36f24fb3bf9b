// Every activity the SIP node's worker registers.
import type { Config } from '../config/schema.ts';
import type { CallStore } from '../store/call-store.ts';
import type { Clock } from '../lib/clock.ts';
import { createNodeActivities } from './node-activities.ts';
import { createSipActivities, type SipActivityDeps } from './sip-activities.ts';

export interface ActivityDeps {
  config: Config;
  store: CallStore;
  clock: Clock;
  /**
   * The operations' SIP activities: the node's ServiceCallPort and the event router's call routes.
   * Given on the SIP node (server/start.ts: its ServiceCalls and the SipEventRouter). Absent (a
   * worker without a SIP node): the activities are not registered, and an operation's first SIP
   * activity fails (result `error`) instead of pretending to have sent anything.
   */
  sip?: SipActivityDeps;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createNodeActivities(deps),
    ...(deps.sip ? createSipActivities(deps.sip) : {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
