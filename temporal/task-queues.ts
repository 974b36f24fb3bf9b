// Task queues. Workflows run on one shared queue; activities that touch a SIP socket run on the
// queue of the node that owns the socket, so a dialog's SIP actions always reach the right process.

export const OPS_TASK_QUEUE = 'callctl-ops';

export function sipTaskQueue(node: string): string {
  return `callctl-sip-${node}`;
}
