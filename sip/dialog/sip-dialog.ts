// A dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE sets up, with the state both ends
// keep to send requests within it: the dialog id, local and remote URIs, the remote target, the
// route set and the two CSeq spaces. A B2BUA holds one per leg; nothing here sends anything.
import {
  MAX_CSEQ,
  createRequest,
  formatNameAddr,
  formatUri,
  type NameAddr,
  type SipRequest,
  type SipResponse,
  type Uri,
} from '../message/index.ts';
import { DialogError } from './dialog-error.ts';
import { dialogKey, type DialogId } from './dialog-id.ts';
import { DialogState, type DialogRole } from './dialog-state.ts';

/** An address as the dialog keeps it: From/To without their tag (the tags live in the dialog id). */
export interface DialogAddress {
  readonly displayName: string | undefined;
  readonly uri: Uri;
}

export interface DialogInit {
  readonly role: DialogRole;
  readonly state: DialogState;
  readonly id: DialogId;
  readonly localUri: DialogAddress;
  readonly remoteUri: DialogAddress;
  readonly remoteTarget: Uri;
  /** In the order the Route headers of our requests list them. */
  readonly routeSet: readonly NameAddr[];
  /** Undefined: empty, the first request picks a value (§12.2.1.1). */
  readonly localSeq: number | undefined;
  readonly remoteSeq: number | undefined;
  /** Our Contact value (name-addr), put in the target refresh requests we send. */
  readonly localContact?: string | undefined;
}

export interface InDialogRequestOptions {
  readonly body?: Buffer | string;
  readonly contentType?: string;
  /** More header lines, after the ones the dialog writes. */
  readonly headers?: Iterable<readonly [string, string]>;
  /** Overrides the dialog's own Contact for this request. */
  readonly contact?: string;
}

/** The methods whose requests and 2xx may change the remote target (§12.2, RFC 3311, RFC 6665, RFC 3515). */
export const TARGET_REFRESH_METHODS: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

/** The first CSeq we use on a dialog whose local sequence number is empty (§8.1.1.5 leaves it free). */
const INITIAL_CSEQ = 1;

function addressOf(na: NameAddr): DialogAddress {
  return { displayName: na.displayName, uri: na.uri };
}

function formatTagged(a: DialogAddress, tag: string): string {
  return formatNameAddr({ displayName: a.displayName, uri: a.uri, params: new Map([['tag', tag]]) });
}

/** The first Contact of a message as a URI (§8.1.1.8: a dialog-creating message has exactly one). */
function contactUri(msg: SipRequest | SipResponse): Uri | undefined {
  const c = msg.contacts[0];
  return c === undefined || c === '*' ? undefined : c.uri;
}

/** §12.2.1.1: a route whose URI carries `lr` is a loose router; the others are strict (RFC 2543). */
function isLooseRoute(route: NameAddr): boolean {
  return route.uri.kind === 'sip' && route.uri.params.has('lr');
}

/**
 * A URI fit for a Request-URI: §19.1.1 table 1 allows no `method` parameter and no headers there,
 * so a strict route's URI is stripped of both before it goes in the Request-URI (§12.2.1.1).
 */
function requestUriOf(uri: Uri): Uri {
  if (uri.kind !== 'sip') return uri;
  const params = new Map(uri.params);
  params.delete('method');
  return { ...uri, params, headers: [] };
}

export class SipDialog {
  readonly role: DialogRole;
  readonly id: DialogId;
  /** `dialogKey(id)`, for tables. */
  readonly key: string;
  readonly localUri: DialogAddress;
  readonly remoteUri: DialogAddress;
  localContact: string | undefined;
  #state: DialogState;
  #remoteTarget: Uri;
  #routeSet: readonly NameAddr[];
  #localSeq: number | undefined;
  #remoteSeq: number | undefined;

  constructor(init: DialogInit) {
    this.role = init.role;
    this.id = init.id;
    this.key = dialogKey(init.id);
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.localContact = init.localContact;
    this.#state = init.state;
    this.#remoteTarget = init.remoteTarget;
    this.#routeSet = init.routeSet;
    this.#localSeq = init.localSeq;
    this.#remoteSeq = init.remoteSeq;
  }

