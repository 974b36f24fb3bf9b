// A split API process follows the SIP node's feed over real loopback HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/log.ts';
import { CallStore } from './call-store.ts';
import type { StoredDialog } from './dialog.ts';
import { startFeedServer, type FeedServer } from './feed-server.ts';
import { followFeeds, type Replica } from './replica.ts';

function dialog(id: string): StoredDialog {
  return {
    dialog: {
      acallid: `${id}@h`, callids: [`${id}@h`], dialogid: id, esgdlg: '', esgcallid: '', inviteid: `inv-${id}`, status: 'dialog',
      legs: [], localuri: '<sip:a@d>', remoteuri: '<sip:b@d>', site: 'S', startts: 1, uris: ['<sip:a@d>'], opts: {},
    },
    participants: [{ domain: 'd', sipuserId: 1, login: 'a', phonenumber: '1' }],
  };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('call-store feed and replica', () => {
  let feed: FeedServer | undefined;
  let replica: Replica | undefined;
  afterEach(async () => {
    replica?.close();
    await feed?.close();
  });

  it('a follower gets the snapshot, then every put and delete as it happens', async () => {
    const source = new CallStore();
    source.put(dialog('rDlg-001-aaaaaa'));
    feed = await startFeedServer({ store: source, node: '001', host: '127.0.0.1', port: 0, logger: silentLogger });
    const copy = new CallStore();
    replica = followFeeds({ store: copy, nodes: [`127.0.0.1:${feed.address.port}`], logger: silentLogger });
    await replica.synced;
    expect(copy.get('rDlg-001-aaaaaa')).toBeDefined();

    source.put(dialog('rDlg-001-bbbbbb'));
    source.delete('rDlg-001-aaaaaa');
    await until(() => copy.size === 1 && copy.get('rDlg-001-bbbbbb') !== undefined);
    expect(copy.byCallId('rDlg-001-bbbbbb@h')).toEqual(['rDlg-001-bbbbbb']);
  });

  it('after the node restarts, dialogs that ended meanwhile are gone from the replica', async () => {
    const source = new CallStore();
    source.put(dialog('rDlg-001-aaaaaa'));
    feed = await startFeedServer({ store: source, node: '001', host: '127.0.0.1', port: 0, logger: silentLogger });
    const port = feed.address.port;
    const copy = new CallStore();
    replica = followFeeds({ store: copy, nodes: [`127.0.0.1:${port}`], logger: silentLogger, retryMs: 50 });
    await replica.synced;
    await feed.close();
    const restarted = new CallStore();
    restarted.put(dialog('rDlg-001-cccccc'));
    feed = await startFeedServer({ store: restarted, node: '001', host: '127.0.0.1', port, logger: silentLogger });
    await until(() => copy.get('rDlg-001-cccccc') !== undefined && copy.get('rDlg-001-aaaaaa') === undefined);
    expect(copy.size).toBe(1);
  });

  it('a follower that stops reading is dropped, not buffered without bound', async () => {
    const source = new CallStore();
    feed = await startFeedServer({ store: source, node: '001', host: '127.0.0.1', port: 0, logger: silentLogger, maxBufferedBytes: 64 << 10 });
    const { connect } = await import('node:net');
    const sock = connect(feed.address.port, '127.0.0.1');
    sock.write(`GET /internal/v1/store/feed HTTP/1.1\r\nHost: x\r\n\r\n`);
    sock.pause();
    await until(() => feed!.followers() === 1);
    for (let i = 0; i < 20_000 && feed.followers() === 1; i++) source.put(dialog(`rDlg-001-${String(i).padStart(6, '0')}`));
    await until(() => feed!.followers() === 0);
    sock.destroy();
  });
});
