// CPU per operation of the call-path pieces tuned for the call rate (docs/benchmarks.md, "SIP call
// setup"): run it on two trees to compare, e.g. the current one and `git archive <commit>` unpacked
// next to it (with node_modules linked):
//   flock /tmp/callctl-bench.lock npx tsx bench/sip/micro.ts [TREE]      (TREE defaults to this checkout)
// A tree whose PortPool has no idle queue ignores `idlePairs`: its figure is then the bind/close path.
import { resolve } from 'node:path';

const root = resolve(process.argv[2] ?? new URL('../..', import.meta.url).pathname);
const { parseDatagram, validateRequest, createResponse, serialize } = await import(`${root}/sip/message/index.ts`);
const { normalizeHost } = await import(`${root}/sip/transport/via-handling.ts`);
const { NonceCodec } = await import(`${root}/sip/auth/nonce-codec.ts`);
const { hashHex } = await import(`${root}/sip/auth/digest-algorithm.ts`);
const { randomAlnum } = await import(`${root}/store/ids.ts`);
const { PortPool } = await import(`${root}/media/port-pool.ts`);
const { systemClock } = await import(`${root}/lib/clock.ts`);
const { CallStore } = await import(`${root}/store/call-store.ts`);
const { storedDialog } = await import(`${root}/b2bua/call-record.ts`);
const { createLogger } = await import(`${root}/lib/log.ts`);

const invite = Buffer.from(
  [
    'INVITE sip:12@test.rootdomain.ru SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1-2-3;rport',
    'From: sipp <sip:sip1@test.rootdomain.ru>;tag=1SIPpTag001',
    'To: <sip:12@test.rootdomain.ru>',
    'Call-ID: 1-2345@127.0.0.1',
    'CSeq: 2 INVITE',
    'Contact: <sip:sip1@127.0.0.1:5070>',
    'Max-Forwards: 70',
    'Proxy-Authorization: Digest username="sip1",realm="test.rootdomain.ru",uri="sip:12@test.rootdomain.ru",nonce="abc",response="0123456789abcdef0123456789abcdef",algorithm=MD5',
    'Subject: Performance Test',
    'Content-Type: application/sdp',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'),
);

function report(name: string, cpuMicros: number, n: number): void {
  process.stdout.write(`${name.padEnd(58)} ${(cpuMicros / n).toFixed(2)} µs CPU\n`);
}

function bench(name: string, f: () => void, n = 100_000): void {
  for (let i = 0; i < n / 5; i++) f();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const c = process.cpuUsage(c0);
  report(name, c.user + c.system, n);
}

process.stdout.write(`tree ${root}\n`);
bench('parse + validate an INVITE, build and serialize its 407', () => {
  const req = parseDatagram(invite);
  validateRequest(req);
  serialize(createResponse(req, 407, undefined, { toTag: 'abc123' }));
});
bench("normalizeHost('127.0.0.1')", () => normalizeHost('127.0.0.1'), 1_000_000);
const codec = new NonceCodec({ clock: systemClock });
bench('nonce issue + check', () => codec.check(codec.issue('test.rootdomain.ru'), 'test.rootdomain.ru'));
bench('MD5 hashHex of a short string', () => hashHex('MD5', 'sip1:test.rootdomain.ru:secret1'));
bench('randomAlnum(6)', () => randomAlnum(6));

// The call record as a call writes it: put at forking, ringing, answered and closing, then removed.
const store = new CallStore();
let callNo = 0;
const participants = [
  { domain: 'test.rootdomain.ru', sipuserId: 1, login: 'sip1', phonenumber: '11' },
  { domain: 'test.rootdomain.ru', sipuserId: 2, login: 'sip2', phonenumber: '12' },
];
bench('call record: 4 puts and a delete (storedDialog + CallStore)', () => {
  const id = `rDlg-001-${++callNo}`;
  const base = { dialogid: id, inviteid: `inv-${callNo}`, acallid: `${callNo}-a@h`, startts: 1, site: 'SITE1', participants };
  const a = { localuri: '<sip:12@test.rootdomain.ru>', remoteuri: '<sip:sip1@test.rootdomain.ru>' };
  const b = [{ callid: `rB2-001-${callNo}-01-${callNo}-a@h`, localuri: '<sip:11@test.rootdomain.ru>', remoteuri: '<sip:12@test.rootdomain.ru>', expiresAt: 1e15 }];
  const answered = [{ ...b[0]!, expiresAt: undefined }];
  store.put(storedDialog({ ...base, status: 'forking', a, b }, systemClock, {}));
  store.put(storedDialog({ ...base, status: 'forking', a, b }, systemClock, {}));
  store.put(storedDialog({ ...base, status: 'dialog', a, b: answered }, systemClock, {}));
  store.put(storedDialog({ ...base, status: 'closing', a, b: answered }, systemClock, {}));
  store.delete(id);
}, 20_000);
bench('systemClock: setTimeout then clearTimeout', () => systemClock.clearTimeout(systemClock.setTimeout(() => {}, 60_000)), 200_000);
const quiet = createLogger({ level: 'warn', sink: () => {} });
bench('logger (level warn): a child with fields, 3 lines below the level', () => {
  const l = quiet.child('call', { dialogid: 'rDlg-001-x', callid: 'c@h' });
  l.info('call started', { from: 'sip1', to: '12', forks: 1 });
  l.debug('transaction state', { tx: 'z9hG4bK|INVITE', from: 'calling', to: 'proceeding' });
  l.info('call over', { cause: 'bye-a' });
}, 200_000);

// Port pairs as a relay session takes them: listeners on, then released; 20 at a time.
for (const idlePairs of [0, 1024]) {
  const pool = new PortPool({ host: '127.0.0.1', ports: [35000, 36999], idlePairs, reuseAfterMs: 0 });
  const run = async (n: number): Promise<number> => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i += 20) {
      const pairs = await Promise.all(Array.from({ length: 20 }, () => pool.allocate()));
      for (const p of pairs) for (const s of [p.rtp, p.rtcp]) s.on('message', () => {}).on('error', () => {});
      await Promise.all(pairs.map((p) => pool.release(p)));
    }
    const c = process.cpuUsage(c0);
    return c.user + c.system;
  };
  await run(4_000);
  report(`port pair allocate + release (idlePairs ${idlePairs})`, await run(20_000), 20_000);
  await (pool as { close?: () => Promise<void> }).close?.();
}
