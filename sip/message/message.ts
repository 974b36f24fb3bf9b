// SIP requests and responses (RFC 3261 §7). The start line is parsed eagerly; header typed forms
// come from getters that parse on first use and cache (see headers.ts).
import type { AuthValue } from './auth.ts';
import type { ContentType } from './content-type.ts';
import type { CSeq } from './cseq.ts';
import { H } from './header-forms.ts';
import { SipHeaders } from './headers.ts';
import type { Contact, NameAddr } from './name-addr.ts';
import { formatUri, type Uri } from './uri.ts';
import type { Via } from './via.ts';

export const SIP_VERSION = 'SIP/2.0';

const EMPTY = Buffer.alloc(0);

abstract class SipMessageBase {
  /** Always "SIP/2.0": other versions are refused with 505 by the parser. */
  readonly version = SIP_VERSION;
  headers: SipHeaders;
  body: Buffer;

  constructor(headers: SipHeaders | undefined, body: Buffer | undefined) {
    this.headers = headers ?? new SipHeaders();
    this.body = body ?? EMPTY;
  }

  /** Every Via value, top (most recent hop) first. */
  get via(): readonly Via[] {
    return this.headers.all(H.via);
  }
  get topVia(): Via | undefined {
    return this.headers.one(H.via);
  }
  get from(): NameAddr | undefined {
    return this.headers.one(H.from);
  }
  get to(): NameAddr | undefined {
    return this.headers.one(H.to);
  }
  get callId(): string | undefined {
    return this.headers.one(H.callId);
  }
  get cseq(): CSeq | undefined {
    return this.headers.one(H.cseq);
  }
  get maxForwards(): number | undefined {
    return this.headers.one(H.maxForwards);
  }
  /** The Content-Length header as received; serialize() writes the real body length. */
  get contentLength(): number | undefined {
    return this.headers.one(H.contentLength);
  }
  get contentType(): ContentType | undefined {
    return this.headers.one(H.contentType);
  }
  /** Contact values; a REGISTER removing every binding has the single value "*". */
  get contacts(): readonly (Contact | '*')[] {
    return this.headers.all(H.contact);
  }
  get routes(): readonly NameAddr[] {
    return this.headers.all(H.route);
  }
  get recordRoutes(): readonly NameAddr[] {
    return this.headers.all(H.recordRoute);
  }
  get expires(): number | undefined {
    return this.headers.one(H.expires);
  }
  /** Challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate). */
  get challenges(): readonly AuthValue[] {
    return [...this.headers.all(H.wwwAuthenticate), ...this.headers.all(H.proxyAuthenticate)];
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  /** The method as received: extension methods are tokens like any other (RFC 4475 §3.1.1.2). */
  method: string;
  #uri: Uri;
  #uriText: string | undefined;

  /** `uriText` is the Request-URI as received, written back unchanged until `uri` is set. */
  constructor(method: string, uri: Uri, headers?: SipHeaders, body?: Buffer, uriText?: string) {
    super(headers, body);
    this.method = method;
    this.#uri = uri;
    this.#uriText = uriText;
  }

  get uri(): Uri {
    return this.#uri;
  }
  set uri(uri: Uri) {
    this.#uri = uri;
    this.#uriText = undefined;
  }
  /** The Request-URI as it goes on the wire. */
  get uriText(): string {
    return (this.#uriText ??= formatUri(this.#uri));
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  status: number;
  reason: string;

  constructor(status: number, reason: string, headers?: SipHeaders, body?: Buffer) {
    super(headers, body);
    this.status = status;
    this.reason = reason;
  }
}

export type SipMessage = SipRequest | SipResponse;
