// Framing of SIP over TCP/TLS (RFC 3261 §7.5, §18.3): messages follow each other on the stream,
// each body framed by its Content-Length, which is mandatory here. CRLFs between messages are
// skipped; a double CRLF is the keep-alive ping of RFC 5626 §3.5.1, reported so the transport can
// answer with a single CRLF pong. At most `maxMessageBytes` are ever held, whatever the peer sends.
import { SipParseError } from './errors.ts';
import { STREAM_LIMITS, type SipLimits } from './limits.ts';
import type { SipMessage } from './message.ts';
import {
  bodyTooLarge,
  framingLength,
  messageTooLarge,
  newHeadScan,
  parseHead,
  partialOf,
  scanHead,
  toParseError,
  type HeadScan,
} from './parser.ts';

export type StreamEvent =
  | { readonly type: 'message'; readonly message: SipMessage }
  /** A double-CRLF ping: answer with one CRLF. */
  | { readonly type: 'keepalive' }
  /**
   * A message that could not be parsed. When `fatal` the framing is lost: answer if
   * `error.canAnswer`, then close the connection; the parser takes no more input.
   * Otherwise the bad message was skipped whole and parsing goes on.
   */
  | { readonly type: 'error'; readonly error: SipParseError; readonly fatal: boolean };

const CR = 0x0d;
const LF = 0x0a;
const INITIAL_CAPACITY = 16 * 1024;

type State =
  | { readonly kind: 'between' }
  | { readonly kind: 'head'; readonly scan: HeadScan }
  | {
      readonly kind: 'body';
      readonly bodyStart: number;
      readonly length: number;
      readonly message: SipMessage | undefined;
      readonly error: SipParseError | undefined;
    }
  | { readonly kind: 'failed' };

export class SipStreamParser {
  readonly limits: SipLimits;
  #buf: Buffer;
  /** Unconsumed bytes are #buf[#start, #end). */
  #start = 0;
  #end = 0;
  #state: State = { kind: 'between' };
  /** LFs seen between messages since the last other byte: two make a keep-alive ping. */
  #lineEnds = 0;

  constructor(limits: SipLimits = STREAM_LIMITS) {
    this.limits = limits;
    this.#buf = Buffer.allocUnsafe(Math.min(INITIAL_CAPACITY, limits.maxMessageBytes));
  }

  /** Bytes held for a message not yet complete. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** True once a fatal error was reported; the connection should be closed. */
  get failed(): boolean {
    return this.#state.kind === 'failed';
  }

  /** Feeds bytes from the stream; returns the events they complete, in order. */
  push(chunk: Buffer): StreamEvent[] {
    const events: StreamEvent[] = [];
    let off = 0;
    while (off < chunk.length && this.#state.kind !== 'failed') {
      // Never take in more than the limit allows: parse what fits, which frees room, then go on.
      const room = this.limits.maxMessageBytes - (this.#end - this.#start);
      const n = Math.min(room, chunk.length - off);
      this.#append(chunk, off, n);
      off += n;
      this.#drain(events);
      // #drain may have failed the stream: read the state afresh.
      const st = this.#state as State;
      if (st.kind !== 'failed' && this.#end - this.#start >= this.limits.maxMessageBytes) {
        const err = messageTooLarge();
        if (st.kind === 'head') err.withPartial(partialOf(this.#buf, this.#start, st.scan.lineStart));
        this.#fail(events, err);
      }
    }
    return events;
  }

  #append(chunk: Buffer, off: number, n: number): void {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end + n > this.#buf.length) {
      const live = this.#end - this.#start;
      if (live + n <= this.#buf.length && this.#start > 0) {
        this.#buf.copy(this.#buf, 0, this.#start, this.#end);
      } else {
        let cap = this.#buf.length;
        while (cap < live + n) cap *= 2;
        const next = Buffer.allocUnsafe(Math.min(cap, this.limits.maxMessageBytes));
        this.#buf.copy(next, 0, this.#start, this.#end);
        this.#buf = next;
      }
      this.#rebase(this.#start);
      this.#end = live;
      this.#start = 0;
    }
    chunk.copy(this.#buf, this.#end, off, off + n);
    this.#end += n;
  }

  /** Shifts the indexes kept in the state after the buffer moved `by` bytes to the left. */
  #rebase(by: number): void {
    if (by === 0) return;
    const s = this.#state;
    if (s.kind === 'head') {
      s.scan.lineStart -= by;
      s.scan.pos -= by;
      s.scan.fieldStart -= by;
    } else if (s.kind === 'body') {
      this.#state = { ...s, bodyStart: s.bodyStart - by };
    }
  }

  #fail(events: StreamEvent[], error: SipParseError): void {
    this.#state = { kind: 'failed' };
    this.#start = this.#end = 0;
    events.push({ type: 'error', error, fatal: true });
  }

