// Activities about the SIP node itself. Built by a factory with their dependencies, as every
// activity group is, so tests can hand in a fake store or clock.
import type { Config } from '../config/schema.ts';
import type { CallStore } from '../store/call-store.ts';
import type { Clock } from '../lib/clock.ts';
import { sipTaskQueue } from '../temporal/task-queues.ts';

export interface NodeDescription {
  node: string;
  site: string;
  taskQueue: string;
  dialogs: number;
  pid: number;
  ts: number;
}

export function createNodeActivities(deps: { config: Config; store: CallStore; clock: Clock }) {
  return {
    async describeNode(): Promise<NodeDescription> {
      return {
        node: deps.config.node,
        site: deps.config.site,
        taskQueue: sipTaskQueue(deps.config.node),
        dialogs: deps.store.size,
        pid: process.pid,
        ts: deps.clock.now(),
      };
    },
  };
}

export type NodeActivities = ReturnType<typeof createNodeActivities>;
