// Operations with real phones: click-to-call (POST, "IVR→X, IVR REFER Y, X→Y") between two baresip
// phones registered to the server, all in one private network namespace. The server runs its
// embedded Temporal dev server, so the operation is a real workflow whose SIP activities run on the
// node's worker and whose SIP events come back as signals.
// X is sip1 (alice, number 11) and Y is sip3 (bob, number 13), both answering by themselves. For the
// blind transfer (REFER), whose service call INVITEs the moved party with Replaces, that party is a
// linphone L (sip2, alice's number 12: baresip does not take Replaces) and the target Z is baresip
// sip4 (bob's number 14).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalCliWorks } from '../../temporal/cli-build.ts';
import { baresipUnavailableReason, startBaresip, type BaresipPhone, type SipTraceEntry } from './baresip.ts';
import { linphoneUnavailableReason, startLinphone, type LinphonePhone } from './linphone.ts';
import { createNetns, netnsUnavailableReason, type Netns } from './netns.ts';
import { netnsServerConfig, startServerInNetns, type NetnsServer } from './server-in-netns.ts';
import { analyseWavFile, makeTone, type ToneAnalysis } from './tone.ts';
import { registered, sleep, until } from './until.ts';

const skipReason =
  baresipUnavailableReason() ??
  linphoneUnavailableReason() ??
  (await netnsUnavailableReason()) ??
  (temporalCliWorks() ? null : 'the Temporal CLI is not built (run `npx tsx bin/callctl.ts setup` first; the namespace has no network to build it)');
if (skipReason !== null) console.warn(`[test/phones] baresip operations skipped: ${skipReason}`);

const DOMAIN = 'test.rootdomain.ru';
const SERVER_SIP = 5060;
const CALLS = '/rest/v1/user/sip/calls';

