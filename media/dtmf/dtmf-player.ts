// Plays DTMF digits as RFC 4733 events into one RTP stream, paced by the injected clock. One player
// per device stream: its SSRC, sequence numbers and RTP clock run on across calls, and digits asked
// for while others play wait their turn (the spec's "each leg has one queue").
//
// Per digit (RFC 4733 §2.5.1): a packet every `intervalMs` from the tone's start, the first with the
// marker bit, each carrying the same timestamp (the event's start) and the duration so far; the last
// one has the E bit and is sent three times in all, at the same interval, with that final duration.
// Then `gapMs` of nothing before the next digit, which starts a new event (new timestamp).
import { randomInt } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import { TELEPHONE_EVENT_RATE, dtmfEvent, telephoneEventPacket } from './telephone-event.ts';

export interface DtmfPlayerOptions {
  readonly clock: Clock;
  /** The telephone-event payload type the device agreed (its SDP's rtpmap). */
  readonly payloadType: number;
  /** Sends one packet towards the device; false when it cannot (no destination, session closed). */
  readonly send: (packet: Buffer) => boolean;
  /** Tone length per digit. Default 160 ms, as our SIP INFO's Duration. */
  readonly toneMs?: number;
  /** Between updates of one event. Default 20 ms: one per usual audio frame. */
  readonly intervalMs?: number;
  /** Silence between two digits. Default 100 ms (ITU-T Q.24 asks for at least 40). */
  readonly gapMs?: number;
  /** 0–63, read as −dBm0. Default 10. */
  readonly volume?: number;
  /** Random by default (RFC 3550 §5.1: SSRC, first sequence number and timestamp are random). */
  readonly ssrc?: number;
  readonly firstSequence?: number;
  readonly firstTimestamp?: number;
}

/** The final packet is sent this many times in all (RFC 4733 §2.5.1.4). */
const FINAL_SENDS = 3;

export class DtmfError extends Error {
  override readonly name = 'DtmfError';
}

export class DtmfPlayer {
  readonly ssrc: number;
  #pt = 0;
  readonly #o: DtmfPlayerOptions;
  readonly #toneMs: number;
  readonly #intervalMs: number;
  readonly #gapMs: number;
  readonly #volume: number;
  #sequence: number;
  readonly #firstTimestamp: number;
  /** Clock time of RTP time `#firstTimestamp`: the stream's timeline follows the clock. */
  #origin: number | undefined;
  /** The next event may not start before this RTP time: events never overlap. */
  #nextFree = 0;
  #queue: Promise<void> = Promise.resolve();
  #packets = 0;

  constructor(o: DtmfPlayerOptions) {
    this.#o = o;
    this.#toneMs = o.toneMs ?? 160;
    this.#intervalMs = o.intervalMs ?? 20;
    this.#gapMs = o.gapMs ?? 100;
    this.#volume = o.volume ?? 10;
    if (!(this.#intervalMs > 0) || !(this.#toneMs >= this.#intervalMs) || !(this.#gapMs >= 0)) throw new RangeError('DTMF timing out of range');
    // The duration field is 16 bits (§2.5.1.3 would split longer events into segments).
    if (this.#toneMs * (TELEPHONE_EVENT_RATE / 1000) > 0xffff) throw new RangeError('DTMF tone too long for one event');
    this.payloadType = o.payloadType;
    this.ssrc = o.ssrc ?? randomInt(0, 2 ** 32);
    this.#sequence = o.firstSequence ?? randomInt(0, 2 ** 16);
    this.#firstTimestamp = o.firstTimestamp ?? randomInt(0, 2 ** 32);
  }

  /** Packets sent so far. */
  get packets(): number {
    return this.#packets;
  }

  /**
   * Plays `digits` after whatever is queued; resolves once the last packet is sent. Rejects with a
   * DtmfError for a digit that is not `0-9 * # A-D` (before anything is sent) or when a packet
   * cannot be sent (the rest is dropped).
   */
  play(digits: string): Promise<void> {
    const events: number[] = [];
    for (const d of digits) {
      const e = dtmfEvent(d);
      if (e === undefined) return Promise.reject(new DtmfError(`${JSON.stringify(d)} is not a DTMF digit`));
      events.push(e);
    }
    const run = this.#queue.then(async () => {
      for (const e of events) await this.#event(e);
    });
    // A failed run does not stop the next one: each request gets its own outcome.
    this.#queue = run.catch(() => {});
    return run;
  }

  async #event(event: number): Promise<void> {
    const clock = this.#o.clock;
    const perMs = TELEPHONE_EVENT_RATE / 1000;
    const startedAt = clock.now();
    this.#origin ??= startedAt;
    const start = Math.max(Math.round((clock.now() - this.#origin) * perMs), this.#nextFree);
    const timestamp = (this.#firstTimestamp + start) >>> 0;
    const total = Math.round(this.#toneMs * perMs);
    const step = Math.round(this.#intervalMs * perMs);
    let duration = 0;
    let first = true;
    // Updates while the tone lasts: the duration grows by one interval each time, up to the total.
    while (duration < total) {
      if (!first) await this.#sleep(this.#intervalMs);
      duration = Math.min(duration + step, total);
      this.#send(event, timestamp, duration, first, duration === total);
      first = false;
    }
    for (let i = 1; i < FINAL_SENDS; i++) {
      await this.#sleep(this.#intervalMs);
      this.#send(event, timestamp, total, false, true);
    }
    this.#nextFree = start + total + Math.round(this.#gapMs * perMs);
    // The next digit starts a tone and a gap after this one did (the retransmissions fall in the gap).
    const rest = this.#toneMs + this.#gapMs - (clock.now() - startedAt);
    if (rest > 0) await this.#sleep(rest);
  }

  #send(event: number, timestamp: number, duration: number, marker: boolean, end: boolean): void {
    const packet = telephoneEventPacket({
      payloadType: this.#pt,
      marker,
      sequence: this.#sequence,
      timestamp,
      ssrc: this.ssrc,
      event,
      end,
      volume: this.#volume,
      duration,
    });
    if (!this.#o.send(packet)) throw new DtmfError('no media destination for the digits');
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#packets++;
  }

  get payloadType(): number {
    return this.#pt;
  }

  /** The device's telephone-event payload type may change with a new description. */
  set payloadType(pt: number) {
    if (!Number.isInteger(pt) || pt < 0 || pt > 127) throw new RangeError(`bad payload type ${pt}`);
    this.#pt = pt;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#o.clock.setTimeout(resolve, ms));
  }
}
