// What the transaction layer needs from the transport layer (RFC 3261 §17 ↔ §18). TransportLayer
// in sip/transport provides it; tests provide a fake that records what is sent.
import type { SipMessage, SipRequest } from '../message/index.ts';
import type { Destination, Source } from '../transport/types.ts';

export interface TransactionTransport {
  /** Sends one message; rejects (never throws) when the transport fails. */
  send(message: SipMessage, destination: Destination): Promise<void>;
  /** send without a Promise: a failure calls `onError`, always after the call returns. Optional. */
  sendOr?(message: SipMessage, destination: Destination, onError: (error: Error) => void): void;
  /**
   * §18.1.1: adds the top Via of a request we originate (sent-by, transport, fresh branch, rport)
   * and returns the destination to use for it and everything sent in its transaction.
   */
  prepareRequest(request: SipRequest, destination: Destination): Destination;
  /** §18.2.2: where the responses to a received request go. */
  responseDestination(request: SipRequest, source: Source): Destination;
  /** Subscribes to received messages; returns the unsubscribe function. */
  onMessage(handler: (message: SipMessage, source: Source) => void): () => void;
  /** Keeps the stream connection of a source open while a server transaction lives. */
  hold?(endpoint: { readonly transportId?: string; readonly connectionId?: string }): () => void;
}
