// Node side, in the SIP node's process: turns the node's SIP events about service calls into signals
// to the operation workflow that placed the call. The placeCall activity registers `callid →
// workflowId` before the INVITE goes out (activities/sip-activities.ts); the node then calls
// `deliver(callid, event)` for every response, BYE, REFER answer and NOTIFY on that call.
//
// Signals to one workflow are sent one after the other, in the order delivered: a NOTIFY 200 must
// never overtake the NOTIFY 180 before it. Delivery never throws; its result says what happened.
//
// While a sending activity of the workflow waits for its request's outcome (`collect`), the
// workflow's events go to that activity instead, which returns them in its result: one workflow
// task for the INVITE and its 180 and 200 rather than three. From the first collection on, the
// workflow's events carry `seq`/`epoch`, so the workflow can hold a signal that overtook the result.
import { randomBytes } from 'node:crypto';
import type { WorkflowClient } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { SipCallRoutes, SipEventCollector } from '../activities/sip-activities.ts';
import type { Logger } from '../lib/log.ts';
import { parseSipEvent, sipSignals, type OrderedSipEvent, type SipEvent } from '../workflows/signals.ts';

/** What the node hands in: the event without its Call-ID (the first argument is authoritative). */
export type SipEventBody = SipEvent extends infer E ? (E extends SipEvent ? Omit<E, 'callid'> & { callid?: string } : never) : never;

export type DeliveryResult =
  /** Signalled to the owning workflow. */
  | { status: 'delivered'; workflowId: string }
  /** Taken by the workflow's activity that waits for it; it reaches the workflow in the result. */
  | { status: 'collected'; workflowId: string }
  /** No operation owns that Call-ID (not a service call, or released long ago): nothing to do. */
  | { status: 'unrouted' }
  /** Not a valid event: dropped before reaching Temporal. */
  | { status: 'invalid'; reason: string }
  /** The workflow has ended (or never existed): the route is forgotten. */
  | { status: 'gone'; workflowId: string }
  /** Temporal refused or was unreachable (after the client's own gRPC retries). */
  | { status: 'failed'; workflowId: string; error: string };

/** The part of a Temporal Client the router uses: `client.workflow`. */
export interface SignalClient {
  workflow: Pick<WorkflowClient, 'getHandle'>;
}

export interface SipEventRouterOptions {
  client: SignalClient;
  logger?: Logger;
  /** How long a released Call-ID still routes, for events that cross the release (a NOTIFY racing
   * the BYE): default 30 s. */
  releaseGraceMs?: number;
}

const TERMINAL: ReadonlySet<SipEvent['type']> = new Set(['sip.failed', 'sip.bye']);

/** One open collection: the events taken, and the waiting activity's check on each new one. */
interface Collecting {
  events: OrderedSipEvent[];
  onEvent?: (event: OrderedSipEvent) => void;
}

export class SipEventRouter implements SipCallRoutes {
  private readonly client: SignalClient;
  private readonly logger: Logger | undefined;
  private readonly graceMs: number;
  private readonly owners = new Map<string, string>();
  /** How many Call-IDs each workflow owns: its `seq` counter goes with its last one. */
  private readonly routeCounts = new Map<string, number>();
  private readonly releasing = new Map<string, ReturnType<typeof setTimeout>>();
  /** The last signal queued per workflow: the next one waits for it. */
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly collecting = new Map<string, Collecting>();
  /** The last `seq` per workflow that has collected; others' events carry none. */
  private readonly seqs = new Map<string, number>();
  /** Tells this router's `seq`s from an earlier process's (a restarted node counts from 1 again). */
  private readonly epoch = randomBytes(4).toString('hex');

  constructor(opts: SipEventRouterOptions) {
    this.client = opts.client;
    this.logger = opts.logger;
    this.graceMs = opts.releaseGraceMs ?? 30_000;
  }

  /** Events about `callid` go to `workflowId` from now on (placeCall calls it before sending). */
  register(callid: string, workflowId: string): void {
    this.cancelRelease(callid);
    const before = this.owners.get(callid);
    if (before === workflowId) return;
    if (before !== undefined) this.dropRoute(before);
    this.owners.set(callid, workflowId);
    this.routeCounts.set(workflowId, (this.routeCounts.get(workflowId) ?? 0) + 1);
  }

  /** Stops routing `callid` after the grace period (hangup, join, a final failure, BYE). */
  release(callid: string): void {
    if (!this.owners.has(callid) || this.releasing.has(callid)) return;
    const timer = setTimeout(() => this.forget(callid), this.graceMs);
    timer.unref?.();
    this.releasing.set(callid, timer);
  }

  /** The workflow that owns `callid`, if any. */
  owner(callid: string): string | undefined {
    return this.owners.get(callid);
  }

