// Calls whose hangup goes unanswered still end (issue #3: nothing may be left after calls). Under
// overload a caller's BYE can be lost, and the devices may be gone by the time we send ours: the
// media timeout then ends the call, and RFC 3261 Timer F (64·T1) ends each unanswered BYE. All on
// a ManualClock, through the node on loopback UDP.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { DEFAULT_TIMERS } from '../../sip/transaction/index.ts';
import { startTestNode, until, type TestNode } from './helpers/node.ts';
import { TestPhone } from './helpers/test-phone.ts';

const T1 = DEFAULT_TIMERS.T1;
const TIMER_F = 64 * T1;
// The default: longer than 64*T1, so the no-ACK case below is not overtaken by it.
const MEDIA_TIMEOUT_MS = 60_000;

const clock = new ManualClock(Date.UTC(2025, 0, 1));
let t: TestNode;
const phones: TestPhone[] = [];

beforeAll(async () => {
  t = await startTestNode({ clock, mediaTimeoutMs: MEDIA_TIMEOUT_MS });
});

afterAll(async () => {
  await t?.stop();
});

afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

/** A fresh caller (sip1) and callee (sip3, registered), so a deaf phone never spoils the next test. */
async function pair(): Promise<{ alice: TestPhone; bob: TestPhone }> {
  const alice = await TestPhone.open({ login: 'sip1', password: 'secret1', serverPort: t.port, clock });
  const bob = await TestPhone.open({ login: 'sip3', password: 'secret3', serverPort: t.port, clock });
  phones.push(alice, bob);
  expect((await bob.register()).status).toBe(200);
  return { alice, bob };
}

/** A phone that stops answering: what reaches it is ignored, as if it had crashed. */
function deaf(p: TestPhone): void {
  p.layer.close();
}

/** Our 2xx to the caller has its ACK (no more retransmissions): the time may jump from here. */
async function acked(): Promise<void> {
  await until(() => t.node.transactions.counts().retransmitting2xx === 0, 'the caller\'s ACK');
}

function status(): string | undefined {
  return [...t.store.all()][0]?.dialog.status;
}

function endsOf(dialogid: string): [string | undefined, number | undefined][] {
  return t.events.filter((e) => e.dialogid === dialogid && e.type === 'end').map((e) => [e.cause, e.status]);
}

describe('calls whose BYE is never answered', () => {
  it('§17.1.2.2 Timer F: a BYE the callee never answers ends 64*T1 later, and the call with it', async () => {
    const { alice, bob } = await pair();
    const call = await alice.call('13');
    expect(call.final?.status).toBe(200);
    const dialogid = [...t.store.all()][0]!.dialog.dialogid;
    await acked();
    deaf(bob);
    // §15.1.2: the caller's BYE is answered at once; ours to the callee goes unanswered.
    expect((await call.bye()).status).toBe(200);
    expect(status()).toBe('closing');
    clock.advance(TIMER_F - 1);
    expect(status()).toBe('closing');
    clock.advance(1);
    await until(() => t.store.size === 0 && t.node.calls.size === 0, 'the call to end at Timer F');
    expect(endsOf(dialogid)).toEqual([['bye-a', undefined]]);
    await until(() => t.node.media.get(dialogid) === undefined, 'the media session to close');
  });

  it('the caller\'s BYE is lost and both devices are gone: the media timeout sends BYE on both legs, and Timer F ends the call', async () => {
    const { alice, bob } = await pair();
    const call = await alice.call('13');
    expect(call.final?.status).toBe(200);
    const dialogid = [...t.store.all()][0]!.dialog.dialogid;
    await acked();
    // The caller hung up, but its BYE never reached us (dropped at an overloaded socket, and the
    // caller took a stray 2xx for its answer, as SIPp does): for us the call is still up.
    deaf(alice);
    deaf(bob);
    clock.advance(MEDIA_TIMEOUT_MS - 1);
    expect(status()).toBe('dialog');
    clock.advance(1_000);
    expect(status()).toBe('closing');
    expect(endsOf(dialogid)).toEqual([['media-timeout', undefined]]);
    clock.advance(TIMER_F);
    await until(() => t.store.size === 0 && t.node.calls.size === 0, 'the call to end once both BYEs timed out');
    await until(() => t.node.media.get(dialogid) === undefined, 'the media session to close');
  });

  it('§13.3.1.4 a 2xx never ACKed ends with BYE on both legs after 64*T1; unanswered, the call is gone 64*T1 later', async () => {
    const { alice, bob } = await pair();
    const call = await alice.call('13', { noAck: true });
    expect(call.final?.status).toBe(200);
    const dialogid = [...t.store.all()][0]!.dialog.dialogid;
    deaf(alice);
    deaf(bob);
    clock.advance(TIMER_F);
    expect(status()).toBe('closing');
    expect(endsOf(dialogid)).toEqual([['no-ack', undefined]]);
    clock.advance(TIMER_F);
    await until(() => t.store.size === 0 && t.node.calls.size === 0, 'the call to end once both BYEs timed out');
  });
});