function expectTone(got: ToneAnalysis, hz: number): void {
  const info = JSON.stringify(got);
  expect(got.duration, info).toBeGreaterThan(1);
  expect(Math.abs(got.dominantHz - hz), info).toBeLessThanOrEqual(10);
  expect(got.snrDb ?? 0, info).toBeGreaterThan(20);
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
  let l: LinphonePhone | undefined;
  let z: BaresipPhone | undefined;

  const logs = (): string =>
    [`--- server ---\n${server?.outputTail(Number(process.env.PHONES_LOG_LINES ?? 60)) ?? ''}`, `--- X ---\n${x?.logTail(40) ?? ''}`, `--- Y ---\n${y?.logTail(40) ?? ''}`, `--- L ---\n${l?.logTail(40) ?? ''}`, `--- Z ---\n${z?.logTail(40) ?? ''}`].join('\n');

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
    const [started, t440, t1000, t700] = await Promise.all([
      startServerInNetns({ netns: ns, config, readyTimeoutMs: 45_000, env: { LOG_LEVEL: process.env.PHONES_SERVER_LOG_LEVEL ?? 'info' } }),
      makeTone(join(work, '440.wav'), { frequency: 440, seconds: 60 }),
      makeTone(join(work, '1000.wav'), { frequency: 1000, seconds: 60 }),
      makeTone(join(work, '700.wav'), { frequency: 700, seconds: 60 }),
    ]);
    server = started;
    const outbound = `sip:127.0.0.1:${SERVER_SIP}`;
    const account = (user: string, password: string) => ({ user, domain: DOMAIN, password, regint: 60, outbound, answermode: 'auto' as const });
    [x, y, z, l] = await Promise.all([
      startBaresip({ netns: ns, name: 'x', dir: join(work, 'x'), sipPort: 5070, account: account('sip1', 'secret1'), audioSource: t440, recordDir: join(work, 'rec-x') }),
      startBaresip({ netns: ns, name: 'y', dir: join(work, 'y'), sipPort: 5080, account: account('sip3', 'secret3'), audioSource: t1000, recordDir: join(work, 'rec-y') }),
      startBaresip({ netns: ns, name: 'z', dir: join(work, 'z'), sipPort: 5100, account: account('sip4', 'secret4'), audioSource: t1000 }),
      startLinphone({
        netns: ns,
        name: 'l',
        dir: join(work, 'l'),
        sipPort: 5090,
        register: { proxy: outbound, route: `${outbound};lr`, identity: `sip:sip2@${DOMAIN}`, username: 'sip2', password: 'secret2', realm: DOMAIN, expires: 60 },
        autoAnswer: true,
        audioSource: t700,
      }),
    ]);
    for (const [name, phone] of [
      ['X', x],
      ['Y', y],
      ['Z', z],
    ] as const) {
      await until(`${name}'s REGISTER 200`, () => registered(phone), 10_000, logs);
    }
    await until("L's registration", () => (/REGISTER accepted .*\baor=sip2@/.test(server?.output() ?? '') ? true : undefined), 15_000, logs);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([x?.stop(), y?.stop(), z?.stop(), l?.stop()]);
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
    expect(answer, logs()).toMatchObject({ result: 'ok', ivrcallid: expect.stringMatching(/^rIV-001-[0-9a-f]{27}$/), last_response: expect.stringMatching(/^SIP\/2\.0 200 /) });

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
    // The node matched X's referred INVITE to the REFER: the answer names the new call and dialog,
    // which carries the operation's label and who referred it.
    expect(answer.dialogid, logs()).toBe(found);
    const dialog = await server.api('GET', `${CALLS}/${found}`, 'alice-token');
    expect(dialog.status).toBe(200);
    expect(dialog.body).toMatchObject({ status: 'dialog', acallid: answer.acallid, opts: { bindings: ['crm-42'], 'referred-by': `<sip:100@${DOMAIN}>` } });
    console.info(`[test/phones] POST response_mode 4 answered in ${answerMs} ms: ${JSON.stringify(answer)}; dialog ${JSON.stringify(dialog.body)}`);

    // Ending it through the API hangs up both phones.
    expect(await server.api('DELETE', `${CALLS}/${found}`, 'alice-token')).toMatchObject({ status: 200, body: { dialogid: found } });
    await Promise.all([x.waitFor('CALL_CLOSED', 10_000), y.waitFor('CALL_CLOSED', 10_000)]);
  }, 60_000);

  it('INVITE click-to-call (RFC 3725): the server calls X, then Y offering X\'s session, and joins them; the tones cross', async () => {
    if (!x || !y || !server) throw new Error('not started');
    // Mode 5: the answer once the operation is over, so it names the joined dialog (at mode 4, "Y
    // answered", the join has not happened yet).
    const r = await server.api('INVITE', CALLS, 'alice-token', { from: '11', to: '13', response_mode: 5, binding: 'crm-43' });
    expect(r.status, `${JSON.stringify(r.body)}\n${logs()}`).toBe(200);
    const answer = r.body as { result: string; ivrcallid: string; acallid?: string; last_response?: string; dialogid?: string };
    // baresip answers "200 Answering".
    expect(answer, logs()).toMatchObject({ result: 'ok', last_response: expect.stringMatching(/^SIP\/2\.0 200 /), dialogid: expect.stringMatching(/^rDlg-001-[A-Za-z0-9]{6}$/) });
    const [estX, estY] = await Promise.all([x.waitFor('CALL_ESTABLISHED', 10_000), y.waitFor('CALL_ESTABLISHED', 10_000)]);
    expect(estX.direction).toBe('incoming');
    expect(estY.direction).toBe('incoming');
    expect(estY.peeruri).toBe(`sip:11@${DOMAIN}`);

    const dialog = await server.api('GET', `${CALLS}/${answer.dialogid}`, 'bob-token-1');
    expect(dialog.status, JSON.stringify(dialog.body)).toBe(200);
    expect(dialog.body).toMatchObject({ status: 'dialog', acallid: answer.acallid, opts: { bindings: ['crm-43'] } });

    await sleep(3_000);
    expect(await server.api('DELETE', `${CALLS}/${answer.dialogid}`, 'alice-token')).toMatchObject({ status: 200 });
    await Promise.all([x.waitFor('CALL_CLOSED', 10_000), y.waitFor('CALL_CLOSED', 10_000)]);
    // Each phone heard the other: X's 440 Hz at Y, Y's 1000 Hz at X (the newest recording of each).
    const recX = x.recordings().filter((f) => f.direction === 'dec').at(-1);
    const recY = y.recordings().filter((f) => f.direction === 'dec').at(-1);
    expectTone(analyseWavFile(recY?.path ?? '', { expectedHz: 440 }), 440);
    expectTone(analyseWavFile(recX?.path ?? '', { expectedHz: 1000 }), 1000);
  }, 60_000);

  it('REFER (blind transfer): L is taken over with Replaces, X is released, L is REFERred to 14 and Z answers', async () => {
    if (!x || !l || !z || !server) throw new Error('not started');
    expect((await x.dial(`sip:12@${DOMAIN}`)).ok, logs()).toBe(true);
    await Promise.all([x.waitFor('CALL_ESTABLISHED', 10_000), l.waitFor('CALL_ESTABLISHED', 10_000)]);
    const dialogid = await until(
      'the X→L dialog',
      async () => {
        const found = await server?.api('LOOKUP', CALLS, 'alice-token', { phonenumber: '12' });
        return Array.isArray(found?.body) && found.body.length === 1 ? String(found.body[0]) : undefined;
      },
      5_000,
      logs,
    );
    const r = await server.api('REFER', `${CALLS}/${dialogid}`, 'alice-token', { by: 'a', referto: '14', response_mode: 4, binding: 'moved' }).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${logs()}`);
    });
    expect(r.status, `${JSON.stringify(r.body)}\n${logs()}`).toBe(200);
    const answer = r.body as { dialogid: string; result: string; new_last_response?: string; new_dialogid?: string };
    expect(answer, `${JSON.stringify(answer)}\n${logs()}`).toMatchObject({ dialogid, result: 'ok', new_last_response: expect.stringMatching(/^SIP\/2\.0 200 /) });
    // X was released when L swapped its call for the service call; Z got L's call.
    await x.waitFor('CALL_CLOSED', 10_000);
    const estZ = await z.waitFor('CALL_ESTABLISHED', 10_000);
    expect(estZ.peeruri).toBe(`sip:12@${DOMAIN}`);
    const moved = await until(
      'the L→Z dialog',
      async () => {
        const found = await server?.api('LOOKUP', CALLS, 'bob-token-1', { phonenumber: '14' });
        return Array.isArray(found?.body) && found.body.length === 1 ? String(found.body[0]) : undefined;
      },
      5_000,
      logs,
    );
    expect(answer.new_dialogid, logs()).toBe(moved);
    const got = await server.api('GET', `${CALLS}/${moved}`, 'bob-token-1');
    // Referred-By is X, the party that transferred; the label of the request joins the old dialog's.
    expect(got.body, JSON.stringify(got.body)).toMatchObject({ status: 'dialog', opts: { 'referred-by': expect.stringMatching(/^<sip:(sip1|11)@/), bindings: expect.arrayContaining(['moved']) } });
    expect(await server.api('GET', `${CALLS}/${dialogid}`, 'alice-token')).toMatchObject({ status: 404 });
    expect(await server.api('DELETE', `${CALLS}/${moved}`, 'bob-token-1')).toMatchObject({ status: 200 });
    await z.waitFor('CALL_CLOSED', 10_000);
  }, 60_000);
});
