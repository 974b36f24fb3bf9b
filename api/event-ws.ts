// The event stream as a WebSocket (RFC 6455) on GET /rest/v1/user/sip/events. The HTTP front end
// hands every Upgrade request to one handler (frontEnd.onUpgrade); this one takes WebSocket
// upgrades of the events path and passes everything else back to the front end as plain HTTP.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../config/schema.ts';
import type { CallEventBus } from '../events/call-events.ts';
import type { UpgradeHandler } from '../http/types.ts';
import type { Logger } from '../lib/log.ts';
import { authenticate, tokenIndex, type Principal } from './auth.ts';
import { eventStreamOptions, QueuedClient, type EventStreamOptions } from './event-client.ts';
import { EventHub, type EventClientCounts } from './event-hub.ts';
import type { WireEvent } from './event-wire.ts';
import { ApiError, JSON_TYPE } from './errors.ts';
import { EVENTS } from './routes.ts';
import type { OverflowMessage } from './schema-events.ts';

/** What the socket may hold before queued events wait in our (counted) queue instead. */
const SOCKET_HIGH_WATER = 64 * 1024;

export class WsClient extends QueuedClient {
  readonly kind = 'ws';
  #alive = true;

  constructor(
    hub: EventHub,
    principal: Principal,
    opts: EventStreamOptions,
    log: Logger,
    private readonly ws: WebSocket,
  ) {
    super(hub, principal, opts, log);
    ws.on('close', () => this.gone());
    ws.on('error', () => this.gone());
    ws.on('pong', () => (this.#alive = true));
    // Clients have nothing to say on this stream; what they send is read (so pings and closes
    // work) and ignored.
    this.start();
  }

  protected override backlogBytes(): number {
    return this.ws.bufferedAmount;
  }

  protected frame(event: WireEvent): string {
    return event.json;
  }

  // Each frame's callback fires once the socket took it; a frame still unsent always has one pending,
  // so delivery resumes by itself when a slow socket drains.
  #sent = (err?: Error): void => {
    if (!err && this.open && this.queued > 0) this.deliver();
  };

  protected deliver(): void {
    while (this.open && this.queued > 0 && this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount < SOCKET_HIGH_WATER) {
      this.ws.send(this.takeFrame()!, this.#sent);
    }
  }

  protected heartbeat(): void {
    // No pong since the last ping: the peer is gone or stuck; either way it is of no use.
    if (!this.#alive) {
      this.log.info('event client did not answer a ping: connection cut', { kind: this.kind, user: this.principal.user.login });
      this.ws.terminate();
      return;
    }
    this.#alive = false;
    this.ws.ping();
  }

  protected finish(notice: OverflowMessage | undefined): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (notice) {
      this.ws.send(JSON.stringify(notice));
      this.ws.close(1008, 'overflow: client too slow');
    } else {
      while (this.queued > 0) this.ws.send(this.takeFrame()!);
      this.ws.close(1001, 'server shutting down');
    }
  }

  protected abort(): void {
    this.ws.terminate();
  }
}

export interface EventsUpgradeDeps {
  config: Config;
  events: CallEventBus;
  logger: Logger;
  eventStream?: Partial<EventStreamOptions>;
  /**
   * Serves a socket as plain HTTP again (`(s) => frontEnd.handle(s)`): an Upgrade request that is
   * not a WebSocket on the events path (`Upgrade: h2c` on any path, say) is then answered as if it
   * had no Upgrade. Without it such requests get 404 (other paths) or 400 (the events path).
   */
  fallback?: (socket: Socket) => void;
}

export type EventsUpgradeHandler = UpgradeHandler & {
  /** Ends every event-stream client of the bus, SSE ones too; resolves when all are gone. */
  close(): Promise<void>;
  readonly clients: EventClientCounts;
};

/** A whole answer on a socket that is not ours any more (the front end handed it over), then close. */
function writeError(socket: Socket, err: ApiError): void {
  const body = JSON.stringify({ error_code: err.code, error_message: err.message });
  let head = `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}\r\ndate: ${new Date().toUTCString()}\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n`;
  for (const [k, v] of Object.entries(err.headers)) head += `${k}: ${v}\r\n`;
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(`${head}\r\n${body}`);
  socket.resume();
}

const hasToken = (value: string | null, token: string): boolean =>
  value !== null && value.split(',').some((t) => t.trim().toLowerCase() === token);

/** The request again as bytes, without its Upgrade, for the front end to serve as usual. */
function withoutUpgrade(req: Request, url: URL): Buffer {
  let text = `${req.method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [name, value] of req.headers) {
    if (name === 'upgrade') continue;
    if (name === 'connection') {
      const rest = value.split(',').map((t) => t.trim()).filter((t) => t !== '' && t.toLowerCase() !== 'upgrade');
      if (rest.length > 0) text += `connection: ${rest.join(', ')}\r\n`;
      continue;
    }
    text += `${name}: ${value}\r\n`;
  }
  return Buffer.from(`${text}\r\n`, 'latin1');
}

export function createEventsUpgradeHandler(deps: EventsUpgradeDeps): EventsUpgradeHandler {
  const opts = eventStreamOptions(deps.eventStream);
  const hub = EventHub.of(deps.events);
  const index = tokenIndex(deps.config);
  const log = deps.logger;
  // Compression off: events are small, and deflate state costs memory per client. Clients send
  // nothing of use, so their messages are kept small.
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 4096 });
  // A malformed handshake answers in our error shape rather than ws's text/html.
  wss.on('wsClientError', (err: Error, socket: Socket) => {
    const headers: Record<string, string> = /Version/.test(err.message) ? { 'Sec-WebSocket-Version': '13' } : {};
    writeError(socket, new ApiError(1400, `WebSocket handshake: ${err.message}`, headers));
  });

  const passOn = (req: Request, url: URL, socket: Socket, head: Buffer, ours: boolean): void => {
    if (deps.fallback) {
      socket.unshift(head.length > 0 ? Buffer.concat([withoutUpgrade(req, url), head]) : withoutUpgrade(req, url));
      deps.fallback(socket);
      socket.resume();
      return;
    }
    writeError(socket, ours ? new ApiError(1400, 'Upgrade: only a WebSocket (GET, Upgrade: websocket) is served here') : new ApiError(1404, 'no such resource'));
  };

  const handler = (req: Request, socket: Socket, head: Buffer): void => {
    const url = new URL(req.url);
    const ours = url.pathname === EVENTS;
    if (!ours || req.method !== 'GET' || !hasToken(req.headers.get('upgrade'), 'websocket')) {
      passOn(req, url, socket, head, ours);
      return;
    }
    let principal: Principal;
    try {
      // Browsers cannot set headers on a WebSocket: the token may come as ?access_token= instead.
      principal = authenticate(index, req.headers.get('authorization') ?? undefined, url.searchParams.get('access_token') ?? undefined);
    } catch (err) {
      writeError(socket, err instanceof ApiError ? err : new ApiError(1500, 'internal error'));
      return;
    }
    // ws reads an IncomingMessage: method, url and a plain header record are all it looks at.
    const incoming = { method: req.method, url: url.pathname + url.search, headers: Object.fromEntries(req.headers), socket };
    wss.handleUpgrade(incoming as never, socket, head, (ws) => {
      void new WsClient(hub, principal, opts, log, ws);
      socket.resume();
    });
  };

  return Object.defineProperties(handler as EventsUpgradeHandler, {
    close: { value: () => hub.close('server shutting down') },
    clients: { get: () => hub.counts },
  });
}
