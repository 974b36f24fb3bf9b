// The DTMF player on a manual clock: what RFC 4733 §2.5.1 asks of an event's packets, and how
// digits follow one another.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.ts';
import { DtmfError, DtmfPlayer, type DtmfPlayerOptions } from './dtmf-player.ts';
import { parseTelephoneEvent, type TelephoneEvent } from './telephone-event.ts';

interface Sent {
  at: number;
  e: TelephoneEvent;
}

function player(o: Partial<DtmfPlayerOptions> = {}) {
  const clock = new ManualClock(1_000);
  const sent: Sent[] = [];
  const p = new DtmfPlayer({
    clock,
    payloadType: 101,
    ssrc: 0xabcdef01,
    firstSequence: 65_530,
    firstTimestamp: 2 ** 32 - 400,
    send: (b) => {
      sent.push({ at: clock.now(), e: parseTelephoneEvent(b)! });
      return true;
    },
    ...o,
  });
  return { clock, sent, p };
}

/** Lets the player's awaits run, then moves the clock on, until `done` settles. */
async function drive(clock: ManualClock, done: Promise<unknown>, stepMs = 10): Promise<void> {
  let over = false;
  void done.then(
    () => (over = true),
    () => (over = true),
  );
  for (let i = 0; i < 10_000 && !over; i++) {
    // Every pending continuation runs before time moves on.
    await new Promise((r) => setImmediate(r));
    if (!over) clock.advance(stepMs);
  }
}

describe('DtmfPlayer (RFC 4733 §2.5.1)', () => {
  it('one digit: updates every 20 ms with a growing duration, the first with the marker bit, all with the event start as timestamp', async () => {
    const { clock, sent, p } = player();
    const done = p.play('5');
    await drive(clock, done);
    await done;
    expect(sent.map((s) => s.at - 1_000)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(sent.map((s) => s.e.duration)).toEqual([160, 320, 480, 640, 800, 960, 1120, 1280, 1280, 1280]);
    expect(sent.map((s) => s.e.marker)).toEqual([true, ...Array(9).fill(false)]);
    expect(new Set(sent.map((s) => s.e.timestamp))).toEqual(new Set([2 ** 32 - 400]));
    expect(sent.every((s) => s.e.event === 5 && s.e.payloadType === 101 && s.e.ssrc === 0xabcdef01 && s.e.volume === 10)).toBe(true);
  });

  it('the final packet has the E bit and is sent three times in all, with the same duration', async () => {
    const { clock, sent, p } = player();
    const done = p.play('#');
    await drive(clock, done);
    await done;
    const ends = sent.filter((s) => s.e.end);
    expect(ends).toHaveLength(3);
    expect(ends.map((s) => s.e.duration)).toEqual([1280, 1280, 1280]);
    expect(sent.slice(0, 7).every((s) => !s.e.end)).toBe(true);
    expect(ends.every((s) => s.e.event === 11)).toBe(true);
  });

  it('every packet has the next sequence number, wrapping at 65535 (retransmissions too)', async () => {
    const { clock, sent, p } = player();
    const done = p.play('12');
    await drive(clock, done);
    await done;
    const seqs = sent.map((s) => s.e.sequence);
    expect(seqs.slice(0, 8)).toEqual([65_530, 65_531, 65_532, 65_533, 65_534, 65_535, 0, 1]);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1]! + 1) & 0xffff);
  });

  it('each digit is a new event: a new timestamp a tone and a gap later (wrapping at 2^32), with its own marker', async () => {
    const { clock, sent, p } = player();
    const done = p.play('1*D');
    await drive(clock, done);
    await done;
    expect(sent).toHaveLength(30);
    const starts = sent.filter((s) => s.e.marker);
    expect(starts.map((s) => s.e.event)).toEqual([1, 10, 15]);
    expect(starts.map((s) => s.at - 1_000)).toEqual([0, 260, 520]);
    // 160 ms tone + 100 ms gap = 2080 timestamp units; the first start is 400 below 2^32.
    expect(starts.map((s) => s.e.timestamp)).toEqual([2 ** 32 - 400, 1680, 3760]);
    // No two events overlap: each starts after the previous one's final duration.
    for (let i = 1; i < starts.length; i++) expect(starts[i]!.e.timestamp - starts[i - 1]!.e.timestamp >>> 0).toBeGreaterThanOrEqual(1280);
  });

  it('a second play waits for the first (one queue per stream), and a later one keeps the stream\'s clock', async () => {
    const { clock, sent, p } = player();
    const one = p.play('1');
    const two = p.play('2');
    await drive(clock, Promise.all([one, two]));
    await Promise.all([one, two]);
    expect(sent.filter((s) => s.e.marker).map((s) => [s.e.event, s.at - 1_000])).toEqual([
      [1, 0],
      [2, 260],
    ]);
    clock.advance(5_000);
    const three = p.play('3');
    await drive(clock, three);
    const third = sent.find((s) => s.e.marker && s.e.event === 3)!;
    // RTP time follows the clock: 5 s later is 40,000 units later.
    expect(third.e.timestamp - sent[0]!.e.timestamp >>> 0).toBe(Math.round((third.at - 1_000) * 8));
    expect(p.packets).toBe(30);
  });

  it('a digit that is not 0-9 * # A-D is refused before anything is sent', async () => {
    const { sent, p } = player();
    await expect(p.play('12x')).rejects.toBeInstanceOf(DtmfError);
    await expect(p.play(',')).rejects.toThrow(/not a DTMF digit/);
    expect(sent).toHaveLength(0);
    await expect(p.play('')).resolves.toBeUndefined();
  });

  it('no media destination: the play fails and the rest is dropped; the next play still runs', async () => {
    let ok = false;
    const clock = new ManualClock(0);
    let packets = 0;
    const p = new DtmfPlayer({ clock, payloadType: 96, send: () => (ok ? (packets++, true) : false) });
    const failed = p.play('123');
    await expect(failed).rejects.toThrow(/no media destination/);
    expect(packets).toBe(0);
    ok = true;
    const next = p.play('4');
    await drive(clock, next);
    await next;
    expect(packets).toBe(10);
  });

  it('the payload type is the device\'s and may change', async () => {
    const { clock, sent, p } = player();
    p.payloadType = 96;
    const done = p.play('0');
    await drive(clock, done);
    expect(sent.every((s) => s.e.payloadType === 96)).toBe(true);
    expect(() => (p.payloadType = 128)).toThrow(RangeError);
  });
});
