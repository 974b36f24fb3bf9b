// Writes the bench config: the demo config (test/helpers/server-process.ts testConfig: free loopback
// ports for HTTP and the embedded Temporal dev server, a private data folder) with SIP on UDP only at
// a fixed port, the media range 20000-29999 (5,000 RTP/RTCP pairs: 2,500 calls), the ASR engine off,
// and sip2 (number 12) a static contact on the SIPp UAS. Prints one JSON line for run.sh.
//   npx tsx bench/sip/make-config.ts SIP_PORT UAS_PORT [NODE_INDEX TEMPORAL_PORT]
// With NODE_INDEX k (run.sh NODES=2, split roles): SIP node 00<k+1> with the media range 20000+10000k…
// (10,000 ports, 2,500 calls, as one node has; the rate scenarios accept 2xxxx and 3xxxx), its own
// call-store feed, and for k > 0 Temporal at 127.0.0.1:TEMPORAL_PORT (node 001's embedded dev server).
import { freePort, testConfig } from '../../test/helpers/server-process.ts';

const sipPort = Number(process.argv[2] ?? 5060);
const uasPort = Number(process.argv[3] ?? 5090);
const nodeIndex = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const temporalPort = Number(process.argv[5] ?? 0);

const feedPort = nodeIndex === undefined ? 0 : await freePort();
const cfg = await testConfig((c) => {
  c.sip.listen = [{ transport: 'udp', host: '127.0.0.1', port: sipPort }];
  c.sip.media = { host: '127.0.0.1', ports: [20000, 29999] };
  if (nodeIndex !== undefined) {
    const lo = 20000 + 10000 * nodeIndex;
    c.sip.media = { host: '127.0.0.1', ports: [lo, lo + 9999] };
    c.node = String(nodeIndex + 1).padStart(3, '0');
    c.cluster = { feed: { host: '127.0.0.1', port: feedPort } };
    if (nodeIndex > 0) c.temporal = { ...c.temporal, address: `127.0.0.1:${temporalPort}` };
  }
  // SIPp 3.6 answers only the first challenge and only MD5 (docs/sip.md): MD5 first, the default.
  c.sip.digestAlgorithms = ['MD5', 'SHA-256'];
  delete c.asr;
  for (const d of c.domains) {
    for (const u of d.users) {
      for (const s of u.sipusers ?? []) {
        if (s.login === 'sip2') s.contact = `sip:127.0.0.1:${uasPort}`;
      }
    }
  }
});

process.stdout.write(JSON.stringify({ file: cfg.file, dir: cfg.dir, httpPort: cfg.httpPort, temporalPort: cfg.temporalPort, uiPort: cfg.uiPort, sipPort }) + '\n');
