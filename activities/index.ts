// Every activity the SIP node's worker registers.
import type { Config } from '../config/schema.ts';
import type { CallStore } from '../store/call-store.ts';
import type { Clock } from '../lib/clock.ts';
import { createNodeActivities } from './node-activities.ts';

export interface ActivityDeps {
  config: Config;
  store: CallStore;
  clock: Clock;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createNodeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
