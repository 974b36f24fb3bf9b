// The SIP node's call-store feed, for API processes that run apart from it (split roles): an NDJSON
// stream of the whole store, a `sync` line, then every change as it happens. A follower that cannot
// keep up is dropped (it reconnects and resyncs) rather than buffered without bound.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../lib/log.ts';
import type { CallStore, StoreChange } from './call-store.ts';

export const FEED_PATH = '/internal/v1/store/feed';

/** What a feed line says; `ping` keeps idle connections honest. */
export type FeedLine = StoreChange | { op: 'sync'; node: string } | { op: 'ping' };

export interface FeedServer {
  address: AddressInfo;
  followers(): number;
  close(): Promise<void>;
}

export async function startFeedServer(opts: {
  store: CallStore;
  node: string;
  host: string;
  port: number;
  logger: Logger;
  maxBufferedBytes?: number;
  pingMs?: number;
  /** Other internal routes on the same port (the node's call control); true when it answered. */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean;
}): Promise<FeedServer> {
  const maxBuffered = opts.maxBufferedBytes ?? 8 << 20;
  const followers = new Set<ServerResponse>();
  const log = opts.logger.child('feed');

  const server: Server = createServer((req, res) => {
    if (opts.handle?.(req, res)) return;
    if (req.method !== 'GET' || req.url !== FEED_PATH) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const send = (line: FeedLine): void => {
      if (res.writableLength > maxBuffered) {
        log.warn('follower too slow: dropped', { remote: req.socket.remoteAddress, buffered: res.writableLength });
        res.destroy();
        return;
      }
      res.write(`${JSON.stringify(line)}\n`);
    };
    for (const entry of opts.store.all()) send({ op: 'put', entry });
    send({ op: 'sync', node: opts.node });
    const off = opts.store.subscribe(send);
    followers.add(res);
    log.info('follower connected', { remote: req.socket.remoteAddress, dialogs: opts.store.size });
    res.on('close', () => {
      off();
      followers.delete(res);
    });
  });
  const ping = setInterval(() => {
    for (const f of followers) f.write(`${JSON.stringify({ op: 'ping' } satisfies FeedLine)}\n`);
  }, opts.pingMs ?? 5000);
  ping.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    followers: () => followers.size,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ping);
        for (const f of followers) f.destroy();
        server.close(() => resolve());
      }),
  };
}
