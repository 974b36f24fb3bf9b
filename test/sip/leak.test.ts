// Leak freedom: 1,000 calls through the node between in-process phones on loopback UDP, of four
// kinds (the caller hangs up, the callee hangs up, busy, the caller cancels while it rings), under a
// ManualClock. Afterwards, once the transaction timers have run out, nothing may be left: no call,
// dialog, transaction, timer, media session, port or socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { startTestNode, until, type TestNode } from './helpers/node.ts';
import { TestPhone, type OutgoingCall } from './helpers/test-phone.ts';
import { socketFds } from '../../media/test-phone.ts';

const CALLS = 1_000;
const CONCURRENCY = 25;
type Kind = 'bye-a' | 'bye-b' | 'busy' | 'cancel';
const KINDS: Kind[] = ['bye-a', 'bye-b', 'busy', 'cancel'];

const clock = new ManualClock(Date.UTC(2025, 0, 1));
let t: TestNode;
let alice: TestPhone;
let bob: TestPhone;
let ticker: NodeJS.Timeout | undefined;

beforeAll(async () => {
  t = await startTestNode({ clock, mediaPorts: [42_000, 42_399] });
  alice = await TestPhone.open({ login: 'sip1', password: 'secret1', serverPort: t.port, clock });
  bob = await TestPhone.open({ login: 'sip3', password: 'secret3', serverPort: t.port, clock });
  // The callee phone reads the kind of call from the caller's display name, which the node passes on.
  bob.onInvite = (c) => {
    const kind = c.request.from?.displayName as Kind;
    if (kind === 'busy') return c.reject(486);
    c.ring();
    if (kind !== 'cancel') c.answer();
  };
  expect((await bob.register()).status).toBe(200);
  // Manual time moves on while the calls run, so a datagram lost in a burst is retransmitted.
  ticker = setInterval(() => clock.advance(50), 20);
});

afterAll(async () => {
  clearInterval(ticker);
  await alice?.close();
  await bob?.close();
  await t?.stop();
});

async function oneCall(kind: Kind): Promise<void> {
  const call: OutgoingCall = await alice.call('13', {
    displayName: kind,
    onProvisional: (res, c) => {
      if (kind === 'cancel' && res.status === 180) c.cancel();
    },
  });
  const expected = { 'bye-a': 200, 'bye-b': 200, busy: 486, cancel: 487 }[kind];
  if (call.final?.status !== expected) throw new Error(`${kind}: got ${call.final?.status}`);
  if (kind === 'bye-a') {
    if ((await call.bye()).status !== 200) throw new Error('BYE from the caller failed');
  } else if (kind === 'bye-b') {
    const acallid = call.invite.callId!;
    const incoming = bob.incoming.find((c) => c.request.callId!.endsWith(`-${acallid}`))!;
    if ((await incoming.bye()).status !== 200) throw new Error('BYE from the callee failed');
  }
}

describe('1,000 calls leave nothing behind', () => {
  it('every call completes, and then no dialog, transaction, timer, media port or socket is left', async () => {
    const fdsBefore = socketFds();
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < CALLS) {
        const kind = KINDS[next++ % KINDS.length]!;
        await oneCall(kind);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await until(() => t.node.calls.size === 0 && t.store.size === 0, 'every call to end', 20_000);
    clearInterval(ticker);
    ticker = undefined;
    const ends = t.events.filter((e) => e.type === 'end');
    expect(ends).toHaveLength(CALLS);
    expect(Object.fromEntries(KINDS.map((k) => [k, ends.filter((e) => e.cause === k).length]))).toEqual({ 'bye-a': 250, 'bye-b': 250, busy: 250, cancel: 250 });
    expect(t.events.filter((e) => e.type === 'start')).toHaveLength(CALLS);

    // Timers L, M, D, J, K run out; the location service keeps its sweep timer only.
    clock.advance(5 * 60_000);
    await until(() => t.node.counts().socketsOpen === 0, 'media sockets to close');
    expect(t.node.counts()).toEqual({ dialogs: 0, transactions: 0, timers: 1, mediaSessions: 0, portsInUse: 0, socketsOpen: 0, connections: 0 });
    // The port pool's idle set (released pairs kept bound for reuse, at most a quarter of the range's
    // 200 pairs) is closed too once unused for 30 s: socket files of the process, as the open-file
    // limit counts them, are back to what they were before the calls.
    await until(() => t.node.media.socketsIdle === 0 && socketFds() === fdsBefore, 'idle media sockets to close');
    expect(t.node.calls.counts()).toEqual({ calls: 0, dialogs: 0, invites: 0, forks: 0 });
    expect(alice.layer.size() + bob.layer.size()).toBe(0);
    console.log(`${CALLS} calls in ${Date.now() - started} ms`);

    await t.node.stop();
    expect(clock.pending).toBe(0);
    expect({ idle: t.node.media.socketsIdle, open: t.node.media.socketsOpen }).toEqual({ idle: 0, open: 0 });
  }, 120_000);
});
