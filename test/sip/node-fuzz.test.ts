// The whole SIP node (transport, transactions, dialogs, registrar, digest, B2BUA, media anchoring)
// under mutated traffic: over UDP and over TCP while a call is up, and as the SDP of authenticated
// INVITEs. It answers what it can with a reason, never with a bare 500 (the answer of a handler
// that threw), logs no error, the call goes on and ends as usual, and nothing is left behind. The
// parsers are fuzzed on their own in sip/message and media/sdp; this checks what lies behind them.
// Seeded, so a failure can be replayed: FUZZ_SEED=<n>; FUZZ_MESSAGES=<n> and FUZZ_CALLS=<n> for
// longer runs; FUZZ_STATS=1 prints what the node answered, to see which paths the mutations reached.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.ts';
import { seededRandom } from '../../lib/seeded-random.ts';
import { mutateBytes } from '../helpers/mutate-bytes.ts';
import { ALL_SAMPLES } from '../../media/sdp/sdp-samples.ts';
import { createRequest, generateTag, parseDatagram, serialize, type SipRequest } from '../../sip/message/index.ts';
import { DOMAIN, startTestNode, until, type TestNode } from './helpers/node.ts';
import { TestPhone, sdpOffer } from './helpers/test-phone.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const MESSAGES = Number(process.env.FUZZ_MESSAGES ?? 3_000);
const SDP_CALLS = Number(process.env.FUZZ_CALLS ?? 200);
/** A CSeq no mutation can pass: the largest valid one (RFC 3261 §8.1.1.5: below 2**31). */
const LAST_CSEQ = 0x7fff_ffff;

const INTERESTING = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x3a, 0x3b, 0x3c, 0x3e, 0x3d, 0x40, 0x5c, 0x7f, 0x80, 0xff, 0x30, 0x39];

const mutate = (buf: Buffer, rnd: () => number): Buffer => mutateBytes(buf, rnd, { interesting: INTERESTING, maxRun: 40 });

let t: TestNode;
let alice: TestPhone; // sip1, the caller
let bob: TestPhone; // sip3, the callee
let fuzzer: UdpSocket;
const errorLines: string[] = [];

