// Keeps a local CallStore in step with the feeds of SIP nodes, so a split API process answers reads
// from memory exactly as a single process does. On every (re)connect the node's dialogs are replaced
// by its fresh snapshot, so nothing missed while disconnected lingers.
import { request, type ClientRequest } from 'node:http';
import type { Logger } from '../lib/log.ts';
import type { CallStore } from './call-store.ts';
import { FEED_PATH, type FeedLine } from './feed-server.ts';

export interface Replica {
  /** Resolves once every node has sent its first snapshot. */
  synced: Promise<void>;
  connected(): string[];
  /** The feed (host:port) a dialog came from: the node that owns it. */
  ownerOf(dialogid: string): string | undefined;
  close(): void;
}

export function followFeeds(opts: { store: CallStore; nodes: string[]; logger: Logger; retryMs?: number }): Replica {
  const log = opts.logger.child('replica');
  const live = new Set<string>();
  const requests = new Map<string, ClientRequest>();
  const ownedBy = new Map<string, Set<string>>();
  const ownerOf = new Map<string, string>();
  let closed = false;
  let pendingSync = opts.nodes.length;
  let markSynced!: () => void;
  const synced = new Promise<void>((r) => (markSynced = r));
  if (pendingSync === 0) markSynced();

  const follow = (node: string, firstTime: boolean): void => {
    if (closed) return;
    const [host, port] = node.split(':') as [string, string];
    // Dialogs held from this node before the snapshot: whatever the snapshot lacks has ended.
    let stale = new Set(ownedBy.get(node) ?? []);
    const owned = new Set<string>();
    ownedBy.set(node, owned);
    let synced = false;
    const req = request({ host, port: Number(port), path: FEED_PATH, method: 'GET' }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        retry();
        return;
      }
      live.add(node);
      log.info('following node feed', { node });
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const text = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          apply(JSON.parse(text) as FeedLine);
        }
      });
      res.on('close', () => {
        live.delete(node);
        if (!closed) log.warn('node feed lost; retrying', { node });
        retry();
      });
    });
    const apply = (line: FeedLine): void => {
      switch (line.op) {
        case 'put':
          stale.delete(line.entry.dialog.dialogid);
          owned.add(line.entry.dialog.dialogid);
          ownerOf.set(line.entry.dialog.dialogid, node);
          opts.store.put(line.entry);
          break;
        case 'delete':
          owned.delete(line.dialogid);
          ownerOf.delete(line.dialogid);
          opts.store.delete(line.dialogid);
          break;
        case 'sync':
          for (const id of stale) {
            opts.store.delete(id);
            ownerOf.delete(id);
          }
          stale = new Set();
          if (!synced && firstTime && --pendingSync === 0) markSynced();
          synced = true;
          break;
        case 'ping':
          break;
      }
    };
    let retried = false;
    const retry = (): void => {
      if (retried || closed) return;
      retried = true;
      requests.delete(node);
      setTimeout(() => follow(node, firstTime && !synced), opts.retryMs ?? 1000).unref();
    };
    req.on('error', (err) => {
      if (!closed) log.debug('node feed unreachable', { node, error: err.message });
      retry();
    });
    req.end();
    requests.set(node, req);
  };

  for (const node of opts.nodes) follow(node, true);
  return {
    synced,
    connected: () => [...live],
    ownerOf: (dialogid) => ownerOf.get(dialogid),
    close() {
      closed = true;
      for (const r of requests.values()) r.destroy();
    },
  };
}