  /**
   * §12.1.1, the UAS side: the dialog a request makes when we answer it with a 1xx (with our tag) or
   * a 2xx. Route set = the request's Record-Route in order; remote target = its Contact; remote
   * sequence number = its CSeq; local sequence number empty; remote URI = From, local URI = To.
   */
  static fromRequest(req: SipRequest, opts: { localTag: string; localContact?: string; state?: DialogState }): SipDialog {
    const callId = req.callId;
    const from = req.from;
    const to = req.to;
    const cseq = req.cseq;
    if (callId === undefined || !from || !to || !cseq) throw new DialogError('DIALOG_MISSING_HEADER', 'a dialog needs Call-ID, From, To and CSeq');
    if (from.tag === undefined) throw new DialogError('DIALOG_MISSING_TAG', 'the request has no From tag');
    const target = contactUri(req);
    if (target === undefined) throw new DialogError('DIALOG_BAD_CONTACT', 'the request has no Contact URI');
    return new SipDialog({
      role: 'uas',
      state: opts.state ?? DialogState.Early,
      id: { callId, localTag: opts.localTag, remoteTag: from.tag },
      localUri: addressOf(to),
      remoteUri: addressOf(from),
      remoteTarget: target,
      routeSet: [...req.recordRoutes],
      localSeq: undefined,
      remoteSeq: cseq.seq,
      localContact: opts.localContact,
    });
  }

  /**
   * §12.1.2, the UAC side: the dialog a response with a To tag makes for a request we sent. Route
   * set = the response's Record-Route in reverse; remote target = its Contact; local sequence number
   * = the request's CSeq; remote sequence number empty. A 1xx makes an early dialog, a 2xx a
   * confirmed one.
   */
  static fromResponse(req: SipRequest, res: SipResponse): SipDialog {
    const callId = req.callId;
    const from = req.from;
    const to = res.to;
    const cseq = req.cseq;
    if (callId === undefined || !from || !to || !cseq) throw new DialogError('DIALOG_MISSING_HEADER', 'a dialog needs Call-ID, From, To and CSeq');
    if (from.tag === undefined || to.tag === undefined) throw new DialogError('DIALOG_MISSING_TAG', 'a dialog needs a From tag and a To tag');
    // §12.1.2: a 1xx without Contact still makes an early dialog; the Request-URI stands in until a
    // Contact comes (§13.2.2.4: the 2xx must have one).
    const target = contactUri(res) ?? req.uri;
    const localContact = req.headers.get('contact');
    return new SipDialog({
      role: 'uac',
      state: res.status >= 200 ? DialogState.Confirmed : DialogState.Early,
      id: { callId, localTag: from.tag, remoteTag: to.tag },
      localUri: addressOf(from),
      remoteUri: addressOf(to),
      remoteTarget: target,
      routeSet: [...res.recordRoutes].reverse(),
      localSeq: cseq.seq,
      remoteSeq: undefined,
      localContact,
    });
  }

  get state(): DialogState {
    return this.#state;
  }

  get remoteTarget(): Uri {
    return this.#remoteTarget;
  }

  get routeSet(): readonly NameAddr[] {
    return this.#routeSet;
  }

  get localSeq(): number | undefined {
    return this.#localSeq;
  }

  get remoteSeq(): number | undefined {
    return this.#remoteSeq;
  }

