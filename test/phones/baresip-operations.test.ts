// Operations with real phones: click-to-call (POST, "IVR→X, IVR REFER Y, X→Y") between two baresip
// phones registered to the server, all in one private network namespace. The server runs its
// embedded Temporal dev server, so the operation is a real workflow whose SIP activities run on the
// node's worker and whose SIP events come back as signals.
// X is sip1 (alice, number 11) and Y is sip3 (bob, number 13), both answering by themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalCliWorks } from '../../temporal/cli-build.ts';
import { baresipUnavailableReason, startBaresip, type BaresipPhone, type SipTraceEntry } from './baresip.ts';
import { createNetns, netnsUnavailableReason, type Netns } from './netns.ts';
import { netnsServerConfig, startServerInNetns, type NetnsServer } from './server-in-netns.ts';
import { makeTone } from './tone.ts';

const skipReason =
  baresipUnavailableReason() ??
  (await netnsUnavailableReason()) ??
  (temporalCliWorks() ? null : 'the Temporal CLI is not built (run `npx tsx bin/callctl.ts setup` first; the namespace has no network to build it)');
if (skipReason !== null) console.warn(`[test/phones] baresip operations skipped: ${skipReason}`);

const DOMAIN = 'test.rootdomain.ru';
const SERVER_SIP = 5060;
const CALLS = '/rest/v1/user/sip/calls';

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, detail: () => string = () => ''): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function registered(phone: BaresipPhone): true | undefined {
  return phone.sipMessages().some((m) => m.dst === phone.sipAddress && m.startLine.startsWith('SIP/2.0 200') && /^CSeq:\s*\d+ REGISTER/im.test(m.headers)) ? true : undefined;
}

function header(m: SipTraceEntry, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(m.headers)?.[1]?.trim();
}

describe.skipIf(skipReason !== null)(`operations with baresip phones through the server${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let work = '';
  let ns: Netns | undefined;
  let server: NetnsServer | undefined;
  let x: BaresipPhone | undefined;
  let y: BaresipPhone | undefined;

  const logs = (): string => `--- server ---\n${server?.outputTail(60) ?? ''}\n--- X log ---\n${x?.logTail(60) ?? ''}\n--- Y log ---\n${y?.logTail(60) ?? ''}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phones-ops-'));
    ns = await createNetns();
    const config = netnsServerConfig({
      dir: join(work, 'server'),
      ports: { sip: SERVER_SIP },
      patch: (c) => {
        // baresip 1.0 only logs in when the challenge offers MD5 alone (see baresip-through-server).
        c.sip.digestAlgorithms = ['MD5'];
      },
    });
    const [started, tone] = await Promise.all([startServerInNetns({ netns: ns, config, readyTimeoutMs: 45_000 }), makeTone(join(work, 'tone.wav'), { frequency: 440, seconds: 30 })]);
    server = started;
    const outbound = `sip:127.0.0.1:${SERVER_SIP}`;
    [x, y] = await Promise.all([
      startBaresip({ netns: ns, name: 'x', dir: join(work, 'x'), sipPort: 5070, account: { user: 'sip1', domain: DOMAIN, password: 'secret1', regint: 60, outbound, answermode: 'auto' }, audioSource: tone }),
      startBaresip({ netns: ns, name: 'y', dir: join(work, 'y'), sipPort: 5080, account: { user: 'sip3', domain: DOMAIN, password: 'secret3', regint: 60, outbound, answermode: 'auto' }, audioSource: tone }),
    ]);
    await until("X's REGISTER 200", () => (x ? registered(x) : undefined), 10_000, logs);
    await until("Y's REGISTER 200", () => (y ? registered(y) : undefined), 10_000, logs);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([x?.stop(), y?.stop()]);
    await server?.stop(10_000);
    await ns?.close();
    if (work && !process.env.PHONES_KEEP_FILES) rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('POST click-to-call: the service call rings X, X is REFERred to Y and calls Y through the server; response_mode 4 answers once Y answered', async () => {
    if (!x || !y || !server) throw new Error('not started');
    const started = Date.now();
    const r = await server.api('POST', CALLS, 'alice-token', { from: '11', to: '13', response_mode: 4, binding: 'crm-42' });
    const answerMs = Date.now() - started;
    expect(r.status, `${JSON.stringify(r.body)}\n${logs()}`).toBe(200);
    const answer = r.body as { result: string; ivrcallid: string; acallid?: string; last_response?: string; dialogid?: string };
    expect(answer, logs()).toMatchObject({ result: 'ok', ivrcallid: expect.stringMatching(/^rIV-001-[0-9a-f]{27}$/), last_response: 'SIP/2.0 200 OK' });

    // X's device got the service call (from the IVR, callerid 100), then a REFER to 13 on it.
    const svc = x.sipMessages().filter((m) => header(m, 'Call-ID') === answer.ivrcallid);
    const invite = svc.find((m) => m.dst === x?.sipAddress && m.startLine.startsWith('INVITE '));
    expect(invite, logs()).toBeDefined();
    expect(header(invite!, 'From')).toMatch(new RegExp(`sip:100@${DOMAIN.replace(/\./g, '\\.')}`));
    const refer = svc.find((m) => m.dst === x?.sipAddress && m.startLine.startsWith('REFER '));
    expect(refer, logs()).toBeDefined();
    expect(header(refer!, 'Refer-To')).toContain(`sip:13@${DOMAIN}`);
    // X reported the referred call's progress in sipfrag NOTIFYs.
    const notifies = svc.filter((m) => m.src === x?.sipAddress && m.startLine.startsWith('NOTIFY '));
    expect(notifies.map((m) => m.body.trim()), logs()).toContain('SIP/2.0 200 OK');

    // Y got a call from X's number through the server and both sides are up.
    const estY = await y.waitFor('CALL_ESTABLISHED', 10_000);
    expect(estY.direction).toBe('incoming');
    expect(estY.peeruri).toBe(`sip:11@${DOMAIN}`);

    // The X→Y dialog is alice's (X is her account) and bob's (Y is his).
    const found = await until(
      'the X→Y dialog in the store',
      async () => {
        const l = await server?.api('LOOKUP', CALLS, 'bob-token-1', { phonenumber: '13' });
        return Array.isArray(l?.body) && l.body.length === 1 ? String(l.body[0]) : undefined;
      },
      5_000,
      logs,
    );
    if (answer.dialogid !== undefined) expect(answer.dialogid).toBe(found);
    const dialog = await server.api('GET', `${CALLS}/${found}`, 'alice-token');
    expect(dialog.status).toBe(200);
    expect(dialog.body).toMatchObject({ status: 'dialog' });
    console.info(`[test/phones] POST response_mode 4 answered in ${answerMs} ms: ${JSON.stringify(answer)}; dialog ${JSON.stringify(dialog.body)}`);

    // Ending it through the API hangs up both phones.
    expect(await server.api('DELETE', `${CALLS}/${found}`, 'alice-token')).toMatchObject({ status: 200, body: { dialogid: found } });
    await Promise.all([x.waitFor('CALL_CLOSED', 10_000), y.waitFor('CALL_CLOSED', 10_000)]);
  }, 60_000);
});
