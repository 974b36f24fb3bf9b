// What the location service holds for an address-of-record: registered contacts (RFC 3261 §10)
// and static ones from configuration. Plain data, so a binding can be logged, sent to listeners
// and written to the bindings file as it is.

/**
 * Where a REGISTER came from: the address a phone behind NAT can be reached at. When it differs
 * from the Contact, requests for the binding go here (the "flow" of RFC 5626, without its
 * keep-alive machinery). Shaped like the transport layer's Source, without depending on it.
 */
export interface FlowAddress {
  /** Lower case, as the transports name themselves: "udp", "tcp". */
  readonly transport: string;
  /** Without IPv6 brackets. */
  readonly host: string;
  readonly port: number;
  /** The local listen transport it arrived on, to send from the same one. */
  readonly transportId?: string;
  /** Stream transports: the connection it arrived on, reusable while it stays open. */
  readonly connectionId?: string;
}

/** The flow fields of a transport's source, copied: the caller's object may carry more, or change. */
export function flowOf(source: FlowAddress): FlowAddress {
  return {
    transport: source.transport,
    host: source.host,
    port: source.port,
    ...(source.transportId !== undefined && { transportId: source.transportId }),
    ...(source.connectionId !== undefined && { connectionId: source.connectionId }),
  };
}

/** A contact a phone registered: it lives until `expiresAt` unless refreshed. */
export interface RegisteredBinding {
  readonly kind: 'registered';
  /** `login@domain`, domain in lower case. */
  readonly aor: string;
  /** The Contact URI, as written back in the 200 OK. */
  readonly contact: string;
  /** The q parameter, 0 to 1; undefined when the phone gave none (ranked as 1). */
  readonly q: number | undefined;
  /** Milliseconds since the epoch, from the injected clock. */
  readonly expiresAt: number;
  /** §10.3 step 7: Call-ID and CSeq of the REGISTER that last set the binding, to refuse stale ones. */
  readonly callId: string;
  readonly cseq: number;
  readonly flow: FlowAddress;
  /** RFC 5626 `+sip.instance` and `reg-id`: kept for later use, not acted upon. */
  readonly instanceId: string | undefined;
  readonly regId: number | undefined;
  readonly userAgent: string | undefined;
  /** When the binding was first created, and last refreshed (ms since the epoch). */
  readonly registeredAt: number;
  readonly updatedAt: number;
}

/** A contact from configuration (`sipuser.contact`): always present, never expires, not removable by REGISTER. */
export interface StaticBinding {
  readonly kind: 'static';
  readonly aor: string;
  readonly contact: string;
  readonly q: undefined;
}

export type Binding = RegisteredBinding | StaticBinding;

/** A change of the registered bindings, told to subscribers after it is committed. */
export interface LocationEvent {
  /**
   * added: a new contact; refreshed: a REGISTER renewed or changed an existing one; removed: a
   * REGISTER took it away (expires=0 or `*`); expired: its time ran out.
   */
  readonly type: 'added' | 'refreshed' | 'removed' | 'expired';
  readonly aor: string;
  readonly binding: RegisteredBinding;
}

export type LocationListener = (event: LocationEvent) => void;