beforeAll(async () => {
  const logger = createLogger({ level: 'error', component: 'callctl', sink: (line) => errorLines.push(line) });
  t = await startTestNode({ logger });
  alice = await TestPhone.open({ login: 'sip1', password: 'secret1', serverPort: t.port });
  bob = await TestPhone.open({ login: 'sip3', password: 'secret3', serverPort: t.port });
  expect((await bob.register()).status).toBe(200);
  fuzzer = createSocket('udp4');
  await new Promise<void>((resolve) => fuzzer.bind(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  fuzzer?.close();
  await Promise.all([alice?.close(), bob?.close()]);
  await t?.stop();
});

/** How the mutated messages reach the node, and how its answers come back (status lines). */
interface Sender {
  transport: 'UDP' | 'TCP';
  /** The port our Via names (TCP answers come back on the connection whatever it says). */
  port: number;
  send(message: Buffer): Promise<void>;
  responses: string[];
  close(): void;
}

function udpSender(): Sender {
  const responses: string[] = [];
  const onMessage = (msg: Buffer) => responses.push(msg.toString('latin1', 0, Math.min(msg.length, 200)).split('\r\n')[0] ?? '');
  fuzzer.on('message', onMessage);
  let sent = 0;
  return {
    transport: 'UDP',
    port: fuzzer.address().port,
    responses,
    async send(message) {
      fuzzer.send(message, t.port, '127.0.0.1');
      // Paced, so the node's socket buffer is not what drops them.
      if (++sent % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    },
    close: () => fuzzer.off('message', onMessage),
  };
}

/**
 * One stream after another: a mutated Content-Length or a broken start line may make the node
 * close the connection (§18.3), or read the next message as this one's body; a new connection
 * follows the close, and every 25 messages anyway so each stream starts in step.
 */
function tcpSender(): Sender {
  const responses: string[] = [];
  let socket: Socket | undefined;
  let open = false;
  let sent = 0;
  let tail = '';
  const connect = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = createConnection({ host: '127.0.0.1', port: t.port }, () => {
        open = true;
        resolve(s);
      });
      s.on('error', (err) => (open ? undefined : reject(err)));
      s.on('close', () => {
        if (socket === s) open = false;
      });
      s.on('data', (chunk: Buffer) => {
        const lines = (tail + chunk.toString('latin1')).split('\r\n');
        tail = lines.pop() ?? '';
        for (const line of lines) if (/^SIP\/2\.0 \d{3}/.test(line)) responses.push(line);
      });
    });
  return {
    transport: 'TCP',
    port: 5999,
    responses,
    async send(message) {
      if (!socket || !open || sent % 25 === 0) {
        socket?.end();
        tail = '';
        socket = await connect();
      }
      sent++;
      if (!socket.write(message)) await new Promise((r) => socket!.once('drain', r));
      if (sent % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    },
    close: () => socket?.destroy(),
  };
}

/** A request as text, with a Via of the sender whose branch is `BRANCH` until sent. */
function text(req: SipRequest | string, via: Sender): string {
  const raw = typeof req === 'string' ? req : serialize(req).toString('latin1');
  return raw.replace(/\r\n/, `\r\nVia: SIP/2.0/${via.transport} 127.0.0.1:${via.port};branch=BRANCH;rport\r\n`);
}

/**
 * Places a call alice → 13, sends MESSAGES mutated messages through `via`, then checks the node's
 * answers and its log, that the call is still up on both legs, and that alice's BYE ends it.
 */
async function fuzzDuringACall(via: Sender): Promise<void> {
  const call = await alice.call('13');
  expect(call.final?.status).toBe(200);
  await until(() => [...t.store.all()][0]?.dialog.status === 'dialog', 'the call to be answered');
  const dialog = call.dialog!;
  const callee = bob.incoming.at(-1)!.dialog;
  // Out of any dialog, each send gets its own From tag, Call-ID and CSeq: repeats of one would be
  // merged requests (§8.2.2.2, 482) and go no further.
  const outOfDialog = (method: string, uri: string, extra: Partial<Parameters<typeof createRequest>[0]> = {}) =>
    createRequest({ method, uri, from: `<sip:sip1@${DOMAIN}>;tag=FROMTAG`, to: `<${uri}>`, callId: 'CALLID', cseq: 1, contact: `<sip:sip1@127.0.0.1:${via.port}>`, ...extra });
  // Seeds: the call's own requests from both sides (they reach the B2BUA and the other leg), with
  // CSeqs that rise from send to send as a phone's do; requests out of any dialog (challenge,
  // registrar, routing); an ACK and a CANCEL for the answered INVITE; a response of no transaction.
  const seeds: Array<{ text: string; newCseq: boolean }> = [
    { text: text(dialog.createRequest('INFO', { body: 'Signal=5\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' }), via), newCseq: true },
    { text: text(dialog.createRequest('UPDATE', { body: sdpOffer(alice.mediaPort), contentType: 'application/sdp' }), via), newCseq: true },
    { text: text(dialog.createRequest('NOTIFY', { headers: [['Event', 'talk'], ['Subscription-State', 'active']] }), via), newCseq: true },
    { text: text(dialog.createRequest('OPTIONS'), via), newCseq: true },
    { text: text(dialog.createRequest('REFER', { headers: [['Refer-To', `<sip:14@${DOMAIN}>`]] }), via), newCseq: true },
    { text: text(dialog.createAck(call.invite!.cseq!.seq), via), newCseq: false },
    // The same from the callee's side of the B2BUA.
    { text: text(callee.createRequest('INFO', { body: 'Signal=#\r\nDuration=100\r\n', contentType: 'application/dtmf-relay' }), via), newCseq: true },
    { text: text(callee.createRequest('UPDATE', { body: sdpOffer(bob.mediaPort, 'sendonly'), contentType: 'application/sdp' }), via), newCseq: true },
    { text: text(callee.createRequest('NOTIFY', { headers: [['Event', 'check-sync'], ['Subscription-State', 'terminated']] }), via), newCseq: true },
    { text: text(outOfDialog('INVITE', `sip:13@${DOMAIN}`, { body: sdpOffer(alice.mediaPort), contentType: 'application/sdp' }), via), newCseq: true },
    { text: text(outOfDialog('REGISTER', `sip:${DOMAIN}`, { to: `<sip:sip1@${DOMAIN}>`, headers: [['Expires', '60']] }), via), newCseq: true },
    { text: text(outOfDialog('MESSAGE', `sip:13@${DOMAIN}`, { body: 'hello', contentType: 'text/plain' }), via), newCseq: true },
    { text: text(outOfDialog('SUBSCRIBE', `sip:13@${DOMAIN}`, { headers: [['Event', 'dialog'], ['Expires', '60']] }), via), newCseq: true },
    { text: text(outOfDialog('CANCEL', `sip:13@${DOMAIN}`, { from: call.invite!.headers.get('from')!, callId: call.invite!.callId!, cseq: call.invite!.cseq!.seq }), via), newCseq: false },
    { text: `SIP/2.0 200 OK\r\nVia: SIP/2.0/${via.transport} 127.0.0.1:${t.port};branch=BRANCH\r\nFrom: <sip:13@${DOMAIN}>;tag=a1\r\nTo: <sip:sip1@${DOMAIN}>;tag=b2\r\nCall-ID: stray-CALLID\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`, newCseq: false },
  ];
  /** The seed as sent the i-th time, before any mutation. */
  const fill = (seed: { text: string; newCseq: boolean }, i: number): string => {
    const filled = seed.text.replace('BRANCH', `z9hG4bK-fuzz-${SEED}-${via.transport}-${i}`).replace('FROMTAG', `f${i}`).replace('CALLID', `fuzz-${SEED}-${i}`);
    return seed.newCseq ? filled.replace(/\r\nCSeq: \d+ /, `\r\nCSeq: ${1_000 + i} `) : filled;
  };

  const rnd = seededRandom(SEED);
  try {
    for (let i = 0; i < MESSAGES; i++) {
      const pick = rnd();
      let message: Buffer;
      if (pick < 0.05) {
        // Noise: random bytes of random length, up to past the datagram limit.
        message = Buffer.alloc(1 + Math.floor(rnd() * 9_000), Math.floor(rnd() * 256));
      } else {
        const template = fill(seeds[Math.floor(rnd() * seeds.length)]!, i);
        // One in ten goes out unmutated: valid requests of strangers take real paths too.
        message = pick < 0.15 ? Buffer.from(template, 'latin1') : mutate(Buffer.from(template, 'latin1'), rnd);
      }
      await via.send(message);
    }
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    via.close();
  }

  // A bare 500 is what a handler that threw gets (transaction-layer.ts, request-dispatcher.ts);
  // the 500s the RFC asks for carry their reason (CSeq out of order, §12.2.2).
  const { responses } = via;
  const statuses = new Map<string, number>();
  for (const line of responses) statuses.set(line, (statuses.get(line) ?? 0) + 1);
  if (process.env.FUZZ_STATS) console.log(via.transport, [...statuses].sort((a, b) => b[1] - a[1]).slice(0, 40));
  const bare500 = responses.filter((l) => /^SIP\/2\.0 500( Server Internal Error)?$/.test(l));
  expect(bare500, JSON.stringify([...statuses])).toEqual([]);
  expect(responses.some((l) => l.startsWith('SIP/2.0 400 '))).toBe(true);
  expect(errorLines).toEqual([]);

  // The call is still up on both legs, and the node still serves its phones.
  const live = [...t.store.all()];
  expect(live.map((e) => e.dialog.status)).toEqual(['dialog']);
  expect(bob.liveCalls).toBe(1);
  const options = await alice.transact(createRequest({ method: 'OPTIONS', uri: `sip:${DOMAIN}`, from: `<sip:sip1@${DOMAIN}>;tag=${generateTag()}`, to: `<sip:${DOMAIN}>`, cseq: 1 }));
  expect(options.status).toBe(200);

  // alice hangs up with the largest CSeq: a mutated request may have raised the dialog's.
  const byeText = serialize(dialog.createRequest('BYE')).toString('latin1').replace(/\r\nCSeq: \d+ BYE\r\n/i, `\r\nCSeq: ${LAST_CSEQ} BYE\r\n`);
  const bye = await alice.transact(parseDatagram(Buffer.from(byeText, 'latin1')) as SipRequest);
  expect(bye.status).toBe(200);
  await until(() => bob.liveCalls === 0 && t.store.size === 0 && t.node.calls.size === 0, 'the call to end on both legs');
}

describe('the SIP node under mutated traffic', () => {
  it('over UDP: answers what it can with a reason, logs no error, and the call it carries goes on and ends with a BYE', async () => {
    await fuzzDuringACall(udpSender());
  });

  it('over TCP, stream after stream: the same', async () => {
    await fuzzDuringACall(tcpSender());
  });

  it('authenticated INVITEs with mutated SDP: each is refused with a reason or becomes a call that ends with a BYE; no media session or port is left', async () => {
    // Offers as real agents write them, every address on loopback: an anchored call sends nowhere else.
    const offers = [sdpOffer(alice.mediaPort), ...Object.values(ALL_SAMPLES)].map((o) => o.replace(/IN IP4 \d+\.\d+\.\d+\.\d+/g, 'IN IP4 127.0.0.1'));
    const rnd = seededRandom(SEED + 1);
    const finals = new Map<string, number>();
    for (let i = 0; i < SDP_CALLS; i++) {
      const offer = offers[Math.floor(rnd() * offers.length)]!;
      // A mutation may move an address off loopback: such an address is put back (tests send nowhere else).
      const body = (rnd() < 0.1 ? offer : mutate(Buffer.from(offer, 'latin1'), rnd).toString('latin1')).replace(/IN IP4 (\d+)(\.\d+){3}/g, (m, first: string) => (first === '127' ? m : 'IN IP4 127.0.0.1'));
      const call = await alice.call('13', { body });
      const final = `${call.final?.status} ${call.final?.reason}`;
      finals.set(final, (finals.get(final) ?? 0) + 1);
      if (call.final && call.final.status < 300) expect((await call.bye()).status).toBe(200);
    }
    if (process.env.FUZZ_STATS) console.log('SDP', [...finals].sort((a, b) => b[1] - a[1]));
    expect([...finals.keys()].filter((f) => /^500 (Server Internal Error)?$/.test(f))).toEqual([]);
    expect([...finals.keys()].some((f) => f.startsWith('200 '))).toBe(true);
    expect([...finals.keys()].some((f) => /^(400|488) /.test(f))).toBe(true);
    expect(errorLines).toEqual([]);
    await until(() => bob.liveCalls === 0 && t.store.size === 0 && t.node.calls.size === 0, 'every call to end on both legs');
    const { dialogs, mediaSessions, portsInUse } = t.node.counts();
    expect({ dialogs, mediaSessions, portsInUse }).toEqual({ dialogs: 0, mediaSessions: 0, portsInUse: 0 });
  });
});
