// Micro-benchmark: parses a typical INVITE (with SDP) over and over and prints messages/s.
// Run: npx tsx sip/message/parse-bench.ts [iterations]
import { parseDatagram } from './parser.ts';
import { serialize } from './serializer.ts';

const sdp = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=sendrecv',
  '',
].join('\r\n');

const invite = Buffer.from(
  [
    'INVITE sip:+15551234567@pbx.example.com;user=phone SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9a1c2d;rport',
    'Via: SIP/2.0/TCP proxy.example.net:5060;branch=z9hG4bK1f2e3d4c5b;received=198.51.100.7',
    'Max-Forwards: 69',
    'Record-Route: <sip:proxy.example.net;lr>',
    'From: "Alice Example" <sip:alice@example.com>;tag=9fxced76sl',
    'To: <sip:+15551234567@pbx.example.com;user=phone>',
    'Call-ID: 3848276298220188511@192.0.2.10',
    'CSeq: 2 INVITE',
    'Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=3600',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, UPDATE',
    'Supported: replaces, timer, 100rel',
    'User-Agent: ExamplePhone/1.2.3',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n'),
);

const iterations = Number(process.argv[2] ?? 200_000);

function run(n: number): number {
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const m = parseDatagram(invite);
    // Touch what a transaction layer reads, so lazily parsed forms are counted when used.
    sink += m.body.length + (m.cseq?.seq ?? 0) + (m.topVia?.branch?.length ?? 0);
  }
  return sink;
}

run(20_000); // warm-up: let the JIT settle
const t0 = process.hrtime.bigint();
run(iterations);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rate = Math.round(iterations / seconds);
console.log(`parsed ${iterations} INVITEs (${invite.length} bytes) in ${seconds.toFixed(2)} s: ${rate.toLocaleString('en-US')} messages/s`);

const msg = parseDatagram(invite);
const s0 = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) serialize(msg);
const sSeconds = Number(process.hrtime.bigint() - s0) / 1e9;
console.log(`serialized ${iterations} in ${sSeconds.toFixed(2)} s: ${Math.round(iterations / sSeconds).toLocaleString('en-US')} messages/s`);
