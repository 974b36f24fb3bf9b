// Serialises a WHATWG Response onto a socket as HTTP/1.1. Framing is ours: Content-Length when the
// body is known up front (head and body then leave in one write), chunked when it streams
// (Server-Sent Events), close-delimited for HTTP/1.0 clients that cannot read chunked.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ReadableStreamReadResult } from 'node:stream/web';
import { ByteParts } from '../lib/byte-parts.ts';
import { lightParts, NativeResponse } from './light-response.ts';

export interface WriteOptions {
  /** The request was HEAD: the response carries no body (RFC 9110 §9.3.2). */
  isHead: boolean;
  /** The request's minor version: HTTP/1.0 gets no chunked coding. */
  minor: 0 | 1;
  /** The connection closes after this response. */
  close: boolean;
  /** The Date value to add when the handler did not set one. */
  date: string;
}

/** Bodies below this size are copied behind the head into one buffer; larger ones are written as they are. */
const COALESCE_LIMIT = 16 * 1024;

const statusLines = new Map<number, string>();

function statusLine(status: number, statusText: string): string {
  if (statusText !== '') return `HTTP/1.1 ${status} ${statusText}\r\n`;
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

/** Field lines the handler set, except framing and connection management (hop-by-hop, RFC 9110 §7.6.1: ours). */
interface Fields {
  lines: string;
  hasDate: boolean;
  /** The handler's Content-Length, kept for HEAD and 304 only. */
  contentLength: string | undefined;
}

function skipField(name: string, f: Fields, value: string): boolean {
  switch (name) {
    case 'connection':
    case 'keep-alive':
    case 'transfer-encoding':
    case 'upgrade':
      return true;
    case 'content-length':
      f.contentLength = value;
      return true;
    case 'date':
      f.hasDate = true;
  }
  return false;
}

function fieldsOf(headers: Headers | Record<string, string> | undefined, defaultContentType: boolean): Fields {
  const f: Fields = { lines: '', hasDate: false, contentLength: undefined };
  if (headers instanceof Headers) {
    // Iteration yields each Set-Cookie on its own (Fetch "sort and combine"), as cookies need.
    for (const [name, value] of headers) if (!skipField(name, f, value)) f.lines += `${name}: ${value}\r\n`;
  } else if (headers) {
    // A LightResponse's record, validated by its constructor (token names, no CR/LF/NUL).
    for (const key in headers) {
      const name = key.toLowerCase();
      const value = headers[key]!;
      if (!skipField(name, f, value)) f.lines += `${name}: ${value}\r\n`;
    }
  }
  if (defaultContentType) f.lines += 'content-type: text/plain;charset=UTF-8\r\n';
  return f;
}

/** Status line, fields, Date (RFC 9110 §6.6.1: an origin server with a clock MUST send it), framing, Connection. */
function buildHead(status: number, statusText: string, f: Fields, o: WriteOptions, framing: string, close: boolean): string {
  let head = statusLine(status, statusText) + f.lines;
  if (!f.hasDate) head += `date: ${o.date}\r\n`;
  head += framing;
  if (close) head += 'connection: close\r\n';
  else if (o.minor === 0) head += 'connection: keep-alive\r\n';
  return `${head}\r\n`;
}

// For native Responses (Response.json(), overrideGlobalObjects: false): Node 20's undici keeps a
// string or byte body's source next to its stream; reading it there saves a stream read (several
// promise turns) per response. Checked once, and any other shape falls back to reading the stream,
// so a different runtime only loses speed, not correctness.
const kState: symbol | undefined = (() => {
  try {
    const probe = new NativeResponse('x');
    const sym = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'state');
    if (!sym) return undefined;
    const source = (Reflect.get(probe, sym) as { body?: { source?: unknown } } | undefined)?.body?.source;
    return source === 'x' ? sym : undefined;
  } catch {
    return undefined;
  }
})();

/** The body when it is already in memory: bytes or a string; null for none; undefined when it must be read. */
function knownBody(res: Response): string | Uint8Array | null | undefined {
  if (kState !== undefined) {
    const state = Reflect.get(res, kState) as { body?: { source?: unknown; stream?: ReadableStream } | null } | undefined;
    if (state && typeof state === 'object') {
      const body = state.body;
      if (body === null) return null;
      if (body && !res.bodyUsed && !(body.stream?.locked ?? false)) {
        const src = body.source;
        if (typeof src === 'string' || src instanceof Uint8Array) return src;
      }
      return undefined;
    }
  }
  return res.body === null ? null : undefined;
}

