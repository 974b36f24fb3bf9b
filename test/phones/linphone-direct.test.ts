// Proves the linphone harness: a headless linphonec in a private netns takes a call from baresip
// and places one to baresip, with tones crossing both ways and loopback-only SDP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baresipUnavailableReason, sdpAddresses, startBaresip, type BaresipPhone } from './baresip.ts';
import { linphoneUnavailableReason, startLinphone, type LinphonePhone } from './linphone.ts';
import { createNetns, isLoopbackV4, netnsUnavailableReason, type Netns } from './netns.ts';
import { analyseWavFile, makeTone, type ToneAnalysis } from './tone.ts';

const skipReason = linphoneUnavailableReason() ?? baresipUnavailableReason() ?? (await netnsUnavailableReason());
if (skipReason !== null) console.warn(`[test/phones] linphone direct calls skipped: ${skipReason}`);

const A_PORT = 5070; // baresip A, calls L
const B_PORT = 5080; // baresip B, auto-answer, called by L
const L_PORT = 5090; // linphonec, auto-answer

function expectTone(got: ToneAnalysis, hz: number): void {
  const info = JSON.stringify(got);
  expect(got.duration, info).toBeGreaterThan(1.5);
  expect(Math.abs(got.dominantHz - hz), info).toBeLessThanOrEqual(10);
  expect(got.rms, info).toBeGreaterThan(0.1);
  expect(got.snrDb ?? 0, info).toBeGreaterThan(25);
}

describe.skipIf(skipReason !== null)(`linphonec to and from baresip, direct, in a private netns${skipReason ? ` — skipped: ${skipReason}` : ''}`, () => {
  let work = '';
  let ns: Netns | undefined;
  let a: BaresipPhone | undefined;
  let b: BaresipPhone | undefined;
  let l: LinphonePhone | undefined;
  let lRecording = '';

  const logs = (): string => [a?.logTail(60), b?.logTail(60), l?.logTail(60)].filter(Boolean).join('\n');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'phones-linphone-'));
    lRecording = join(work, 'l-received.wav');
    ns = await createNetns();
    const [t440, t1000, t700] = await Promise.all([
      makeTone(join(work, '440.wav'), { frequency: 440, seconds: 30 }),
      makeTone(join(work, '1000.wav'), { frequency: 1000, seconds: 30 }),
      makeTone(join(work, '700.wav'), { frequency: 700, seconds: 30 }),
    ]);
    [a, b, l] = await Promise.all([
      startBaresip({ netns: ns, name: 'a', dir: join(work, 'a'), sipPort: A_PORT, account: { user: 'a', domain: '127.0.0.1' }, audioSource: t440, recordDir: join(work, 'rec-a') }),
      startBaresip({
        netns: ns,
        name: 'b',
        dir: join(work, 'b'),
        sipPort: B_PORT,
        account: { user: 'b', domain: '127.0.0.1', answermode: 'auto' },
        audioSource: t700,
        recordDir: join(work, 'rec-b'),
      }),
      startLinphone({
        netns: ns,
        name: 'l',
        dir: join(work, 'l'),
        sipPort: L_PORT,
        identity: { user: 'l', domain: '127.0.0.1' },
        autoAnswer: true,
        audioSource: t1000,
        recordFile: lRecording,
      }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop(), l?.stop()]);
    await ns?.close();
    // Kept for a look when PHONES_KEEP_FILES is set (failure messages already carry the log tails).
    if (work && !process.env.PHONES_KEEP_FILES) rmSync(work, { recursive: true, force: true });
  }, 20_000);

  it('baresip A calls linphone L (auto-answer): tones both ways, L supports Replaces, SDP on loopback', async () => {
    if (!a || !l) throw new Error('phones not started');
    expect((await a.dial(`sip:l@127.0.0.1:${L_PORT}`)).ok, logs()).toBe(true);
    await Promise.all([a.waitFor('CALL_ESTABLISHED', 10_000), l.waitFor('CALL_ESTABLISHED', 10_000)]);
    await new Promise((r) => setTimeout(r, 2_500));
    l.hangup();
    await Promise.all([l.waitFor('CALL_CLOSED', 10_000), a.waitFor('CALL_CLOSED', 10_000)]);

    const ok = a.sipMessages().find((m) => m.dst === a?.sipAddress && m.startLine.startsWith('SIP/2.0 200') && m.body.includes('m=audio'));
    expect(ok, logs()).toBeDefined();
    expect(ok?.headers).toMatch(/^Supported:.*\breplaces\b/im);
    const addrs = sdpAddresses(ok?.body ?? '');
    expect(addrs.length, ok?.body).toBeGreaterThanOrEqual(2);
    for (const addr of addrs) expect(isLoopbackV4(addr), ok?.body).toBe(true);

    expectTone(analyseWavFile(lRecording, { expectedHz: 440 }), 440);
    const recA = a.recordings().find((r) => r.direction === 'dec');
    expect(recA, logs()).toBeDefined();
    expectTone(analyseWavFile(recA?.path ?? '', { expectedHz: 1000 }), 1000);
  }, 30_000);

  it('linphone L calls baresip B (auto-answer): tones both ways, SDP offer on loopback', async () => {
    if (!b || !l) throw new Error('phones not started');
    const lRecording2 = join(work, 'l-received-2.wav');
    l.record(lRecording2);
    l.dial(`sip:b@127.0.0.1:${B_PORT}`);
    await Promise.all([l.waitFor('CALL_ESTABLISHED', 10_000), b.waitFor('CALL_ESTABLISHED', 10_000)]);
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await b.hangup()).ok, logs()).toBe(true);
    await Promise.all([l.waitFor('CALL_CLOSED', 10_000), b.waitFor('CALL_CLOSED', 10_000)]);

    const invite = b.sipMessages().find((m) => m.dst === b?.sipAddress && m.startLine.startsWith('INVITE '));
    expect(invite, logs()).toBeDefined();
    expect(invite?.headers).toMatch(/^User-Agent: Linphone/im);
    const addrs = sdpAddresses(invite?.body ?? '');
    expect(addrs.length, invite?.body).toBeGreaterThanOrEqual(2);
    for (const addr of addrs) expect(isLoopbackV4(addr), invite?.body).toBe(true);

    expectTone(analyseWavFile(lRecording2, { expectedHz: 700 }), 700);
    const recB = b.recordings().find((r) => r.direction === 'dec');
    expect(recB, logs()).toBeDefined();
    expectTone(analyseWavFile(recB?.path ?? '', { expectedHz: 1000 }), 1000);
  }, 30_000);

  it('nothing in the namespace used the default route (no DNS, STUN or other off-loopback traffic)', async () => {
    if (!ns) throw new Error('no netns');
    expect(await ns.linkStats('cv0')).toEqual({ rxPackets: 0, txPackets: 0 });
  });
});
