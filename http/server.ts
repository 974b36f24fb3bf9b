// The HTTP front end: a node:net server speaking strict HTTP/1.1 through our own parser, because
// Node's parser refuses the API's extension methods (LOOKUP, REFER, SWITCHCONF, SETUP_*).
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../lib/clock.ts';
import { silentLogger, type Logger } from '../lib/log.ts';
import { HttpConnection } from './connection.ts';
import { installFrontEndGlobals } from './globals.ts';
import { parseHttpLimits, type HttpLimits } from './limits.ts';
import type { FetchHandler, UpgradeHandler } from './types.ts';

export interface HttpFrontEndOptions {
  fetch: FetchHandler;
  /** Validated with the config schema; a bad value throws a ZodError naming it. */
  limits?: Partial<HttpLimits>;
  clock?: Clock;
  logger?: Logger;
  /** close(): how long in-flight responses may take before their sockets are destroyed. */
  closeGraceMs?: number;
  /**
   * Default true, as in @hono/node-server: install LightResponse and FrontEndRequest as the global
   * Response and Request (http/globals.ts) and hand handlers lazily built Requests. Together they
   * made the benchmark ~1.5x faster (undici's body streams, URL parsing and AbortSignals per
   * request). false leaves the globals alone and builds native Requests.
   */
  overrideGlobalObjects?: boolean;
}

export interface HttpFrontEnd {
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight responses finish, ends idle sockets; destroys what remains after the grace period. */
  close(): Promise<void>;
  onUpgrade(handler: UpgradeHandler | undefined): void;
  /** Serves a socket accepted elsewhere (tests, a TLS wrapper). */
  handle(socket: Socket): void;
  /** Open connections (upgraded ones are no longer counted). */
  readonly connections: number;
  readonly limits: HttpLimits;
}

export function createHttpFrontEnd(opts: HttpFrontEndOptions): HttpFrontEnd {
  const limits = parseHttpLimits(opts.limits);
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger;
  const closeGraceMs = opts.closeGraceMs ?? 10_000;
  const lazyRequests = opts.overrideGlobalObjects !== false;
  if (lazyRequests) installFrontEndGlobals();
  const conns = new Set<HttpConnection>();
  let upgradeHandler: UpgradeHandler | undefined;
  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  let onEmpty: (() => void) | undefined;

  // Date has a one-second resolution (RFC 9110 §5.6.7): format it once per second.
  let dateSecond = -1;
  let dateValue = '';
  const date = (): string => {
    const now = clock.now();
    const second = Math.floor(now / 1000);
    if (second !== dateSecond) {
      dateSecond = second;
      dateValue = new Date(second * 1000).toUTCString();
    }
    return dateValue;
  };

  const connOptions = {
    fetch: opts.fetch,
    limits,
    clock,
    logger,
    upgradeHandler: () => upgradeHandler,
    date,
    lazyRequests,
    onGone: (conn: HttpConnection) => {
      conns.delete(conn);
      if (conns.size === 0) onEmpty?.();
    },
  };

  const handle = (socket: Socket): void => {
    if (closing) {
      socket.destroy();
      return;
    }
    // Small responses leave at once rather than waiting for Nagle (Node's http does the same).
    socket.setNoDelay(true);
    conns.add(new HttpConnection(socket, connOptions));
  };

  return {
    limits,
    get connections() {
      return conns.size;
    },
    handle,
    onUpgrade(handler) {
      upgradeHandler = handler;
    },
    listen(port, host) {
      if (server) return Promise.reject(new Error('already listening'));
      // allowHalfOpen: a client that shuts down its sending side still gets its answers.
      const srv = createServer({ allowHalfOpen: true, noDelay: true }, handle);
      server = srv;
      return new Promise<AddressInfo>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, host, () => {
          srv.off('error', reject);
          srv.on('error', (err) => logger.error('http server error', { err: err.message }));
          logger.info('http front end listening', { host, port: (srv.address() as AddressInfo).port });
          resolve(srv.address() as AddressInfo);
        });
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        // Stop accepting now; the server's own callback would also wait for upgraded sockets.
        server?.close();
        if (conns.size === 0) {
          resolve();
          return;
        }
        const grace: TimerHandle = clock.setTimeout(() => {
          for (const c of conns) c.destroy();
        }, closeGraceMs);
        onEmpty = () => {
          clock.clearTimeout(grace);
          resolve();
        };
        for (const c of [...conns]) c.shutdown();
      });
      return closing;
    },
  };
}
