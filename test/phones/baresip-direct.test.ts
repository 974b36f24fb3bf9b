// Proves the phone harness: two real baresip phones in a private network namespace, A (440 Hz tone
// as microphone) dials B (auto-answer, 1000 Hz tone) directly; the call is established, each side's
// recording holds the other's tone, and every address in the SDP is a loopback one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baresipUnavailableReason, sdpAddresses, startBaresip, type BaresipPhone } from './baresip.ts';
import { createNetns, isLoopbackV4, netnsUnavailableReason, pidsInNamespace, type Netns } from './netns.ts';
import { analyseWavFile, makeTone } from './tone.ts';

const skipReason = baresipUnavailableReason() ?? (await netnsUnavailableReason());
if (skipReason !== null) console.warn(`[test/phones] baresip direct call skipped: ${skipReason}`);

const A_PORT = 5070;
const B_PORT = 5080;

describe.skipIf(skipReason !== null)(`baresip to baresip, direct, in a private netns${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let work = '';
  let ns: Netns | undefined;
  let a: BaresipPhone | undefined;
  let b: BaresipPhone | undefined;

  const logs = (): string => `--- A log ---\n${a?.logTail(80) ?? ''}\n--- B log ---\n${b?.logTail(80) ?? ''}`;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phones-direct-'));
    ns = await createNetns();
    const [toneA, toneB] = await Promise.all([
      makeTone(join(work, 'a-440.wav'), { frequency: 440, seconds: 30 }),
      makeTone(join(work, 'b-1000.wav'), { frequency: 1000, seconds: 30 }),
    ]);
    [a, b] = await Promise.all([
      startBaresip({ netns: ns, name: 'a', dir: join(work, 'a'), sipPort: A_PORT, account: { user: 'a', domain: '127.0.0.1' }, audioSource: toneA, recordDir: join(work, 'rec-a') }),
      startBaresip({
        netns: ns,
        name: 'b',
        dir: join(work, 'b'),
        sipPort: B_PORT,
        account: { user: 'b', domain: '127.0.0.1', answermode: 'auto' },
        audioSource: toneB,
        recordDir: join(work, 'rec-b'),
      }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await ns?.close();
    // Kept for a look when PHONES_KEEP_FILES is set (failure messages already carry the log tails).
    if (work && !process.env.PHONES_KEEP_FILES) rmSync(work, { recursive: true, force: true });
  }, 20_000);

  it('the namespace shows programs a loopback main address', async () => {
    if (!ns) throw new Error('no netns');
    const { stdout } = await ns.run('ip', ['-4', 'route', 'get', '1.1.1.1']); // a lookup: sends nothing
    const src = /\bsrc (\S+)/.exec(stdout)?.[1] ?? '';
    expect(isLoopbackV4(src), stdout).toBe(true);
    expect(a?.log()).toMatch(/Local network address:\s+IPv4=cv0\|127\.\d+\.\d+\.\d+/);
  });

  it('A dials B: established, tones cross both ways, SDP and RTP on loopback', async () => {
    if (!a || !b || !ns) throw new Error('phones not started');
    const dialed = await a.dial(`sip:b@127.0.0.1:${B_PORT}`);
    expect(dialed.ok, logs()).toBe(true);
    const [estA, estB] = await Promise.all([a.waitFor('CALL_ESTABLISHED', 10_000), b.waitFor('CALL_ESTABLISHED', 10_000)]);
    expect(estA.direction).toBe('outgoing');
    expect(estB.direction).toBe('incoming');
    expect(estB.id).toBe(estA.id);

    await new Promise((r) => setTimeout(r, 3_000));
    expect((await a.hangup()).ok, logs()).toBe(true);
    await Promise.all([a.waitFor('CALL_CLOSED', 10_000), b.waitFor('CALL_CLOSED', 10_000)]);

    // A's offer and B's answer, from the SIP trace: every address in them is loopback.
    const msgsA = a.sipMessages();
    const invite = msgsA.find((m) => m.src === a?.sipAddress && m.startLine.startsWith('INVITE '));
    const ok = msgsA.find((m) => m.dst === a?.sipAddress && m.startLine.startsWith('SIP/2.0 200') && m.body.includes('m=audio'));
    expect(invite, logs()).toBeDefined();
    expect(ok, logs()).toBeDefined();
    for (const sdp of [invite?.body ?? '', ok?.body ?? '']) {
      const addrs = sdpAddresses(sdp);
      expect(addrs.length, sdp).toBeGreaterThanOrEqual(2);
      for (const addr of addrs) expect(isLoopbackV4(addr), `${addr} in\n${sdp}`).toBe(true);
      expect(sdp).toMatch(/^m=audio [1-9]\d* RTP\/AVP 0\b/m);
    }
    // Where RTP actually came from.
    for (const phone of [a, b]) {
      const from = /incoming rtp for 'audio' established, receiving from (\S+):\d+/.exec(phone.log())?.[1] ?? '';
      expect(isLoopbackV4(from), phone.logTail()).toBe(true);
    }
    // Nothing in the namespace ever took the default route: all traffic went through lo.
    expect(await ns.linkStats('cv0')).toEqual({ rxPackets: 0, txPackets: 0 });

    // B received A's 440 Hz; A received B's 1000 Hz.
    const recB = b.recordings().find((r) => r.direction === 'dec');
    const recA = a.recordings().find((r) => r.direction === 'dec');
    expect(recB, logs()).toBeDefined();
    expect(recA, logs()).toBeDefined();
    const atB = analyseWavFile(recB?.path ?? '', { expectedHz: 440 });
    const atA = analyseWavFile(recA?.path ?? '', { expectedHz: 1000 });
    for (const [got, hz] of [
      [atB, 440],
      [atA, 1000],
    ] as const) {
      expect(got.duration, JSON.stringify(got)).toBeGreaterThan(2);
      expect(Math.abs(got.dominantHz - hz), JSON.stringify(got)).toBeLessThanOrEqual(10);
      expect(got.rms, JSON.stringify(got)).toBeGreaterThan(0.1); // the tone is made at 0.5 amplitude (RMS 0.35)
      expect(got.snrDb ?? 0, JSON.stringify(got)).toBeGreaterThan(25);
    }
  }, 40_000);

  it('closing the namespace ends every process in it', async () => {
    if (!ns) throw new Error('no netns');
    const id = ns.id;
    expect(pidsInNamespace(id).length).toBeGreaterThan(0);
    await Promise.all([a?.stop(), b?.stop()]);
    await ns.close();
    expect(pidsInNamespace(id)).toEqual([]);
  }, 20_000);
});