  get size(): number {
    return this.owners.size;
  }

  /** Signals the event to the workflow that owns `callid`; resolves once sent (or not), never rejects. */
  deliver(callid: string, body: SipEventBody | SipEvent): Promise<DeliveryResult> {
    const event = parseSipEvent({ ...body, callid });
    if (!event) {
      const reason = `not a SIP event: ${JSON.stringify(body).slice(0, 200)}`;
      this.logger?.warn('SIP event dropped', { callid, reason });
      return Promise.resolve({ status: 'invalid', reason });
    }
    const workflowId = this.owners.get(callid);
    if (workflowId === undefined) return Promise.resolve({ status: 'unrouted' });
    if (TERMINAL.has(event.type)) this.release(callid);

    const seq = this.seqs.get(workflowId);
    const ordered: OrderedSipEvent = seq === undefined ? event : { ...event, seq: seq + 1, epoch: this.epoch };
    if (seq !== undefined) this.seqs.set(workflowId, seq + 1);
    const collecting = this.collecting.get(workflowId);
    if (collecting) {
      collecting.events.push(ordered);
      collecting.onEvent?.(ordered);
      return Promise.resolve({ status: 'collected', workflowId });
    }
    return this.enqueue(workflowId, ordered);
  }

  /**
   * Takes the workflow's events for an activity (SipCallRoutes.collect). One at a time per workflow:
   * a second activity waiting at once gets `undefined` and its events are signalled as usual.
   */
  collect(workflowId: string): SipEventCollector | undefined {
    if (this.collecting.has(workflowId)) return undefined;
    const c: Collecting = { events: [] };
    this.collecting.set(workflowId, c);
    if (!this.seqs.has(workflowId)) this.seqs.set(workflowId, 0);
    const stop = (): void => {
      if (this.collecting.get(workflowId) === c) this.collecting.delete(workflowId);
    };
    return {
      wait: async (done, maxMs) => {
        if (!c.events.some(done)) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.max(0, maxMs));
            timer.unref?.();
            c.onEvent = (e) => {
              if (!done(e)) return;
              clearTimeout(timer);
              resolve();
            };
          });
        }
        stop();
        // Signals queued before the collection must be in the history before the result is.
        await this.tails.get(workflowId);
        return c.events;
      },
      abandon: () => {
        stop();
        for (const e of c.events) void this.enqueue(workflowId, e);
      },
    };
  }

  private enqueue(workflowId: string, event: OrderedSipEvent): Promise<DeliveryResult> {
    const previous = this.tails.get(workflowId) ?? Promise.resolve();
    const sent = previous.then(() => this.signal(workflowId, event));
    this.tails.set(workflowId, sent);
    void sent.then(() => {
      if (this.tails.get(workflowId) === sent) this.tails.delete(workflowId);
    });
    return sent;
  }

  private async signal(workflowId: string, event: OrderedSipEvent): Promise<DeliveryResult> {
    try {
      // The definition is picked by the event's own type, so name and payload always agree.
      const def = sipSignals[event.type] as (typeof sipSignals)['sip.bye'];
      await this.client.workflow.getHandle(workflowId).signal(def, event as Extract<SipEvent, { type: 'sip.bye' }>);
      return { status: 'delivered', workflowId };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { name?: string }).name === 'WorkflowNotFoundError') {
        // Completed, failed or never started: every Call-ID it owned is dead for us.
        for (const [callid, owner] of this.owners) if (owner === workflowId) this.forget(callid);
        return { status: 'gone', workflowId };
      }
      const error = (err as Error).message;
      this.logger?.error('SIP event not signalled', { workflowId, callid: event.callid, event: event.type, error });
      return { status: 'failed', workflowId, error };
    }
  }

  private forget(callid: string): void {
    this.cancelRelease(callid);
    const workflowId = this.owners.get(callid);
    if (workflowId === undefined) return;
    this.owners.delete(callid);
    this.dropRoute(workflowId);
  }

  private dropRoute(workflowId: string): void {
    const left = (this.routeCounts.get(workflowId) ?? 1) - 1;
    if (left > 0) {
      this.routeCounts.set(workflowId, left);
      return;
    }
    // The stream's counter goes with the workflow's last route.
    this.routeCounts.delete(workflowId);
    this.seqs.delete(workflowId);
  }

  private cancelRelease(callid: string): void {
    const timer = this.releasing.get(callid);
    if (timer) clearTimeout(timer);
    this.releasing.delete(callid);
  }

  /** Drops every route and pending release (process shutdown). */
  close(): void {
    for (const timer of this.releasing.values()) clearTimeout(timer);
    this.releasing.clear();
    this.owners.clear();
    this.routeCounts.clear();
    this.seqs.clear();
  }
}
