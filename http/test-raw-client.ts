// Test helper: a client that writes raw bytes over TCP and reads HTTP/1.1 responses back one by
// one, so tests see exactly what went over the wire (interim 100s, framing, the close).
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Field names lower-cased; repeated fields joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The body was chunked. */
  chunked: boolean;
  raw: string;
}

export class RawClient {
  readonly socket: Socket;
  #buf = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes received and not yet consumed as a response. */
  get pendingBytes(): number {
    return this.#buf.length;
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  close(): void {
    this.socket.destroy();
  }

  async #waitFor<T>(what: string, attempt: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = attempt();
      if (r !== undefined) return r;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; have ${JSON.stringify(this.#buf.toString('latin1').slice(0, 300))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  /** The next response (an interim 100 is a response of its own). `noBody` for answers to HEAD. */
  response(opts: { noBody?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    return this.#waitFor('a response', () => this.#take(opts.noBody ?? false), opts.timeoutMs ?? 3000);
  }

  /** Resolves when the server closed the connection. */
  waitClosed(timeoutMs = 3000): Promise<true> {
    return this.#waitFor('the close', () => (this.#closed ? true : undefined), timeoutMs);
  }

  #take(noBody: boolean): RawResponse | undefined {
    const buf = this.#buf;
    const end = buf.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    const headText = buf.toString('latin1', 0, end);
    const [statusLine, ...lines] = headText.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) /.exec(statusLine ?? '');
    if (!m) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).toLowerCase();
      const value = line.slice(i + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let pos = end + 4;
    let body = Buffer.alloc(0);
    let chunked = false;
    if (!(noBody || status < 200 || status === 204 || status === 304)) {
      if (headers['transfer-encoding'] === 'chunked') {
        chunked = true;
        const parts: Buffer[] = [];
        for (;;) {
          const lf = buf.indexOf('\r\n', pos);
          if (lf === -1) return undefined;
          const size = parseInt(buf.toString('latin1', pos, lf), 16);
          if (buf.length < lf + 2 + size + 2) return undefined;
          if (size === 0) {
            pos = lf + 4;
            break;
          }
          parts.push(buf.subarray(lf + 2, lf + 2 + size));
          pos = lf + 2 + size + 2;
        }
        body = Buffer.concat(parts);
      } else if (headers['content-length'] !== undefined) {
        const n = Number(headers['content-length']);
        if (buf.length < pos + n) return undefined;
        body = buf.subarray(pos, pos + n);
        pos += n;
      } else {
        // Close-delimited (RFC 9112 §6.3): complete once the server has closed.
        if (!this.#closed) return undefined;
        body = buf.subarray(pos);
        pos = buf.length;
      }
    }
    this.#buf = buf.subarray(pos);
    return { status, headers, body: Buffer.from(body), chunked, raw: buf.toString('latin1', 0, pos) };
  }
}
