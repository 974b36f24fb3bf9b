// The order in which an operation's SIP events reach its machine. Most come as signals, in the
// order the SIP node's router sent them. placeCall and sendRefer may also return events they waited
// for (SipEventsResult). From its first collection on, the router numbers the workflow's events
// (`seq`, per router `epoch`), and this class puts them back in that order. Two races:
// - Remote activity: a signal the router sent after the activity stopped collecting can land in
//   the history before its result (the node reports the completion and sends the signal over two
//   separate calls). A signal that skips a number while a collecting activity is out waits for the
//   result that fills the gap.
// - Local activity: a signal the router sent before the activity started is buffered by the server
//   while the workflow task is open, so it lands after the result. A result whose first seq skips a
//   number is held until the signals filling the gap arrive. It never waits for good: a signal
//   numbered past a held result's event proves the gap will not fill (the router sends signals in
//   order), so what is held below that signal goes out first, in seq order. A signal RPC that
//   failed leaves the gap open with no later signal; for that, after `end()` the workflow starts a
//   short durable timer while `holdingResult` is true and calls `flush()` if it is still true when
//   the timer fires (`flush()` passes everything held in seq order; it is harmless when nothing is).
// - Local activity in a retried workflow task (`holdGaps`): the retry delivers the signals that came
//   during the failed task first, before the timer or event that led to the activity, which then
//   runs again and returns its first result (activities/once-guard.ts). A signal numbered past the
//   last event taken is then held even with nothing out: the result that fills its gap comes later
//   in the same task. A gap that never fills (a lost signal) waits for the workflow's `flush()`.
// Another epoch (the node restarted, its numbering starts again) is never compared: what is held
// goes out first, then the new events pass at once.
import type { OrderedSipEvent, SipEvent } from './signals.ts';

interface Held {
  event: OrderedSipEvent;
  /** Its seq; an unnumbered event in a held result sorts right after the one before it. */
  key: number;
  fromResult: boolean;
}

export class SipEventStream {
  private lastSeq = 0;
  private epoch: string | undefined;
  /** Sending activities out that may still return events. */
  private waiting = 0;
  private readonly held: Held[] = [];
  private resultsHeld = 0;

  /**
   * `take` gets each event once, in order, without its `seq`/`epoch`. `holdGaps` (local runs):
   * a signal past a gap is held even when no activity is out (see above).
   */
  constructor(
    private readonly take: (event: SipEvent) => void,
    private readonly options: { holdGaps?: boolean } = {},
  ) {}

  /** A sending activity that may return events was scheduled. */
  begin(): void {
    this.waiting++;
  }

  /** That activity came back with these events (none when it failed). */
  end(events: readonly OrderedSipEvent[]): void {
    this.waiting = Math.max(0, this.waiting - 1);
    const first = events.find((e) => e.seq !== undefined);
    if (first?.seq !== undefined && this.isOtherEpoch(first)) this.flush();
    else if (first?.seq !== undefined && first.seq > this.lastSeq + 1) {
      // Signals sent before the activity started are still to come: hold the result for them.
      this.epoch ??= first.epoch;
      let key = first.seq;
      for (const event of events) {
        key = event.seq ?? key;
        this.held.push({ event, key, fromResult: true });
      }
      this.resultsHeld += events.length;
      this.release();
      return;
    }
    for (const event of events) this.pass(event);
    this.release();
  }

  /** An event that came as a signal. */
  signal(event: OrderedSipEvent): void {
    const { seq } = event;
    if (seq !== undefined && this.isOtherEpoch(event)) this.flush();
    else if (seq !== undefined && seq > this.lastSeq + 1) {
      // A signal numbered past a held result: the signals that were to fill its gap would have
      // come before this one, so whatever is held below it goes out now, in order.
      if (this.held.some((h) => h.fromResult && h.key < seq)) {
        this.held.push({ event, key: seq, fromResult: false });
        this.release(seq - 1);
        return;
      }
      // Otherwise a gap may still be filled by a result out, or by signals a held result waits for;
      // in a local run also by a result still to come in this task.
      if (this.waiting > 0 || this.resultsHeld > 0 || this.options.holdGaps) {
        this.held.push({ event, key: seq, fromResult: false });
        return;
      }
    }
    this.pass(event);
    if (seq !== undefined) this.release();
  }

  /** Pass on everything held, signals and results, in seq order (the workflow's timer ran out). */
  flush(): void {
    this.release(Infinity);
  }

  /** Signals held for a result still out, or for the gap before a held result. */
  get holding(): number {
    return this.held.length - this.resultsHeld;
  }

  /** A result is held for signals that should come before it; the workflow may time it out with `flush()`. */
  get holdingResult(): boolean {
    return this.resultsHeld > 0;
  }

  /** Signals are held for a gap that no activity out can fill yet (holdGaps); `flush()` times them out. */
  get holdingForGap(): boolean {
    return this.options.holdGaps === true && this.waiting === 0 && this.resultsHeld === 0 && this.holding > 0;
  }

  private isOtherEpoch(event: OrderedSipEvent): boolean {
    return this.epoch !== undefined && event.epoch !== this.epoch;
  }

  private pass(event: OrderedSipEvent): void {
    const { seq, epoch, ...plain } = event;
    if (seq !== undefined) {
      this.lastSeq = seq;
      this.epoch = epoch;
    }
    this.take(plain as SipEvent);
  }

  /**
   * Held events whose turn came, and those numbered up to `force`. Held signals all go out once no
   * activity may return events any more and no result is held; with `holdGaps`, only in turn (or
   * by `flush()`): the result that fills the gap may still come in this task.
   */
  private release(force = 0): void {
    this.held.sort((a, b) => a.key - b.key);
    for (let next = this.held[0]; next; next = this.held[0]) {
      const free = !this.options.holdGaps && this.waiting === 0 && this.resultsHeld === 0;
      if (!free && next.key > force && next.key > this.lastSeq + 1) break;
      this.held.shift();
      if (next.fromResult) this.resultsHeld--;
      this.pass(next.event);
    }
  }
}
