// A real call through the running server (SIPp phones on loopback), seen and ended through the API:
// the owner finds it, reads it and hangs it up (both phones get BYE); another user never sees it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from './helpers/api-request.ts';
import { freePort, startServerProcess, testConfig, type ServerProcess } from './helpers/server-process.ts';
import { explain, hasSipp, killAllSipp, runSipp, scenario, sip1Dialling, startSipp, type SippResult } from './sip/helpers/sipp.ts';

const calls = '/rest/v1/user/sip/calls';

const api = apiRequest;

/** Follows the user's SSE event stream, collecting event types with their dialog ids. */
function followEvents(server: ServerProcess, token: string): { seen: Array<{ type: string; dialogid: string }>; stop: () => void } {
  const seen: Array<{ type: string; dialogid: string }> = [];
  const abort = new AbortController();
  void (async () => {
    const res = await fetch(`${server.baseUrl}/rest/v1/user/sip/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data) {
          const e = JSON.parse(data) as { type: string; dialogid: string };
          seen.push({ type: e.type, dialogid: e.dialogid });
        }
      }
    }
  })().catch(() => {});
  return { seen, stop: () => abort.abort() };
}

/** sip1 (a SIPp caller answering the 407) calls 12 through the server. */
async function sip1Calls12(server: ServerProcess, file: string): Promise<SippResult> {
  return runSipp(sip1Dialling('12', { scenario: scenario(file), remotePort: server.sipPort, localPort: await freePort(), timeoutS: 20 }));
}

async function until<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!hasSipp)('a real call through the server, through the API', () => {
  let server: ServerProcess;
  let uasPort: number;

  beforeAll(async () => {
    uasPort = await freePort();
    const config = await testConfig((c) => {
      // sip2 (number 12, alice's) is a fixed device: a SIPp UAS.
      c.domains[0].users[0].sipusers[1].contact = `sip:127.0.0.1:${uasPort}`;
    });
    server = await startServerProcess({ config });
  });
  afterAll(async () => {
    killAllSipp();
    await server?.stop();
  });

  it('the owner finds, reads and ends the call; both phones get BYE; another user sees nothing', async () => {
    const aliceEvents = followEvents(server, 'alice-token');
    const bobEvents = followEvents(server, 'bob-token-1');
    await new Promise((r) => setTimeout(r, 300));
    const uas = startSipp({ scenario: scenario('uas-answer.xml'), localPort: uasPort, timeoutS: 20, pauseMs: 100 });
    const uac = sip1Calls12(server, 'uac-wait-bye.xml');

    const dialogid = await until(async () => {
      const r = await api(server, 'LOOKUP', calls, 'alice-token', { phonenumber: '11' });
      const ids = r.body as string[];
      return ids.length === 1 ? ids[0] : undefined;
    });
    expect(dialogid).toMatch(/^rDlg-001-[A-Za-z0-9]{6}$/);

    const dialog = await until(async () => {
      const r = await api(server, 'GET', `${calls}/${dialogid}`, 'alice-token');
      return (r.body as { status?: string }).status === 'dialog' ? (r.body as Record<string, unknown>) : undefined;
    });
    expect(dialog).toMatchObject({ dialogid, site: 'SITE1', localuri: '<sip:12@test.rootdomain.ru>', remoteuri: '<sip:sip1@test.rootdomain.ru>' });
    expect((dialog.callids as string[])[0]).toMatch(new RegExp(`^rB2-001-${dialogid!.slice(-6)}-01-`));

    // LOOKUP finds it by every key of the spec, and the list shows it.
    const d = dialog as { inviteid: string; acallid: string; callids: string[]; localuri: string };
    const keys: Array<[string, Record<string, unknown>]> = [
      ['dialogid', { dialogid }],
      ['inviteid', { inviteid: d.inviteid }],
      ['callid (a leg)', { callid: d.acallid }],
      ['callid (b leg)', { callid: d.callids[0] }],
      ['uri with <>', { uri: d.localuri }],
      ['uri without <>', { uri: d.localuri.slice(1, -1) }],
      ['user (number)', { user: '12', user_mode: 'number' }],
      ['user (login)', { user: 'sip1', user_mode: 'login' }],
      ['sipuserid', { sipuserid: 2 }],
      ['login', { login: 'sip1' }],
      ['phonenumber', { phonenumber: '12' }],
    ];
    for (const [name, body] of keys) {
      expect(await api(server, 'LOOKUP', calls, 'alice-token', body), name).toEqual({ status: 200, body: [dialogid] });
    }
    const list = await fetch(`${server.baseUrl}${calls}?mask=dialogid,status`, { headers: { authorization: 'Bearer alice-token' } });
    expect(await list.json()).toEqual([{ dialogid, status: 'dialog' }]);

    // bob is no participant: the call does not exist for him.
    expect(await api(server, 'GET', `${calls}/${dialogid}`, 'bob-token-1')).toMatchObject({ status: 404, body: { error_code: 1413 } });
    expect(await api(server, 'DELETE', `${calls}/${dialogid}`, 'bob-token-1')).toMatchObject({ status: 404, body: { error_code: 1413 } });
    expect(await api(server, 'LOOKUP', calls, 'bob-token-1', { dialogid })).toMatchObject({ status: 200, body: [] });

    expect(await api(server, 'DELETE', `${calls}/${dialogid}`, 'alice-token')).toEqual({ status: 200, body: { dialogid } });
    const [a, b] = await Promise.all([uac, uas.done]);
    expect(a.code, explain(a)).toBe(0);
    expect(b.code, explain(b)).toBe(0);
    expect(await until(async () => {
      const r = await api(server, 'LOOKUP', calls, 'alice-token', { dialogid });
      return (r.body as string[]).length === 0 ? true : undefined;
    })).toBe(true);

    // The owner's event stream told the whole call; bob's stream said nothing of it.
    await until(async () => (aliceEvents.seen.some((e) => e.type === 'end') ? true : undefined));
    expect(aliceEvents.seen.map((e) => e.type)).toEqual(expect.arrayContaining(['start', 'answer', 'end']));
    expect(new Set(aliceEvents.seen.map((e) => e.dialogid))).toEqual(new Set([dialogid]));
    expect(bobEvents.seen).toEqual([]);
    aliceEvents.stop();
    bobEvents.stop();
  });

  it('DELETE of a ringing call: the callee gets CANCEL, the caller 487', async () => {
    const uas = startSipp({ scenario: scenario('uas-ring.xml'), localPort: uasPort, timeoutS: 20 });
    const uac = sip1Calls12(server, 'uac-ringing-ended.xml');
    const dialogid = await until(async () => {
      const r = await api(server, 'LOOKUP', calls, 'alice-token', { phonenumber: '11' });
      const ids = r.body as string[];
      if (ids.length !== 1) return undefined;
      const one = await api(server, 'GET', `${calls}/${ids[0]}`, 'alice-token');
      const legs = (one.body as { status?: string; legs?: Array<{ side: string; expirets: unknown }> });
      // Ringing: forking, with a b leg counting down.
      return legs.status === 'forking' && legs.legs?.some((l) => l.side === 'b' && typeof l.expirets === 'number') ? ids[0] : undefined;
    });
    expect(await api(server, 'DELETE', `${calls}/${dialogid}`, 'alice-token')).toEqual({ status: 200, body: { dialogid } });
    const [a, b] = await Promise.all([uac, uas.done]);
    expect(a.code, explain(a)).toBe(0);
    expect(b.code, explain(b)).toBe(0);
  });
});
