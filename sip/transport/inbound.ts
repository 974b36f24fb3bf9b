// What every transport does with what it reads (RFC 3261 §18.1.2, §18.2.1, §18.3): validate, answer
// the malformed requests that can be answered, drop the rest with a log line, record the source in
// the top Via of requests, and hand the message up. Nothing here throws into a socket callback.
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/log.ts';
import {
  createResponse,
  generateTag,
  validateRequest,
  validateResponse,
  type SipMessage,
  type SipParseError,
  type SipResponse,
} from '../message/index.ts';
import type { Listeners } from './listeners.ts';
import { LogLimiter } from './log-limiter.ts';
import type { HostPort, Source, TransportEvents } from './types.ts';
import { sentByIsOurs, stampReceived } from './via-handling.ts';

export interface InboundOptions {
  /**
   * RFC 4475 §3.4.1: accept a request without Max-Forwards (an RFC 2543 client) rather than
   * answering 400. Default false.
   */
  allowMissingMaxForwards?: boolean;
  /**
   * §18.1.2: drop a response whose top Via sent-by is not a value this transport puts in requests.
   * Default true.
   */
  checkResponseSentBy?: boolean;
  /** More sent-by values to accept in responses (other names of this host). */
  sentByAliases?: readonly HostPort[];
}

/**
 * The answer to a refused request (§18.3, §21.4.1): the error's status with its full reason phrase,
 * e.g. "400 Bad Request - Malformed CSeq", built from the headers read before the error. Undefined
 * when the error cannot be answered (a response, an ACK, a request without the headers a response
 * copies).
 */
export function errorResponse(error: SipParseError): SipResponse | undefined {
  if (!error.canAnswer || !error.partial) return undefined;
  try {
    return createResponse(error.partial, error.status, error.reason, { toTag: generateTag() });
  } catch {
    return undefined;
  }
}

export class Inbound {
  readonly #events: Listeners<TransportEvents>;
  readonly #logger: Logger;
  readonly #limited: LogLimiter;
  readonly #options: InboundOptions;
  readonly #sentBy: () => HostPort;

  constructor(opts: {
    events: Listeners<TransportEvents>;
    logger: Logger;
    clock: Clock;
    options: InboundOptions;
    sentBy: () => HostPort;
  }) {
    this.#events = opts.events;
    this.#logger = opts.logger;
    this.#limited = new LogLimiter(opts.logger, opts.clock);
    this.#options = opts.options;
    this.#sentBy = opts.sentBy;
  }

  /**
   * A message that parsed. `reply` sends a response to the packet's source (on a stream, on the
   * same connection).
   */
  message(msg: SipMessage, source: Source, reply: (res: SipResponse) => void): void {
    try {
      if (msg.kind === 'request') {
        const err = validateRequest(msg, { allowMissingMaxForwards: this.#options.allowMissingMaxForwards ?? false });
        if (err) {
          this.parseError(err, source, reply);
          return;
        }
        // §18.2.1, RFC 3581 §4: note where the request really came from, for the responses.
        stampReceived(msg, source);
      } else {
        const err = validateResponse(msg);
        if (err) {
          this.parseError(err, source, reply);
          return;
        }
        // §18.1.2: a response whose top Via is not ours was misrouted; it is dropped silently.
        if (this.#options.checkResponseSentBy !== false) {
          const via = msg.topVia!;
          if (!sentByIsOurs(via, [this.#sentBy(), ...(this.#options.sentByAliases ?? [])])) {
            this.#limited.info('response dropped: top Via sent-by is not ours', {
              ...fields(source),
              status: msg.status,
              sentBy: `${via.host}:${via.port ?? ''}`,
            });
            return;
          }
        }
      }
    } catch (e) {
      // validate* return errors rather than throw; anything else is a bug, not the peer's fault.
      this.#logger.error('inbound message handling failed', { ...fields(source), err: e instanceof Error ? e.message : String(e) });
      return;
    }
    this.#events.emit('message', msg, source);
  }

  /**
   * A message refused by the parser or by validation: answered when it can be (§18.3: 400 with the
   * reason; 413, 414, 505, 513 as the error says), otherwise dropped. Returns true when answered.
   */
  parseError(error: SipParseError, source: Source, reply: (res: SipResponse) => void): boolean {
    const res = errorResponse(error);
    let answered = false;
    if (res) {
      try {
        reply(res);
        answered = true;
      } catch (e) {
        this.#logger.error('could not answer a malformed request', { ...fields(source), err: e instanceof Error ? e.message : String(e) });
      }
    }
    this.#limited.warn(answered ? 'malformed request answered' : 'malformed message dropped', {
      ...fields(source),
      code: error.code,
      status: answered ? error.status : undefined,
      reason: error.reason,
      method: error.partial?.method,
    });
    this.#events.emit('parseError', error, source, answered);
    return answered;
  }
}

export function fields(source: Source): Record<string, string | number | undefined> {
  return { transport: source.transport, src: `${source.host}:${source.port}`, conn: source.connectionId };
}