  /**
   * The early dialog becomes confirmed. For a UAC given the 2xx, §12.1.2 and §13.2.2.4: the route set
   * is recomputed from the 2xx's Record-Route and the remote target is its Contact.
   */
  confirm(res?: SipResponse): void {
    if (this.#state === DialogState.Terminated) return;
    if (res && this.role === 'uac') {
      this.#routeSet = [...res.recordRoutes].reverse();
      const target = contactUri(res);
      if (target) this.#remoteTarget = target;
    }
    this.#state = DialogState.Confirmed;
  }

  terminate(): void {
    this.#state = DialogState.Terminated;
  }

  /**
   * §12.2.2: a request within the dialog. ACK and CANCEL carry the CSeq of the request they belong
   * to and are not checked. An empty remote sequence number takes the request's; a lower number
   * means the request is out of order and MUST be rejected with a 500; otherwise the remote
   * sequence number becomes the request's.
   */
  checkRequest(req: SipRequest): { ok: true } | { ok: false; status: 500; reason: string } {
    if (req.method === 'ACK' || req.method === 'CANCEL') return { ok: true };
    const seq = req.cseq?.seq;
    if (seq === undefined) return { ok: true };
    if (this.#remoteSeq !== undefined && seq < this.#remoteSeq) {
      return { ok: false, status: 500, reason: 'Server Internal Error - CSeq Out of Order' };
    }
    this.#remoteSeq = seq;
    return { ok: true };
  }

  /**
   * §12.2 (with RFC 6141): a target refresh request, or its 2xx, replaces the remote target with
   * its Contact. Returns true when the target changed.
   */
  refreshTarget(msg: SipRequest | SipResponse): boolean {
    const target = contactUri(msg);
    if (target === undefined) return false;
    const changed = formatUri(target) !== formatUri(this.#remoteTarget);
    this.#remoteTarget = target;
    return changed;
  }

  /**
   * §12.2.1.1: a request within the dialog. To = remote URI and tag, From = local URI and tag,
   * Call-ID of the dialog, CSeq = the local sequence number plus one (an empty one starts at 1).
   * With an empty route set the Request-URI is the remote target. When the first route is a loose
   * router (`lr`), the Request-URI is the remote target and the route set goes in Route headers;
   * otherwise (strict routing) the Request-URI is the first route's URI and the Route headers hold
   * the rest of the route set followed by the remote target. Target refresh requests carry our
   * Contact.
   */
  createRequest(method: string, opts: InDialogRequestOptions = {}): SipRequest {
    if (this.#state === DialogState.Terminated && method !== 'ACK') {
      throw new DialogError('DIALOG_TERMINATED', `no ${method} on a terminated dialog`);
    }
    let seq: number;
    if (method === 'ACK' || method === 'CANCEL') seq = this.#localSeq ?? INITIAL_CSEQ;
    else {
      seq = this.#localSeq === undefined ? INITIAL_CSEQ : this.#localSeq + 1;
      if (seq > MAX_CSEQ) throw new DialogError('DIALOG_CSEQ_EXHAUSTED', 'the local CSeq space is used up');
      this.#localSeq = seq;
    }
    return this.#build(method, seq, opts);
  }

  /**
   * §13.2.2.4: the ACK for a 2xx to an INVITE sent in this dialog: the CSeq number of that INVITE,
   * method ACK, and the same route set and Request-URI rules as any request of the dialog. It is a
   * transaction of its own and does not advance the local sequence number.
   */
  createAck(inviteCSeq: number, opts: Omit<InDialogRequestOptions, 'contact'> = {}): SipRequest {
    return this.#build('ACK', inviteCSeq, opts);
  }

  #build(method: string, seq: number, opts: InDialogRequestOptions): SipRequest {
    const headers: [string, string][] = [];
    let uri = this.#remoteTarget;
    const routes = this.#routeSet;
    const first = routes[0];
    if (first !== undefined && !isLooseRoute(first)) {
      uri = requestUriOf(first.uri);
      for (const r of routes.slice(1)) headers.push(['Route', formatNameAddr(r)]);
      headers.push(['Route', formatNameAddr({ uri: this.#remoteTarget })]);
    } else {
      for (const r of routes) headers.push(['Route', formatNameAddr(r)]);
    }
    const contact = opts.contact ?? this.localContact;
    const withContact = contact !== undefined && TARGET_REFRESH_METHODS.has(method);
    for (const h of opts.headers ?? []) headers.push([h[0], h[1]]);
    return createRequest({
      method,
      uri,
      from: formatTagged(this.localUri, this.id.localTag),
      to: formatTagged(this.remoteUri, this.id.remoteTag),
      callId: this.id.callId,
      cseq: seq,
      ...(withContact && { contact }),
      headers,
      ...(opts.body !== undefined && { body: opts.body }),
      ...(opts.contentType !== undefined && { contentType: opts.contentType }),
    });
  }
}