function writeKnown(socket: Socket, status: number, statusText: string, f: Fields, o: WriteOptions, body: string | Uint8Array | ByteParts): void {
  const isString = typeof body === 'string';
  const length = isString ? Buffer.byteLength(body) : body.byteLength;
  const head = buildHead(status, statusText, f, o, `content-length: ${length}\r\n`, o.close);
  const hlen = head.length; // latin1: header values are ByteStrings, one byte per char
  if (length <= COALESCE_LIMIT) {
    const out = Buffer.allocUnsafe(hlen + length);
    out.write(head, 0, 'latin1');
    if (isString) out.write(body, hlen, 'utf8');
    else if (body instanceof ByteParts) body.copyTo(out, hlen);
    else out.set(body, hlen);
    socket.write(out);
  } else {
    // Corked, the writes leave as one writev: a ByteParts body's chunks are sent where they lie.
    socket.cork();
    socket.write(head, 'latin1');
    if (body instanceof ByteParts) {
      for (const p of body.parts) if (p.byteLength > 0) socket.write(p);
    } else socket.write(isString ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    socket.uncork();
  }
}

/** RFC 9110 §6.4.1: HEAD, 204 and 304 responses end with the head. */
function endsAtHead(status: number, o: WriteOptions): boolean {
  return o.isHead || status === 204 || status === 304;
}

/**
 * The head of a response without a body. A HEAD or 304 may repeat the Content-Length the full
 * response would have had (RFC 9110 §8.6); a 204 must not carry one.
 */
function writeHeadOnly(socket: Socket, status: number, statusText: string, f: Fields, o: WriteOptions): void {
  const cl = status !== 204 && f.contentLength !== undefined && /^[0-9]+$/.test(f.contentLength) ? `content-length: ${f.contentLength}\r\n` : '';
  socket.write(buildHead(status, statusText, f, o, cl, o.close), 'latin1');
}

/**
 * Writes `res`. Returns whether the connection must close afterwards, at once when the body was in
 * memory, or as a promise when it had to be read (streams: written chunk by chunk as they come).
 * Throws (or rejects) only before anything was written, so the caller can still answer 500.
 */
export function writeResponse(socket: Socket, res: Response, o: WriteOptions): boolean | Promise<boolean> {
  const light = lightParts(res);
  if (light) {
    const f = fieldsOf(light.headers, light.defaultContentType);
    if (endsAtHead(light.status, o)) writeHeadOnly(socket, light.status, light.statusText, f, o);
    else writeKnown(socket, light.status, light.statusText, f, o, light.body ?? '');
    return o.close;
  }
  const status = res.status;
  if (status < 200 || status > 999) throw new TypeError(`handler returned an unusable Response (status ${status})`);
  const f = fieldsOf(res.headers, false);
  if (endsAtHead(status, o)) {
    writeHeadOnly(socket, status, res.statusText, f, o);
    if (res.body && !res.body.locked) res.body.cancel().catch(() => {});
    return o.close;
  }
  const known = knownBody(res);
  if (known !== undefined) {
    writeKnown(socket, status, res.statusText, f, o, known ?? '');
    return o.close;
  }
  return writeStreamed(socket, res, f, o);
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError('response body chunk is not a Uint8Array');
}

type ReadResult = ReadableStreamReadResult<Uint8Array>;

/** The read's result if it is ready within a couple of microtask turns, else undefined. */
function readyOrUndefined(p: Promise<ReadResult>): Promise<ReadResult | undefined> {
  return Promise.race([p, Promise.resolve().then(() => Promise.resolve(undefined))]);
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

function writePiece(socket: Socket, data: Uint8Array, chunked: boolean): boolean {
  if (data.byteLength === 0) return true; // an empty chunk would read as the last one
  if (!chunked) return socket.write(data);
  const size = `${data.byteLength.toString(16)}\r\n`;
  const out = Buffer.allocUnsafe(size.length + data.byteLength + 2);
  out.write(size, 0, 'latin1');
  out.set(data, size.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return socket.write(out);
}

async function writeStreamed(socket: Socket, res: Response, f: Fields, o: WriteOptions): Promise<boolean> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const values: Uint8Array[] = [];
  let length = 0;
  let pending: Promise<ReadResult> | undefined;
  let done = false;
  // A body that is already complete (a Blob, a finished stream) still gets a Content-Length.
  try {
    for (let i = 0; i < 2 && !done; i++) {
      pending ??= reader.read();
      const r = await readyOrUndefined(pending);
      if (r === undefined) break;
      pending = undefined;
      if (r.done) done = true;
      else {
        const v = toBytes(r.value);
        values.push(v);
        length += v.byteLength;
      }
    }
  } catch (err) {
    reader.cancel(err).catch(() => {});
    throw err;
  }
  if (socket.destroyed) {
    reader.cancel().catch(() => {});
    return true;
  }
  if (done) {
    writeKnown(socket, res.status, res.statusText, f, o, values.length === 1 ? values[0]! : Buffer.concat(values, length));
    return o.close;
  }

  // A stream (Server-Sent Events): chunked for HTTP/1.1; HTTP/1.0 has no chunked coding, so the
  // end of the body is the end of the connection (RFC 9112 §6.3, last rule).
  const chunked = o.minor === 1;
  const close = o.close || !chunked;
  const onClose = () => reader.cancel().catch(() => {});
  socket.once('close', onClose);
  try {
    socket.cork();
    socket.write(buildHead(res.status, res.statusText, f, o, chunked ? 'transfer-encoding: chunked\r\n' : '', close), 'latin1');
    let ok = true;
    for (const v of values) ok = writePiece(socket, v, chunked) && ok;
    socket.uncork();
    if (!ok) await drained(socket);
    for (;;) {
      const r = await (pending ?? reader.read());
      pending = undefined;
      if (r.done || socket.destroyed) break;
      if (!writePiece(socket, toBytes(r.value), chunked)) await drained(socket);
    }
  } catch {
    // The head is out: a failing body can only be signalled by cutting the connection short.
    socket.destroy();
    return true;
  } finally {
    socket.off('close', onClose);
  }
  if (socket.destroyed) return true;
  if (chunked) socket.write('0\r\n\r\n');
  return close;
}

/** A JSON error in the API's error model, written without a handler (parse errors, 405, 500). */
export function writeJsonError(socket: Socket, status: number, errorCode: number, message: string, o: WriteOptions): void {
  const body = JSON.stringify({ error_code: errorCode, error_message: message });
  const f: Fields = { lines: 'content-type: application/json\r\n', hasDate: false, contentLength: undefined };
  const head = buildHead(status, '', f, o, `content-length: ${Buffer.byteLength(body)}\r\n`, o.close);
  socket.write(o.isHead ? head : head + body, 'utf8');
}
