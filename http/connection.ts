// One client connection: feeds the parser, hands complete requests to the handler (several may run
// at once when the client pipelines), and writes the answers strictly in request order (RFC 9112
// §9.3.2). Timers come from the injected Clock: headers and body deadlines (slowloris), the
// keep-alive idle deadline, and the lingering close after our last response.
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../lib/clock.ts';
import type { Logger } from '../lib/log.ts';
import { isToken } from './chars.ts';
import { HttpParseError } from './http-parse-error.ts';
import { abortRequest, createLazyRequest, NativeRequest, type LazyRequestInit } from './lazy-request.ts';
import { NativeResponse } from './light-response.ts';
import type { HttpLimits } from './limits.ts';
import { RequestParser, type RequestHead } from './request-parser.ts';
import { buildRequestUrl } from './request-url.ts';
import { writeJsonError, writeResponse, type WriteOptions } from './response-writer.ts';
import type { FetchHandler, FrontEndEnv, UpgradeHandler } from './types.ts';

/** After our final response, how long a client may keep sending before the socket is destroyed. */
const LINGER_MS = 2000;

const EMPTY_BODY = Buffer.alloc(0);
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

export interface ConnectionOptions {
  fetch: FetchHandler;
  limits: HttpLimits;
  clock: Clock;
  logger: Logger;
  /** The current upgrade handler, if any (it may be set after the server started). */
  upgradeHandler: () => UpgradeHandler | undefined;
  /** Current value for the Date field. */
  date: () => string;
  /** Hand handlers LazyRequests (needs http/globals.ts installed for `new Request(req)`); else native Requests. */
  lazyRequests: boolean;
  /** The socket closed or was handed over: stop tracking this connection. */
  onGone: (conn: HttpConnection) => void;
}

interface Reply {
  status: number;
  errorCode: number;
  message: string;
}

/** One request and its answer, in arrival order. */
class Exchange {
  method: string;
  chunks: Buffer[] = [];
  bodyLength = 0;
  /** The whole request (head and body) has been received. */
  complete = false;
  response: Response | undefined;
  /** An answer decided here (errors, 405), written without the handler. */
  reply: Reply | undefined;
  closeAfter = false;
  continuePending = false;
  upgrade = false;
  /** WHATWG Request cannot carry a body on GET or HEAD; the handler finds it in env.rawBody. */
  bodyAllowed = true;
  url = '';
  request: Request | undefined;

  constructor(readonly head: RequestHead | undefined) {
    this.method = head?.method ?? '';
  }

  get ready(): boolean {
    return this.complete && (this.reply !== undefined || this.response !== undefined);
  }
}

/** The API's error codes (spec "Transport"): 1000 + status, except that 1413 already means "dialog not found". */
function apiErrorCode(status: number): number {
  return status === 413 ? 1400 : 1000 + status;
}

type TimerKind = 'idle' | 'headers' | 'body' | 'linger';

export class HttpConnection {
  readonly #socket: Socket;
  readonly #o: ConnectionOptions;
  readonly #parser: RequestParser;
  readonly #queue: Exchange[] = [];
  readonly #remoteAddress: string;
  readonly #remotePort: number;
  /** The exchange whose head or body is being received. */
  #current: Exchange | undefined;
  /** parse: read requests; hold: keep bytes for an upgrade; discard: closing, drop input. */
  #input: 'parse' | 'hold' | 'discard' = 'parse';
  #paused = false;
  #writing = false;
  #ended = false;
  #closed = false;
  #detached = false;
  #peerEnded = false;
  #timer: TimerHandle | undefined;
  /** When the armed clock timer fires. */
  #timerAt = 0;
  #deadline = 0;
  #deadlineKind: TimerKind | undefined;
  /** The message the deadline belongs to (count of heads received when it was set). */
  #deadlineMsg = -1;
  #heads = 0;
  #endWhenWritten = false;
  /** env.connection of this connection's requests. */
  readonly #identity: object = Object.freeze({});
  /** Abort controllers of native Requests (lazy ones carry their own). */
  readonly #controllers = new WeakMap<Request, AbortController>();

