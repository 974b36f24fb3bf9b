// Loopback test helpers: raw peers that send bytes we choose and collect what comes back.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';

/** Polls until `pred` holds (real time); throws with `what` after `ms`. */
export async function waitFor(pred: () => boolean, what = 'condition', ms = 3_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let n = 0;

/** A request as text, CRLF line ends, Content-Length computed unless `contentLength` overrides it. */
export function requestText(
  method = 'OPTIONS',
  opts: { via?: string; cseq?: string; body?: string; extra?: string[]; omit?: string[]; contentLength?: string } = {},
): string {
  const i = ++n;
  const body = opts.body ?? '';
  const headers: [string, string][] = [
    ['Via', opts.via ?? `SIP/2.0/UDP client.invalid:5060;rport;branch=z9hG4bKraw${i}`],
    ['Max-Forwards', '70'],
    ['To', '<sip:bob@example.com>'],
    ['From', `<sip:alice@example.com>;tag=raw${i}`],
    ['Call-ID', `raw-${i}@client.invalid`],
    ['CSeq', opts.cseq ?? `1 ${method}`],
  ];
  const lines = headers.filter(([name]) => !(opts.omit ?? []).includes(name)).map(([k, v]) => `${k}: ${v}`);
  lines.push(...(opts.extra ?? []), `Content-Length: ${opts.contentLength ?? Buffer.byteLength(body)}`);
  return `${method} sip:bob@127.0.0.1 SIP/2.0\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** A UDP peer on 127.0.0.1 that records the datagrams it receives. */
export async function udpPeer(): Promise<{ socket: UdpSocket; port: number; received: string[]; send(text: string | Buffer, port: number): void; close(): void }> {
  const socket = createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString('utf8')));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    socket,
    port: socket.address().port,
    received,
    send: (text, port) => socket.send(typeof text === 'string' ? Buffer.from(text) : text, port, '127.0.0.1'),
    close: () => socket.close(),
  };
}

/** A TCP peer connected to 127.0.0.1:port that records the bytes it receives. */
export async function tcpPeer(port: number): Promise<{ socket: Socket; data: () => string; closed: () => boolean; write(text: string | Buffer): void; close(): void }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    data: () => Buffer.concat(chunks).toString('utf8'),
    closed: () => closed,
    write: (t) => socket.write(t),
    close: () => socket.destroy(),
  };
}
