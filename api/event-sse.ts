// The event stream as Server-Sent Events: a ReadableStream the front end writes chunk by chunk.
// The stream has no queue of its own (highWaterMark 0): a chunk is handed over only when the front
// end asks for one, which it does only once the socket took the previous one. So everything a slow
// reader has not taken waits in the client's bounded queue, where it is counted.
import type { Logger } from '../lib/log.ts';
import type { Principal } from './auth.ts';
import { QueuedClient, type EventStreamOptions } from './event-client.ts';
import type { EventHub } from './event-hub.ts';
import type { WireEvent } from './event-wire.ts';
import type { OverflowMessage } from './schema-events.ts';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // nginx and similar proxies would otherwise buffer the stream.
  'x-accel-buffering': 'no',
} as const;

const encoder = new TextEncoder();

export class SseClient extends QueuedClient {
  readonly kind = 'sse';
  readonly stream: ReadableStream<Uint8Array>;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** The front end is waiting for a chunk. */
  #wanted = false;
  #nextId = 1;
  /** Set when the client is ending: the last text to send before the stream closes. */
  #last: string | undefined;

  constructor(hub: EventHub, principal: Principal, opts: EventStreamOptions, log: Logger) {
    super(hub, principal, opts, log);
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          controller.enqueue(encoder.encode(': connected\n\n'));
          this.start();
        },
        pull: () => {
          this.#wanted = true;
          if (this.#last !== undefined) this.#sendLast();
          else if (this.queued > 0) this.deliver();
        },
        cancel: () => this.gone(),
      },
      { highWaterMark: 0 },
    );
  }

  /**
   * The request's signal: the front end aborts it when the client shuts down its side while the
   * stream runs. The stream must then end from here, or the front end would wait on it for ever.
   */
  watch(signal: AbortSignal | undefined): void {
    const onAbort = () => {
      this.abort('client went away');
      this.gone();
    };
    if (!signal) return;
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  protected frame(event: WireEvent): string {
    // JSON text has no raw line breaks, so the whole event fits one data: line.
    return `id: ${this.#nextId++}\nevent: ${event.type}\ndata: ${event.json}\n\n`;
  }

  protected deliver(): void {
    if (!this.#wanted || this.queued === 0 || !this.open) return;
    this.#wanted = false;
    this.#controller?.enqueue(encoder.encode(this.takeAll()));
  }

  protected heartbeat(): void {
    // Only on an idle connection: a busy one needs no keep-alive, and a stuck one cannot take it.
    if (this.#wanted && this.queued === 0) {
      this.#wanted = false;
      this.#controller?.enqueue(encoder.encode(': heartbeat\n\n'));
    }
  }

  protected finish(notice: OverflowMessage | undefined): void {
    // After an overflow the queue is already empty; on shutdown what is queued still goes out.
    const rest = this.queued > 0 ? this.takeAll() : '';
    this.#last = notice ? `${rest}event: overflow\ndata: ${JSON.stringify(notice)}\n\n` : rest;
    if (this.#wanted) this.#sendLast();
  }

  #sendLast(): void {
    const c = this.#controller;
    if (!c || this.#last === undefined) return;
    if (this.#last !== '') c.enqueue(encoder.encode(this.#last));
    this.#last = undefined;
    this.#wanted = false;
    // A clean end of the response: the front end writes the last chunk and the HTTP connection
    // stays usable (an EventSource reconnects on its own).
    c.close();
    this.gone();
  }

  protected abort(reason: string): void {
    // An errored body makes the front end destroy the socket when it next reads from the stream.
    try {
      this.#controller?.error(new Error(reason));
    } catch {
      // already closed
    }
  }
}
