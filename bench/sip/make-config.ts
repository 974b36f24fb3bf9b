// Writes the bench config: the demo config (test/helpers/server-process.ts testConfig: free loopback
// ports for HTTP and the embedded Temporal dev server, a private data folder) with SIP on UDP only at
// a fixed port, the media range 20000-29999 (5,000 RTP/RTCP pairs: 2,500 calls), the ASR engine off,
// and sip2 (number 12) a static contact on the SIPp UAS. Prints one JSON line for run.sh.
//   npx tsx bench/sip/make-config.ts SIP_PORT UAS_PORT
import { testConfig } from '../../test/helpers/server-process.ts';

const sipPort = Number(process.argv[2] ?? 5060);
const uasPort = Number(process.argv[3] ?? 5090);

const cfg = await testConfig((c) => {
  c.sip.listen = [{ transport: 'udp', host: '127.0.0.1', port: sipPort }];
  c.sip.media = { host: '127.0.0.1', ports: [20000, 29999] };
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
