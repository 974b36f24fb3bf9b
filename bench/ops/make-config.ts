// The bench config: the demo config (test/helpers/server-process.ts testConfig: free loopback ports
// for HTTP and the embedded Temporal dev server, a private data folder) with SIP on UDP only at a
// fixed port, the ASR engine off, and sip2 (number 12, one of Alice's accounts) a static contact on
// the SIPp UAS: X of the POSTs, Y of the transfers. `temporalAddress` names a Temporal server
// started apart (an experiment: the server then starts no dev server of its own).
import { testConfig, type TestConfig } from '../../test/helpers/server-process.ts';

export function benchConfig(sipPort: number, uasPort: number, temporalAddress?: string): Promise<TestConfig> {
  return testConfig((c) => {
    c.sip.listen = [{ transport: 'udp', host: '127.0.0.1', port: sipPort }];
    c.sip.media = { host: '127.0.0.1', ports: [30000, 39999] };
    // SIPp 3.6 answers only the first challenge and only MD5 (docs/sip.md): MD5 first, the default.
    c.sip.digestAlgorithms = ['MD5', 'SHA-256'];
    delete c.asr;
    if (temporalAddress) c.temporal.address = temporalAddress;
    for (const d of c.domains) {
      for (const u of d.users) {
        for (const s of u.sipusers ?? []) {
          if (s.login === 'sip2') s.contact = `sip:127.0.0.1:${uasPort}`;
        }
      }
    }
  });
}