  #drain(events: StreamEvent[]): void {
    for (;;) {
      const s = this.#state;
      if (s.kind === 'failed') return;
      if (s.kind === 'between') {
        // §7.5: CRLFs before a start line are ignored; RFC 5626 §3.5.1: CRLFCRLF is a ping.
        while (this.#start < this.#end) {
          const b = this.#buf[this.#start]!;
          if (b === LF) {
            if (++this.#lineEnds === 2) {
              this.#lineEnds = 0;
              events.push({ type: 'keepalive' });
            }
          } else if (b !== CR) break;
          this.#start++;
        }
        if (this.#start === this.#end) return;
        this.#lineEnds = 0;
        this.#state = { kind: 'head', scan: newHeadScan(this.#start) };
        continue;
      }
      if (s.kind === 'head') {
        const view = this.#buf.subarray(0, this.#end);
        let bounds;
        try {
          bounds = scanHead(view, this.#end, this.limits, s.scan);
        } catch (e) {
          // A limit broke: answer from the complete lines, then give up on the stream.
          const err = toParseError(e).withPartial(partialOf(view, this.#start, s.scan.lineStart));
          this.#fail(events, err);
          return;
        }
        if (!bounds) return;
        let message: SipMessage | undefined;
        let error: SipParseError | undefined;
        let length: number | undefined;
        try {
          message = parseHead(view, this.#start, bounds.headEnd);
          length = message.contentLength;
        } catch (e) {
          error = toParseError(e);
          length = error.partial ? framingLength(error.partial.headers) : undefined;
        }
        if (length === undefined) {
          // §18.3: on a stream, Content-Length is what frames the body; without it nothing after
          // this message can be found.
          const err =
            error ??
            new SipParseError('SIP_MISSING_CONTENT_LENGTH', 400, 'Bad Request - Missing Content-Length').withPartial(
              partialOf(view, this.#start, bounds.headEnd),
            );
          this.#fail(events, err);
          return;
        }
        if (length > this.limits.maxBodyBytes) {
          this.#fail(events, bodyTooLarge().withPartial(partialOf(view, this.#start, bounds.headEnd)));
          return;
        }
        if (bounds.bodyStart - this.#start + length > this.limits.maxMessageBytes) {
          this.#fail(events, messageTooLarge().withPartial(partialOf(view, this.#start, bounds.headEnd)));
          return;
        }
        this.#state = { kind: 'body', bodyStart: bounds.bodyStart, length, message, error };
        continue;
      }
      // Body: wait for all of it, then hand out a copy (the buffer is reused).
      if (this.#end - s.bodyStart < s.length) return;
      const body = Buffer.from(this.#buf.subarray(s.bodyStart, s.bodyStart + s.length));
      this.#start = s.bodyStart + s.length;
      this.#state = { kind: 'between' };
      if (s.message) {
        s.message.body = body;
        events.push({ type: 'message', message: s.message });
      } else if (s.error) {
        events.push({ type: 'error', error: s.error, fatal: false });
      }
    }
  }
}
