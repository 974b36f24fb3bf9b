// Test doubles for the transaction layer: a transport that records what is sent, messages built as
// they would arrive off the wire, and an in-memory network joining two layers.
import { ManualClock } from '../../lib/clock.ts';
import {
  createResponse,
  parseDatagram,
  serialize,
  type ResponseOptions,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.ts';
import type { Destination, Source, TransportProtocol } from '../transport/types.ts';
import { addTopVia, responseDestination, stampReceived } from '../transport/via-handling.ts';
import type { TransactionTransport } from './transaction-transport.ts';

export interface Sent {
  message: SipMessage;
  destination: Destination;
  at: number;
}

/** A transport that records every send, with the time on the clock it was given. */
export class FakeTransport implements TransactionTransport {
  readonly sent: Sent[] = [];
  readonly sentBy = { host: '192.0.2.1', port: 5060 };
  /** Sends reject with this error while it is set. */
  failWith: Error | undefined;
  holds = 0;
  readonly #handlers = new Set<(m: SipMessage, s: Source) => void>();
  readonly #clock: ManualClock;

  constructor(clock: ManualClock) {
    this.#clock = clock;
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    this.sent.push({ message, destination, at: this.#clock.now() });
    return this.failWith ? Promise.reject(this.failWith) : Promise.resolve();
  }

  prepareRequest(request: SipRequest, destination: Destination): Destination {
    addTopVia(request, { transport: destination.transport, sentBy: this.sentBy });
    return { ...destination, transportId: 'fake' };
  }

  responseDestination(request: SipRequest, source: Source): Destination {
    return responseDestination(request.topVia!, source);
  }

  onMessage(handler: (m: SipMessage, s: Source) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  hold(): () => void {
    this.holds++;
    let done = false;
    return () => {
      if (!done) this.holds--;
      done = true;
    };
  }

  /** A message arriving from the network: re-parsed from its bytes, its Via stamped like §18.2.1 does. */
  deliver(message: SipMessage, source: Source): void {
    const m = wire(message);
    if (m.kind === 'request') stampReceived(m, source);
    for (const h of this.#handlers) h(m, source);
  }

  requests(method?: string): SipRequest[] {
    return this.sent.map((s) => s.message).filter((m): m is SipRequest => m.kind === 'request' && (method === undefined || m.method === method));
  }

  responses(status?: number): SipResponse[] {
    return this.sent.map((s) => s.message).filter((m): m is SipResponse => m.kind === 'response' && (status === undefined || m.status === status));
  }

  /** Times (clock ms) at which messages matching `pred` were sent. */
  times(pred: (m: SipMessage) => boolean): number[] {
    return this.sent.filter((s) => pred(s.message)).map((s) => s.at);
  }

  clear(): void {
    this.sent.length = 0;
  }
}

/** What a message looks like to the receiver: serialized and parsed again. */
export function wire<M extends SipMessage>(message: M): M {
  return parseDatagram(serialize(message)) as M;
}

export const PEER: Source = { transport: 'udp', host: '192.0.2.9', port: 5062, transportId: 'fake' };
export const PEER_TCP: Source = { transport: 'tcp', host: '192.0.2.9', port: 40000, transportId: 'fake', connectionId: 'fake#1' };
export const DEST_UDP: Destination = { transport: 'udp', host: '192.0.2.9', port: 5062 };
export const DEST_TCP: Destination = { transport: 'tcp', host: '192.0.2.9', port: 5062 };

let seq = 0;

export interface RequestSpec {
  branch?: string;
  /** Top Via sent-by, e.g. "192.0.2.9:5062". */
  sentBy?: string;
  transport?: TransportProtocol;
  callId?: string;
  cseq?: number;
  fromTag?: string;
  toTag?: string;
  uri?: string;
  extraHeaders?: string[];
  body?: string;
}

/** A request as a peer would send it (one Via, RFC 3261 branch unless given). */
export function peerRequest(method: string, spec: RequestSpec = {}): SipRequest {
  const n = ++seq;
  const transport = (spec.transport ?? 'udp').toUpperCase();
  const branch = spec.branch ?? `z9hG4bKpeer${n}`;
  const branchParam = spec.branch === '' ? '' : `;branch=${branch}`;
  const cseqMethod = method;
  const body = spec.body ?? '';
  const lines = [
    `${method} ${spec.uri ?? 'sip:bob@192.0.2.1'} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${spec.sentBy ?? '192.0.2.9:5062'}${branchParam};rport`,
    'Max-Forwards: 70',
    `To: <sip:bob@example.com>${spec.toTag ? `;tag=${spec.toTag}` : ''}`,
    `From: <sip:alice@example.com>;tag=${spec.fromTag ?? 'alice' + n}`,
    `Call-ID: ${spec.callId ?? `call-${n}@192.0.2.9`}`,
    `CSeq: ${spec.cseq ?? 1} ${cseqMethod}`,
    ...(spec.extraHeaders ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return parseDatagram(Buffer.from(lines.join('\r\n')), undefined) as SipRequest;
}

/** A request of ours, before the transport adds the Via. */
export function ourRequest(method: string, spec: Omit<RequestSpec, 'branch' | 'sentBy' | 'transport'> = {}): SipRequest {
  const r = peerRequest(method, spec);
  r.headers.delete('via');
  return r;
}

/** The ACK a peer sends for a final response (same branch for a non-2xx, a new one for a 2xx). */
export function peerAck(invite: SipRequest, response: SipResponse, branch?: string): SipRequest {
  const via = invite.topVia!;
  return peerRequest('ACK', {
    branch: branch ?? via.branch,
    sentBy: `${via.host}${via.port ? ':' + via.port : ''}`,
    transport: via.transport.toLowerCase() as TransportProtocol,
    callId: invite.callId,
    cseq: invite.cseq!.seq,
    fromTag: invite.from!.tag,
    toTag: response.to!.tag,
    uri: invite.uriText,
  });
}

/** A response to a request as the far end would send it. */
export function responseTo(req: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  const opts = status > 100 && options.toTag === undefined ? { ...options, toTag: 'uas-tag' } : options;
  return wire(createResponse(req, status, undefined, opts));
}

export function newClock(): ManualClock {
  return new ManualClock(1_000_000);
}

/**
 * Two or more endpoints joined by an in-memory network. Messages wait in a queue until flush(),
 * so tests decide when the network delivers and what it loses (`drop`).
 */
export class MemoryNetwork {
  readonly #endpoints = new Map<string, MemoryEndpoint>();
  readonly #queue: { to: MemoryEndpoint; message: SipMessage; source: Source }[] = [];
  /** Return true to lose a message. */
  drop: ((message: SipMessage, from: MemoryEndpoint) => boolean) | undefined;
  delivered = 0;
  lost = 0;

  endpoint(host: string, port: number, transport: TransportProtocol = 'udp'): MemoryEndpoint {
    const e = new MemoryEndpoint(this, host, port, transport);
    this.#endpoints.set(`${host}:${port}`, e);
    return e;
  }

  enqueue(from: MemoryEndpoint, message: SipMessage, destination: Destination): Promise<void> {
    const to = this.#endpoints.get(`${destination.host}:${destination.port}`);
    if (!to) return Promise.reject(new Error(`nothing at ${destination.host}:${destination.port}`));
    if (this.drop?.(message, from)) {
      this.lost++;
      return Promise.resolve();
    }
    const source: Source = {
      transport: from.transport,
      host: from.host,
      port: from.port,
      transportId: 'mem',
      ...(from.transport === 'tcp' ? { connectionId: `${from.host}:${from.port}>${to.host}:${to.port}` } : {}),
    };
    this.#queue.push({ to, message: wire(message), source });
    return Promise.resolve();
  }

  /** Delivers until the queue is empty; returns how many messages were delivered. */
  flush(): number {
    let n = 0;
    for (let item = this.#queue.shift(); item; item = this.#queue.shift()) {
      item.to.deliver(item.message, item.source);
      n++;
    }
    this.delivered += n;
    return n;
  }

  get queued(): number {
    return this.#queue.length;
  }
}

export class MemoryEndpoint implements TransactionTransport {
  readonly #net: MemoryNetwork;
  readonly host: string;
  readonly port: number;
  readonly transport: TransportProtocol;
  readonly #handlers = new Set<(m: SipMessage, s: Source) => void>();
  readonly sent: SipMessage[] = [];

  constructor(net: MemoryNetwork, host: string, port: number, transport: TransportProtocol) {
    this.#net = net;
    this.host = host;
    this.port = port;
    this.transport = transport;
  }

  send(message: SipMessage, destination: Destination): Promise<void> {
    this.sent.push(message);
    return this.#net.enqueue(this, message, destination);
  }

  prepareRequest(request: SipRequest, destination: Destination): Destination {
    addTopVia(request, { transport: destination.transport, sentBy: { host: this.host, port: this.port } });
    return destination;
  }

  responseDestination(request: SipRequest, source: Source): Destination {
    return responseDestination(request.topVia!, source);
  }

  onMessage(handler: (m: SipMessage, s: Source) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  deliver(message: SipMessage, source: Source): void {
    if (message.kind === 'request') stampReceived(message, source);
    for (const h of this.#handlers) h(message, source);
  }

  get destination(): Destination {
    return { transport: this.transport, host: this.host, port: this.port };
  }
}
