// GET /rest/v1/user/sip/events as Server-Sent Events. The same path as a WebSocket is served by
// api/event-ws.ts on the front end's upgrade hook; both share the bus's EventHub.
import type { Context } from 'hono';
import { ApiError } from './errors.ts';
import { eventStreamOptions } from './event-client.ts';
import { EventHub } from './event-hub.ts';
import { SSE_HEADERS, SseClient } from './event-sse.ts';
import { EVENTS, type RouteDef } from './routes.ts';
import type { ApiDeps, AppEnv } from './types.ts';

/** Whether an Accept header lists text/event-stream (with a q above 0). */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    if (type !== 'text/event-stream') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export function eventRoutes({ events, eventStream, logger }: ApiDeps): RouteDef[] {
  const opts = eventStreamOptions(eventStream);
  const log = logger.child('events');

  const stream = (c: Context<AppEnv>) => {
    // Before Accept: a process without a SIP node has no stream in any form (WebSocket clients
    // reaching this route in such a process get this too, not an Accept complaint).
    if (!events) throw new ApiError(1503, 'event stream not available: this process has no SIP node (call events come from the SIP role)');
    if (!acceptsEventStream(c.req.header('accept')))
      throw new ApiError(1400, 'Accept: must include text/event-stream (or open a WebSocket on this path)');
    // HEAD gets the head only; a client for it would never be read nor cancelled.
    if (c.req.method === 'HEAD') return c.body(null, 200, SSE_HEADERS);
    const client = new SseClient(EventHub.of(events), c.get('principal'), opts, log);
    client.watch(c.req.raw.signal);
    return c.body(client.stream, 200, SSE_HEADERS);
  };

  return [{ method: 'GET', path: EVENTS, handler: stream }];
}