  constructor(socket: Socket, o: ConnectionOptions) {
    this.#socket = socket;
    this.#o = o;
    this.#parser = new RequestParser(o.limits);
    this.#remoteAddress = socket.remoteAddress ?? '';
    this.#remotePort = socket.remotePort ?? 0;
    socket.on('data', this.#onData);
    socket.on('end', this.#onPeerEnd);
    socket.on('error', this.#onSocketError);
    socket.on('close', this.#onClose);
    this.#updateTimer();
  }

  /** Requests received and not yet fully answered. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Server shutdown: answer what was received, then close; an idle connection closes now. */
  shutdown(): void {
    if (this.#closed || this.#detached || this.#ended) return;
    const last = this.#current ?? this.#queue[this.#queue.length - 1];
    if (last) {
      last.closeAfter = true;
      if (!this.#current) this.#input = 'discard';
      // A response already being written keeps its framing; the connection closes after it.
      if (this.#writing && last === this.#queue[0]) this.#endWhenWritten = true;
    } else this.#endSocket();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onData = (chunk: Buffer): void => {
    if (this.#input === 'discard') return;
    this.#parser.feed(chunk);
    if (this.#input === 'parse') this.#pump();
  };

  #onPeerEnd = (): void => {
    this.#peerEnded = true;
    // A response still being written (an event stream) would go on forever to a client that has
    // most likely gone: abort its request so the handler ends the stream. Answers not begun yet are
    // still written (the client may only have shut down its sending side).
    if (this.#writing) this.#abort(this.#queue[0], 'client closed its side of the connection');
    if (this.#input === 'parse') this.#pump();
    else if (this.#input === 'discard' && this.#ended) this.#socket.destroy();
  };

  #onSocketError = (err: Error): void => {
    this.#o.logger.debug('socket error', { err: err.message, remote: this.#remoteAddress });
  };

  #onClose = (): void => {
    this.#closed = true;
    this.#clearTimer();
    for (const ex of this.#queue) this.#abort(ex, 'client closed the connection');
    this.#queue.length = 0;
    this.#current = undefined;
    if (!this.#detached) this.#o.onGone(this);
  };

  #abort(ex: Exchange | undefined, why: string): void {
    if (!ex?.request) return;
    const reason = new Error(why);
    abortRequest(ex.request, reason);
    this.#controllers.get(ex.request)?.abort(reason);
  }

  /** Pulls requests out of the parser while the pipeline has room. */
  #pump(): void {
    const parser = this.#parser;
    const max = this.#o.limits.maxPipelinedRequests;
    while (this.#input === 'parse') {
      if (this.#current === undefined && this.#queue.length >= max) {
        // Too many answers outstanding: stop reading until some are written.
        this.#pauseSocket();
        break;
      }
      const ev = parser.read();
      if (ev === undefined) {
        if (this.#peerEnded) this.#atPeerEnd();
        break;
      }
      switch (ev.type) {
        case 'head':
          this.#onHead(ev.head);
          break;
        case 'body': {
          const ex = this.#current!;
          if (ex.reply === undefined) {
            ex.chunks.push(ev.data);
            ex.bodyLength += ev.data.length;
          }
          break;
        }
        case 'end':
          this.#onMessageEnd();
          break;
        case 'error':
          this.#fail(ev.error);
          break;
      }
    }
    this.#updateTimer();
  }

  #onHead(head: RequestHead): void {
    const ex = new Exchange(head);
    this.#heads++;
    this.#queue.push(ex);
    this.#current = ex;
    if (!head.keepAlive) ex.closeAfter = true;

    let method = head.method;
    if (method === 'POST') {
      const override = headerValue(head, 'x-http-method-override');
      if (override !== undefined) {
        if (isToken(override)) method = override;
        else ex.reply = { status: 400, errorCode: 1400, message: 'X-HTTP-Method-Override is not a method token' };
      }
    }
    ex.method = method;
    // The WHATWG Request constructor refuses these three (Fetch "forbidden method"); this server
    // does not tunnel or echo requests either.
    const upper = method.length <= 7 ? method.toUpperCase() : '';
    ex.bodyAllowed = !(upper === 'GET' || upper === 'HEAD');
    if (upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK') {
      ex.reply = { status: 405, errorCode: 1405, message: `method ${method} not allowed` };
    }
    if (ex.reply === undefined) {
      try {
        ex.url = buildRequestUrl(head, this.#fallbackHost);
      } catch (err) {
        ex.reply = { status: 400, errorCode: 1400, message: (err as Error).message };
      }
    }

    if (head.upgrade && ex.reply === undefined && !head.chunked && head.contentLength === 0) {
      const handler = this.#o.upgradeHandler();
      if (handler) {
        // Whatever follows belongs to the new protocol: keep it, parse nothing more.
        ex.upgrade = true;
        ex.complete = true;
        this.#current = undefined;
        this.#input = 'hold';
        this.#pauseSocket();
        this.#flush();
        return;
      }
    }
    if (head.expectContinue) {
      if (ex.reply !== undefined) {
        // RFC 9110 §10.1.1: the client asked before sending a body we would refuse; answer now.
        // Whether the body follows anyway is unknown, so the connection ends after the answer.
        ex.complete = true;
        ex.closeAfter = true;
        this.#current = undefined;
        this.#input = 'discard';
        this.#resumeSocket();
        this.#flush();
        return;
      }
      ex.continuePending = true;
      this.#sendContinue();
    }
  }

  #onMessageEnd(): void {
    const ex = this.#current!;
    this.#current = undefined;
    ex.complete = true;
    ex.continuePending = false;
    // RFC 9112 §9.6: after a request with "close", no further request on this connection is processed.
    if (ex.closeAfter) this.#input = 'discard';
    if (ex.reply === undefined) this.#dispatch(ex);
    else {
      ex.chunks = [];
      this.#flush();
    }
  }

  /** A parse error or a timeout: answer it after the requests before it, then close. */
  #fail(err: HttpParseError): void {
    this.#input = 'discard';
    let ex = this.#current;
    this.#current = undefined;
    if (ex) ex.chunks = [];
    else {
      ex = new Exchange(undefined);
      this.#queue.push(ex);
    }
    ex.reply = { status: err.status, errorCode: apiErrorCode(err.status), message: err.message };
    ex.complete = true;
    ex.closeAfter = true;
    ex.continuePending = false;
    this.#o.logger.debug('refused request', { code: err.code, status: err.status, remote: this.#remoteAddress });
    // Keep reading (and dropping) so the client is not stuck writing while we answer.
    this.#resumeSocket();
    this.#flush();
  }

  #atPeerEnd(): void {
    const ev = this.#parser.end();
    if (ev?.type === 'error') {
      this.#fail(ev.error);
      return;
    }
    // RFC 9112 §9.6: a half-closed client still gets its answers; then the connection ends.
    this.#input = 'discard';
    const last = this.#queue[this.#queue.length - 1];
    if (last) last.closeAfter = true;
    else this.#endSocket();
  }

  #fallbackHost = (): string => {
    const addr = this.#socket.localAddress ?? 'localhost';
    const host = addr.includes(':') ? `[${addr}]` : addr;
    return this.#socket.localPort ? `${host}:${this.#socket.localPort}` : host;
  };

  #dispatch(ex: Exchange): void {
    const head = ex.head!;
    const chunks = ex.chunks;
    const body = chunks.length === 0 ? EMPTY_BODY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, ex.bodyLength);
    ex.chunks = [];
    const env: FrontEndEnv = { rawBody: body, remoteAddress: this.#remoteAddress, remotePort: this.#remotePort, connection: this.#identity };
    let result: Response | Promise<Response>;
    try {
      const req = this.#request({ method: ex.method, url: ex.url, headers: head.headers, body: ex.bodyAllowed ? body : null });
      ex.request = req;
      result = this.#o.fetch(req, env);
    } catch (err) {
      this.#handlerFailed(ex, err);
      return;
    }
    if (result instanceof NativeResponse) {
      ex.response = result;
      if (this.#queue[0] === ex) this.#flush();
    } else if (result !== null && typeof (result as { then?: unknown }).then === 'function') {
      result.then(
        (res) => this.#settle(ex, res),
        (err: unknown) => this.#handlerFailed(ex, err),
      );
    } else this.#handlerFailed(ex, new TypeError('handler did not return a Response'));
  }

  #request(init: LazyRequestInit): Request {
    if (this.#o.lazyRequests) return createLazyRequest(init);
    const controller = new AbortController();
    const req = new NativeRequest(init.url, { method: init.method, headers: init.headers, body: init.body?.length ? init.body : null, signal: controller.signal });
    this.#controllers.set(req, controller);
    return req;
  }

  #settle(ex: Exchange, res: unknown): void {
    if (this.#closed || this.#detached) return;
    if (!(res instanceof NativeResponse)) {
      this.#handlerFailed(ex, new TypeError('handler did not return a Response'));
      return;
    }
    ex.response = res;
    if (this.#queue[0] === ex) this.#flush();
  }

  #handlerFailed(ex: Exchange, err: unknown): void {
    if (this.#closed || this.#detached) return;
    this.#o.logger.error('handler failed', {
      method: ex.method,
      url: ex.url,
      err: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    ex.reply = { status: 500, errorCode: 1500, message: 'internal error' };
    if (this.#queue[0] === ex) this.#flush();
  }

  /** RFC 9110 §10.1.1: the client waits for 100 before sending the body; only the oldest exchange may get it. */
  #sendContinue(): void {
    const ex = this.#queue[0];
    if (ex && ex.continuePending && !ex.complete && ex.reply === undefined) {
      ex.continuePending = false;
      this.#socket.write(CONTINUE);
    }
  }

  /** Writes every answer that is ready, oldest first. */
  #flush(): void {
    while (!this.#writing && !this.#closed && !this.#socket.destroyed) {
      const ex = this.#queue[0];
      if (!ex) break;
      if (ex.upgrade) {
        this.#handOver(ex);
        return;
      }
      if (!ex.ready) {
        this.#sendContinue();
        break;
      }
      const o: WriteOptions = {
        isHead: ex.method === 'HEAD',
        minor: ex.head?.minor ?? 1,
        close: ex.closeAfter,
        date: this.#o.date(),
      };
      let result: boolean | Promise<boolean>;
      if (ex.reply) {
        writeJsonError(this.#socket, ex.reply.status, ex.reply.errorCode, ex.reply.message, o);
        result = o.close;
      } else {
        try {
          result = writeResponse(this.#socket, ex.response!, o);
        } catch (err) {
          result = this.#writeFailed(ex, err, o);
        }
      }
      if (typeof result === 'boolean') {
        if (this.#written(result)) return;
        continue;
      }
      this.#writing = true;
      result
        .catch((err: unknown) => this.#writeFailed(ex, err, o))
        .then((close) => {
          this.#writing = false;
          if (this.#closed) return;
          if (!this.#written(close || this.#endWhenWritten)) this.#flush();
        })
        .catch((err: unknown) => this.#o.logger.error('response write failed', { err: String(err) }));
      return;
    }
    if (this.#paused && this.#input === 'parse' && this.#queue.length < this.#o.limits.maxPipelinedRequests) {
      this.#resumeSocket();
      this.#pump();
    } else this.#updateTimer();
  }

  /** The response could not be serialised (nothing was written yet): answer 500 instead. */
  #writeFailed(ex: Exchange, err: unknown, o: WriteOptions): boolean {
    this.#o.logger.error('response failed', { method: ex.method, url: ex.url, err: err instanceof Error ? err.message : String(err) });
    if (this.#socket.destroyed) return true;
    writeJsonError(this.#socket, 500, 1500, 'internal error', o);
    return o.close;
  }

  /** The oldest answer is out. Returns true when the connection is closing. */
  #written(close: boolean): boolean {
    this.#queue.shift();
    if (close) {
      this.#endSocket();
      return true;
    }
    return false;
  }

  #handOver(ex: Exchange): void {
    const socket = this.#socket;
    this.#detached = true;
    this.#clearTimer();
    socket.off('data', this.#onData);
    socket.off('end', this.#onPeerEnd);
    socket.off('error', this.#onSocketError);
    socket.off('close', this.#onClose);
    this.#queue.length = 0;
    this.#o.onGone(this);
    const head = this.#parser.takeRemaining();
    const handler = this.#o.upgradeHandler();
    try {
      if (!handler) throw new Error('upgrade handler removed');
      const req = this.#request({ method: ex.method, url: ex.url, headers: ex.head!.headers, body: null });
      handler(req, socket, head);
    } catch (err) {
      this.#o.logger.error('upgrade handler failed', { err: err instanceof Error ? err.message : String(err) });
      socket.destroy();
    }
  }

  #pauseSocket(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  #resumeSocket(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  /** Our side is done: FIN now, and destroy later if the client never closes (lingering close, RFC 9112 §9.6). */
  #endSocket(): void {
    if (this.#ended || this.#closed) return;
    this.#ended = true;
    this.#input = 'discard';
    this.#current = undefined;
    this.#resumeSocket();
    this.#socket.end();
    if (this.#peerEnded) {
      this.#socket.destroy();
      return;
    }
    this.#setDeadline('linger', LINGER_MS);
  }

  #updateTimer(): void {
    if (this.#closed || this.#detached || this.#ended) return;
    let kind: TimerKind | undefined;
    if (this.#input === 'parse' && !this.#paused) {
      const phase = this.#parser.phase;
      if (phase === 'head') kind = 'headers';
      else if (phase === 'body') kind = 'body';
      else if (this.#queue.length === 0 && !this.#writing) kind = 'idle';
    }
    // The headers deadline runs from the first byte of a request, the body one from the end of its
    // head, the idle one from the last answer: each message gets its own, so a deadline left from an
    // earlier request (even one handled within a single read) is replaced.
    if (kind === this.#deadlineKind && (kind === undefined || this.#deadlineMsg === this.#heads)) return;
    if (kind === undefined) {
      this.#deadlineKind = undefined;
      return;
    }
    const l = this.#o.limits;
    this.#setDeadline(kind, kind === 'idle' ? l.keepAliveTimeoutMs : kind === 'headers' ? l.headersTimeoutMs : l.bodyTimeoutMs);
  }

  // One deadline at a time, behind one clock timer that is re-armed only when the deadline moves
  // earlier: requests on a busy keep-alive connection move it several times each, and creating and
  // cancelling a timer for every move showed in the profile.
  #setDeadline(kind: TimerKind, ms: number): void {
    const at = this.#o.clock.now() + ms;
    this.#deadlineKind = kind;
    this.#deadlineMsg = this.#heads;
    this.#deadline = at;
    if (this.#timer === undefined || this.#timerAt > at) this.#arm(at, ms);
  }

  #arm(at: number, ms: number): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#o.clock.setTimeout(this.#onTimer, ms);
  }

  #clearTimer(): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#deadlineKind = undefined;
  }

  #onTimer = (): void => {
    this.#timer = undefined;
    const kind = this.#deadlineKind;
    if (this.#closed || kind === undefined) return;
    const now = this.#o.clock.now();
    if (now < this.#deadline) {
      this.#arm(this.#deadline, this.#deadline - now);
      return;
    }
    this.#deadlineKind = undefined;
    switch (kind) {
      case 'linger':
        this.#socket.destroy();
        return;
      case 'idle':
        // RFC 9112 §9.5: an idle persistent connection may be closed at any time, without a word.
        this.#endSocket();
        return;
      case 'headers':
        this.#fail(new HttpParseError('HTTP_HEADERS_TIMEOUT', 'request headers not received in time'));
        return;
      case 'body':
        this.#fail(new HttpParseError('HTTP_BODY_TIMEOUT', 'request body not received in time'));
        return;
    }
  };
}

function headerValue(head: RequestHead, name: string): string | undefined {
  for (const [n, v] of head.headers) if (n === name) return v;
  return undefined;
}
