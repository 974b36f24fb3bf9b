// The hub and the wire format without sockets: one bus subscription for all clients, visibility
// by the scope rule, one serialisation per event, a failing client isolated, options checked.
import { describe, expect, it } from 'vitest';
import { CallEventBus } from '../events/call-events.ts';
import { authenticate, tokenIndex } from './auth.ts';
import { eventStreamOptions } from './event-client.ts';
import { EventHub, type HubClient } from './event-hub.ts';
import { toMessage, toWire, type WireEvent } from './event-wire.ts';
import { asrEvent, callEvent } from './event-test-helpers.ts';
import { fixtureSpecs, ids, makeStore, testConfig, TOKENS } from './test-helpers.ts';

const store = makeStore(fixtureSpecs());
const index = tokenIndex(testConfig());
const principal = (who: keyof typeof TOKENS) => authenticate(index, `Bearer ${TOKENS[who]}`);

function fakeClient(who: keyof typeof TOKENS, got: WireEvent[] = []): HubClient & { got: WireEvent[] } {
  return { kind: 'sse', principal: principal(who), got, offer: (e) => got.push(e), close: () => {} };
}

describe('wire format', () => {
  it('call events: the fields of the spec in a fixed order; optional ones only when set; never participants', () => {
    const e = { ...callEvent(store.get(ids.A1)!, 'transfer', { newdialogid: 'rDlg-001-Next01' }), secret: 'internal' };
    expect(Object.keys(toMessage(e))).toEqual(['type', 'ts', 'inviteid', 'dialogid', 'bindings', 'startts', 'newdialogid']);
    expect(toWire(e).json).not.toMatch(/participants|secret/);
  });

  it('ASR results: {type, dialogid, layer, callid, text, final, ts}; bytes are UTF-8 bytes', () => {
    const w = toWire(asrEvent(store.get(ids.A1)!, 'привет'));
    expect(Object.keys(JSON.parse(w.json) as object)).toEqual(['type', 'dialogid', 'layer', 'callid', 'text', 'final', 'ts']);
    expect(w.bytes).toBe(Buffer.byteLength(w.json));
    expect(w.bytes).toBeGreaterThan(w.json.length);
  });
});

describe('EventHub', () => {
  it('one hub per bus, subscribed only while it has clients', () => {
    const bus = new CallEventBus();
    const hub = EventHub.of(bus);
    expect(EventHub.of(bus)).toBe(hub);
    expect(EventHub.of(new CallEventBus())).not.toBe(hub);
    const a = fakeClient('alice');
    const b = fakeClient('bob');
    hub.attach(a);
    hub.attach(b);
    expect(bus.subscribers).toBe(1);
    expect(hub.counts).toEqual({ sse: 2, ws: 0 });
    hub.stopSending(a);
    expect(hub.counts).toEqual({ sse: 2, ws: 0 }); // still connected while it ends
    hub.detach(a);
    hub.detach(b);
    expect(bus.subscribers).toBe(0);
    expect(hub.size).toBe(0);
  });

  it('an event goes to the clients that see it, serialised once; a throwing client does not stop the others', () => {
    const bus = new CallEventBus();
    const hub = EventHub.of(bus);
    const alice = fakeClient('alice');
    const carol = fakeClient('carol');
    const bob = fakeClient('bob');
    const broken: HubClient = { ...fakeClient('alice'), offer: () => { throw new Error('kaput'); } };
    for (const c of [broken, alice, carol, bob]) hub.attach(c);
    bus.publish(callEvent(store.get(ids.AB)!)); // Alice and Bob
    bus.publish(callEvent(store.get(ids.C1)!)); // Carol only
    expect(alice.got.map((w) => JSON.parse(w.json).dialogid)).toEqual([ids.AB]);
    expect(bob.got[0]).toBe(alice.got[0]); // the same serialisation
    expect(carol.got.map((w) => JSON.parse(w.json).dialogid)).toEqual([ids.C1]);
  });

  it('close() asks every client to end and resolves once all are gone', async () => {
    const bus = new CallEventBus();
    const hub = EventHub.of(bus);
    const closing: HubClient[] = [];
    const client: HubClient = { ...fakeClient('alice'), close: () => closing.push(client) };
    hub.attach(client);
    let done = false;
    const p = hub.close('bye').then(() => (done = true));
    expect(closing).toEqual([client]);
    await Promise.resolve();
    expect(done).toBe(false);
    hub.detach(client);
    await p;
    expect(done).toBe(true);
  });
});

describe('options', () => {
  it('defaults 1000 events, 1 MiB, 15 s heartbeat, 5 s grace; bad values name the option', () => {
    expect(eventStreamOptions()).toMatchObject({ maxQueuedEvents: 1000, maxQueuedBytes: 1048576, heartbeatMs: 15000, closeGraceMs: 5000 });
    expect(() => eventStreamOptions({ maxQueuedEvents: 0 })).toThrow(/maxQueuedEvents/);
    expect(() => eventStreamOptions({ heartbeatMs: 1.5 })).toThrow(/heartbeatMs/);
  });
});
