// Call control in split roles over real loopback HTTP: two nodes' feed servers, an API-side replica
// following both, and the remote port sending each action to the node that owns the dialog.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.ts';
import type { CallControlPort } from '../api/ports.ts';
import { silentLogger } from '../lib/log.ts';
import { CallStore } from '../store/call-store.ts';
import type { StoredDialog } from '../store/dialog.ts';
import { startFeedServer, type FeedServer } from '../store/feed-server.ts';
import { followFeeds, type Replica } from '../store/replica.ts';
import { notYet } from './call-control.ts';
import { createRemoteCallControl, handleNodeControl, MAX_CONTROL_BODY_BYTES, NODE_CONTROL_PATH } from './node-control.ts';

const stored = (dialogid: string): StoredDialog => ({
  dialog: {
    acallid: `a-${dialogid}`, callids: [`b-${dialogid}`], dialogid, esgdlg: '', esgcallid: '', inviteid: `i-${dialogid}`, status: 'dialog',
    legs: [], localuri: '<sip:12@d>', remoteuri: '<sip:sip1@d>', site: 'S', startts: 1, uris: ['<sip:12@d>'], opts: {},
  },
  participants: [{ domain: 'd', sipuserId: 1, login: 'sip1', phonenumber: '11' }],
});

/** A node's CallControlPort that records hangups; an unknown dialog is 1413, as the real one answers. */
function recordingCalls(store: CallStore): CallControlPort & { hungUp: string[] } {
  const hungUp: string[] = [];
  return {
    hungUp,
    async hangup(id) {
      if (!store.get(id)) throw new ApiError(1413, 'Dialog not found');
      hungUp.push(id);
      store.delete(id);
    },
    async bindings() {},
    notify: () => notYet('NOTIFY'),
    sendDtmf: () => notYet('SEND_DTMF'),
    asr: () => notYet('SETUP_ASR'),
    record: () => notYet('SETUP_RECORD'),
  };
}

interface Node {
  store: CallStore;
  calls: ReturnType<typeof recordingCalls>;
  feed: FeedServer;
  address: string;
}

async function startNode(name: string, dialogids: string[], calls?: (store: CallStore) => CallControlPort & { hungUp: string[] }): Promise<Node> {
  const store = new CallStore();
  for (const id of dialogids) store.put(stored(id));
  const port = (calls ?? recordingCalls)(store);
  const control = { calls: port, store, logger: silentLogger };
  const feed = await startFeedServer({ store, node: name, host: '127.0.0.1', port: 0, logger: silentLogger, handle: (req, res) => handleNodeControl(req, res, control) });
  return { store, calls: port, feed, address: `127.0.0.1:${feed.address.port}` };
}

