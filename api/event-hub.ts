// The one listener on a call event bus for every event-stream client of a process (SSE and WebSocket).
// Publishing costs one visibility check per client and at most one JSON.stringify per event; each
// client only queues (api/event-client.ts), so neither the bus nor the SIP node ever waits on a client.
import type { BusEvent, CallEventBus } from '../events/call-events.ts';
import type { Principal } from './auth.ts';
import { toWire, type WireEvent } from './event-wire.ts';
import { seesParticipants } from './scope.ts';

export type ClientKind = 'sse' | 'ws';

export interface HubClient {
  readonly kind: ClientKind;
  readonly principal: Principal;
  /** Called inside bus.publish: must only queue, never write or wait. */
  offer(event: WireEvent): void;
  /** Ends the client (server shutdown): what is queued may still go out, then the stream ends. */
  close(reason: string): void;
}

export type EventClientCounts = Record<ClientKind, number>;

// One hub per bus: the SSE route (inside the API app) and the WebSocket upgrade handler (on the
// front end) are created apart but must share the subscription, the client count and shutdown.
const hubs = new WeakMap<CallEventBus, EventHub>();

export class EventHub {
  /** Clients that get events. */
  #receiving = new Set<HubClient>();
  /** Clients whose connection is still open (receiving, or ending after an overflow or close). */
  #connected = new Set<HubClient>();
  #unsubscribe: (() => void) | undefined;
  #whenEmpty: (() => void)[] = [];

  private constructor(readonly bus: CallEventBus) {}

  static of(bus: CallEventBus): EventHub {
    let hub = hubs.get(bus);
    if (!hub) hubs.set(bus, (hub = new EventHub(bus)));
    return hub;
  }

  /** A new connection: it receives events from now on. */
  attach(client: HubClient): void {
    this.#connected.add(client);
    this.#receiving.add(client);
    // Subscribed only while someone listens: an idle hub costs the bus nothing.
    this.#unsubscribe ??= this.bus.subscribe(this.#dispatch);
  }

  /** No more events for this client (it overflowed or is closing); it still counts as connected. */
  stopSending(client: HubClient): void {
    this.#receiving.delete(client);
    if (this.#receiving.size === 0 && this.#unsubscribe) {
      this.#unsubscribe();
      this.#unsubscribe = undefined;
    }
  }

  /** The connection is gone. */
  detach(client: HubClient): void {
    this.stopSending(client);
    if (this.#connected.delete(client) && this.#connected.size === 0) for (const f of this.#whenEmpty.splice(0)) f();
  }

  get counts(): EventClientCounts {
    const counts: EventClientCounts = { sse: 0, ws: 0 };
    for (const c of this.#connected) counts[c.kind]++;
    return counts;
  }

  get size(): number {
    return this.#connected.size;
  }

  /** Ends every client; resolves once all connections are gone (clients cut stuck sockets after their grace time). */
  close(reason: string): Promise<void> {
    if (this.#connected.size === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#whenEmpty.push(resolve));
    for (const c of [...this.#connected]) c.close(reason);
    return done;
  }

  #dispatch = (event: BusEvent): void => {
    let wire: WireEvent | undefined;
    for (const c of this.#receiving) {
      if (!seesParticipants(c.principal, event.participants)) continue;
      wire ??= toWire(event);
      try {
        c.offer(wire);
      } catch {
        // One broken client must not keep the event from the others.
      }
    }
  };
}
