// One event-stream client, transport aside: a bounded queue (events and bytes) between the bus and
// the connection, a heartbeat, and the overflow policy. The bus side (offer) only appends; delivery
// runs later, when the transport can take more. A client whose queue would pass a limit is cut off:
// what is still queued is dropped, it gets one notice {type: "overflow", dropped: N}, and the
// connection ends; if even the notice is not taken within the grace time, the socket is cut.
import { z } from 'zod';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import type { Principal } from './auth.ts';
import type { ClientKind, EventHub, HubClient } from './event-hub.ts';
import type { WireEvent } from './event-wire.ts';
import type { OverflowMessage } from './schema-events.ts';

const positiveInt = z.int().positive();

const optionsSchema = z.object({
  /** Events queued for one client before it counts as fallen behind. */
  maxQueuedEvents: positiveInt.default(1000),
  /** Bytes queued for one client (ours plus, for a WebSocket, what its socket still holds). */
  maxQueuedBytes: positiveInt.default(1024 * 1024),
  /** A comment (SSE) or ping (WebSocket) this often, so idle connections survive proxies. */
  heartbeatMs: positiveInt.default(15_000),
  /** How long a client that is being closed (overflow, shutdown) has to take its last bytes. */
  closeGraceMs: positiveInt.default(5_000),
});

export type EventStreamLimits = z.output<typeof optionsSchema>;
export interface EventStreamOptions extends EventStreamLimits {
  clock: Clock;
}

/** Defaults filled and values checked; a bad value throws naming the option. */
export function eventStreamOptions(partial: Partial<EventStreamOptions> = {}): EventStreamOptions {
  const { clock, ...limits } = partial;
  return { ...optionsSchema.parse(limits), clock: clock ?? systemClock };
}

interface Frame {
  text: string;
  bytes: number;
}

type State = 'open' | 'ending' | 'gone';

export abstract class QueuedClient implements HubClient {
  abstract readonly kind: ClientKind;
  #frames: Frame[] = [];
  #bytes = 0;
  #state: State = 'open';
  #flushScheduled = false;
  #heartbeat: TimerHandle | undefined;
  #grace: TimerHandle | undefined;

  constructor(
    protected readonly hub: EventHub,
    readonly principal: Principal,
    protected readonly opts: EventStreamOptions,
    protected readonly log: Logger,
  ) {}

  /** The transport's text for one event (an SSE block, a WebSocket message). */
  protected abstract frame(event: WireEvent): string;
  /** Hands queued frames to the transport, as many as it takes now (takeFrame). */
  protected abstract deliver(): void;
  /** Bytes the transport holds beyond our queue (a WebSocket's bufferedAmount). */
  protected backlogBytes(): number {
    return 0;
  }
  /** The last thing a client gets: the overflow notice, or nothing (shutdown), then the end. */
  protected abstract finish(notice: OverflowMessage | undefined): void;
  /** Cuts the connection at once. */
  protected abstract abort(reason: string): void;
  protected abstract heartbeat(): void;

  protected get open(): boolean {
    return this.#state === 'open';
  }

  protected get queued(): number {
    return this.#frames.length;
  }

  protected takeFrame(): string | undefined {
    const f = this.#frames.shift();
    if (f) this.#bytes -= f.bytes;
    return f?.text;
  }

  /** Every queued frame in one string (SSE writes them as one chunk). */
  protected takeAll(): string {
    const text = this.#frames.length === 1 ? this.#frames[0]!.text : this.#frames.map((f) => f.text).join('');
    this.#frames = [];
    this.#bytes = 0;
    return text;
  }

  /** Call once the transport is ready: from now on the client receives events. */
  protected start(): void {
    this.hub.attach(this);
    this.#scheduleHeartbeat();
    this.log.info('event client connected', { kind: this.kind, user: this.principal.user.login, ...this.hub.counts });
  }

  offer(event: WireEvent): void {
    if (this.#state !== 'open') return;
    const text = this.frame(event);
    // The framing around the JSON is ASCII: its bytes are its characters.
    const bytes = event.bytes + text.length - event.json.length;
    if (this.#frames.length >= this.opts.maxQueuedEvents || this.#bytes + this.backlogBytes() + bytes > this.opts.maxQueuedBytes) {
      this.#overflow();
      return;
    }
    this.#frames.push({ text, bytes });
    this.#bytes += bytes;
    if (!this.#flushScheduled) {
      // Delivery leaves the publisher's call stack: the bus listener itself only appends.
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#state === 'open' && this.#frames.length > 0) this.deliver();
  };

  #overflow(): void {
    const dropped = this.#frames.length + 1;
    this.#frames = [];
    this.#bytes = 0;
    this.log.warn('event client too slow: disconnected', { kind: this.kind, user: this.principal.user.login, dropped });
    this.#end({ type: 'overflow', dropped });
  }

  close(reason: string): void {
    if (this.#state !== 'open') return;
    this.log.info('event client closed by the server', { kind: this.kind, user: this.principal.user.login, reason });
    this.#end(undefined);
  }

  #end(notice: OverflowMessage | undefined): void {
    this.#state = 'ending';
    this.hub.stopSending(this);
    this.opts.clock.clearTimeout(this.#heartbeat);
    this.#grace = this.opts.clock.setTimeout(() => {
      if (this.#state === 'gone') return;
      this.log.warn('event client did not take its last bytes in time: connection cut', { kind: this.kind, user: this.principal.user.login });
      this.abort('closing: last bytes not taken in time');
      this.gone();
    }, this.opts.closeGraceMs);
    this.finish(notice);
  }

  /** The connection is over (closed by either side, or cut): forget the client. Idempotent. */
  protected gone(): void {
    if (this.#state === 'gone') return;
    this.#state = 'gone';
    this.#frames = [];
    this.#bytes = 0;
    this.opts.clock.clearTimeout(this.#heartbeat);
    this.opts.clock.clearTimeout(this.#grace);
    this.hub.detach(this);
    this.log.info('event client disconnected', { kind: this.kind, user: this.principal.user.login, ...this.hub.counts });
  }

  #scheduleHeartbeat(): void {
    this.#heartbeat = this.opts.clock.setTimeout(() => {
      if (this.#state !== 'open') return;
      this.heartbeat();
      if (this.#state === 'open') this.#scheduleHeartbeat();
    }, this.opts.heartbeatMs);
  }
}
