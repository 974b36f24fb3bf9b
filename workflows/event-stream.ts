// The order in which an operation's SIP events reach its machine. Most come as signals, in the
// order the SIP node's router sent them. placeCall and sendRefer may also return events they waited
// for (SipEventsResult). A signal the router sent after such an activity stopped collecting can
// still land in the history before that activity's result: the node reports the activity's
// completion and sends the signal over two separate calls. From its first collection on, the router
// numbers the workflow's events (`seq`, per router `epoch`). A signal that skips a number while a
// collecting activity is out waits here for the result that fills the gap.
import type { OrderedSipEvent, SipEvent } from './signals.ts';

export class SipEventStream {
  private lastSeq = 0;
  private epoch: string | undefined;
  /** Sending activities out that may still return events. */
  private waiting = 0;
  private readonly held: OrderedSipEvent[] = [];

  /** `take` gets each event once, in order, without its `seq`/`epoch`. */
  constructor(private readonly take: (event: SipEvent) => void) {}

  /** A sending activity that may return events was scheduled. */
  begin(): void {
    this.waiting++;
  }

  /** That activity came back with these events (none when it failed). */
  end(events: readonly OrderedSipEvent[]): void {
    this.waiting = Math.max(0, this.waiting - 1);
    for (const event of events) this.pass(event);
    this.release();
  }

  /** An event that came as a signal. */
  signal(event: OrderedSipEvent): void {
    const sameStream = this.epoch === undefined || event.epoch === this.epoch;
    if (this.waiting > 0 && event.seq !== undefined && sameStream && event.seq > this.lastSeq + 1) {
      this.held.push(event);
      return;
    }
    this.pass(event);
  }

  /** Signals held for a result still out. */
  get holding(): number {
    return this.held.length;
  }

  private pass(event: OrderedSipEvent): void {
    const { seq, epoch, ...plain } = event;
    if (seq !== undefined) {
      this.lastSeq = seq;
      this.epoch = epoch;
    }
    this.take(plain as SipEvent);
  }

  /** Held signals whose turn came; all of them once no activity may return events any more. */
  private release(): void {
    this.held.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    for (let next = this.held[0]; next; next = this.held[0]) {
      if (this.waiting > 0 && next.seq !== this.lastSeq + 1) break;
      this.held.shift();
      this.pass(next);
    }
  }
}