function post(address: string, path: string, body: string): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method: 'POST', path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('call control in split roles: the API asks the node that owns the dialog', () => {
  const nodes: Node[] = [];
  let replica: Replica | undefined;
  afterEach(async () => {
    replica?.close();
    await Promise.all(nodes.splice(0).map((n) => n.feed.close()));
  });

  async function twoNodes(): Promise<{ a: Node; b: Node; api: CallStore; remote: CallControlPort }> {
    const a = await startNode('001', ['rDlg-001-aaaaaa']);
    const b = await startNode('002', ['rDlg-002-bbbbbb']);
    nodes.push(a, b);
    const api = new CallStore();
    const r = followFeeds({ store: api, nodes: [a.address, b.address], logger: silentLogger });
    replica = r;
    await r.synced;
    return { a, b, api, remote: createRemoteCallControl({ ownerOf: (id) => r.ownerOf(id), logger: silentLogger }) };
  }

  it('a hangup reaches only the node whose feed brought the dialog, and its end comes back through the feed', async () => {
    const { a, b, api, remote } = await twoNodes();
    expect(replica!.ownerOf('rDlg-002-bbbbbb')).toBe(b.address);
    await remote.hangup('rDlg-002-bbbbbb');
    expect(b.calls.hungUp).toEqual(['rDlg-002-bbbbbb']);
    expect(a.calls.hungUp).toEqual([]);
    await expect.poll(() => api.get('rDlg-002-bbbbbb')).toBeUndefined();
    expect(replica!.ownerOf('rDlg-002-bbbbbb')).toBeUndefined();
  });

  it('labels are written in the node\'s store, and the replica gets them from the feed', async () => {
    const { a, api, remote } = await twoNodes();
    await remote.bindings('rDlg-001-aaaaaa', ['vip', 'queue-1']);
    expect(a.store.get('rDlg-001-aaaaaa')?.dialog.opts.bindings).toEqual(['vip', 'queue-1']);
    await expect.poll(() => api.get('rDlg-001-aaaaaa')?.dialog.opts.bindings).toEqual(['vip', 'queue-1']);
    await remote.bindings('rDlg-001-aaaaaa', []);
    expect(a.store.get('rDlg-001-aaaaaa')?.dialog.opts).not.toHaveProperty('bindings');
    await expect.poll(() => api.get('rDlg-001-aaaaaa')?.dialog.opts.bindings).toBeUndefined();
  });

  it('the node\'s ApiError comes back as the same code and message', async () => {
    const { a, remote } = await twoNodes();
    a.store.delete('rDlg-001-aaaaaa'); // ended on the node; the replica may not know yet
    const err = await remote.hangup('rDlg-001-aaaaaa').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 1413, message: 'Dialog not found' });
  });

  it('a dialog the replica does not hold is 1413 without asking any node', async () => {
    const { a, b, remote } = await twoNodes();
    await expect(remote.hangup('rDlg-003-cccccc')).rejects.toMatchObject({ code: 1413 });
    expect([...a.calls.hungUp, ...b.calls.hungUp]).toEqual([]);
  });

  it('a node that does not answer is 1503 naming it', async () => {
    const closed = await startNode('009', []);
    const address = closed.address;
    await closed.feed.close();
    const remote = createRemoteCallControl({ ownerOf: () => address, logger: silentLogger, timeoutMs: 1000 });
    await expect(remote.hangup('rDlg-009-zzzzzz')).rejects.toMatchObject({ code: 1503, message: expect.stringContaining(address) as unknown });
  });

  it('what the node cannot do yet is 1503 here too, and never sent', async () => {
    const { remote } = await twoNodes();
    expect(() => remote.sendDtmf({ dialogid: 'rDlg-001-aaaaaa' } as never)).toThrow(expect.objectContaining({ code: 1503 }) as unknown as Error);
  });

  describe('the node\'s control routes refuse what they do not know', () => {
    it('an unknown action or extra path segments: 404, and nothing is done', async () => {
      const a = await startNode('001', ['rDlg-001-aaaaaa']);
      nodes.push(a);
      expect((await post(a.address, `${NODE_CONTROL_PATH}rDlg-001-aaaaaa/explode`, '{}')).status).toBe(404);
      expect((await post(a.address, `${NODE_CONTROL_PATH}rDlg-001-aaaaaa/hangup/x`, '{}')).status).toBe(404);
      expect(a.calls.hungUp).toEqual([]);
    });

    it('a dialog id that is not a valid %-escaped segment: 400 with code 1400, and the node goes on', async () => {
      const a = await startNode('001', ['rDlg-001-aaaaaa']);
      nodes.push(a);
      const res = await post(a.address, `${NODE_CONTROL_PATH}%E0%A4%A/hangup`, '{}');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error_code: 1400 });
      expect((await post(a.address, `${NODE_CONTROL_PATH}rDlg-001-aaaaaa/hangup`, '{}')).status).toBe(200);
      expect(a.calls.hungUp).toEqual(['rDlg-001-aaaaaa']);
    });

    it('labels that are not a list of strings: 400 with code 1400; the store is untouched', async () => {
      const a = await startNode('001', ['rDlg-001-aaaaaa']);
      nodes.push(a);
      for (const body of ['not json', '{"labels":"vip"}', '{"labels":[1]}', 'null']) {
        const res = await post(a.address, `${NODE_CONTROL_PATH}rDlg-001-aaaaaa/bindings`, body);
        expect(res.status, body).toBe(400);
        expect(JSON.parse(res.body)).toMatchObject({ error_code: 1400 });
      }
      expect(a.store.get('rDlg-001-aaaaaa')?.dialog.opts).toEqual({});
    });

    it('a body over the limit is refused as it arrives (413)', async () => {
      const a = await startNode('001', ['rDlg-001-aaaaaa']);
      nodes.push(a);
      const big = JSON.stringify({ labels: ['x'.repeat(MAX_CONTROL_BODY_BYTES)] });
      const res = await post(a.address, `${NODE_CONTROL_PATH}rDlg-001-aaaaaa/bindings`, big).catch(() => ({ status: 413, body: '' }));
      // 413, or the connection closed while the client was still sending: either way nothing applied.
      expect(res.status).toBe(413);
      expect(a.store.get('rDlg-001-aaaaaa')?.dialog.opts).toEqual({});
      expect((await post(a.address, `${NODE_CONTROL_PATH}rDlg-001-aaaaaa/bindings`, '{"labels":["ok"]}')).status).toBe(200);
      expect(a.store.get('rDlg-001-aaaaaa')?.dialog.opts.bindings).toEqual(['ok']);
    });
  });
});
