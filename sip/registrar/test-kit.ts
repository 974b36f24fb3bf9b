// Test support for the registrar tests: REGISTER requests written as SIP text and parsed with the
// real parser, and a phone that answers digest challenges the way a device does.
import { ManualClock } from '../../lib/clock.ts';
import { domainSchema, type DomainConfig } from '../../config/schema.ts';
import { DigestVerifier, answerChallenge } from '../auth/index.ts';
import { parseDatagram, type SipRequest, type SipResponse } from '../message/index.ts';
import { AccountDirectory } from './account-directory.ts';
import type { FlowAddress } from './binding.ts';
import { LocationService, type LocationServiceOptions } from './location-service.ts';
import { Registrar } from './registrar.ts';

export const DOMAIN = 'example.com';
/** 2025-01-01T00:00:00Z: a round start makes Date headers easy to check. */
export const T0 = Date.UTC(2025, 0, 1);

export const DOMAINS: DomainConfig[] = [
  domainSchema.parse({
    name: 'Example.COM',
    users: [
      {
        login: 'acme',
        tokens: ['acme-token-1'],
        sipusers: [
          { id: 1, login: 'alice', phonenumber: '101', password: 'wonderland' },
          { id: 2, login: 'bob', phonenumber: '102', password: 'builder' },
          { id: 3, login: 'trunk', phonenumber: '900', password: 'trunkpw', contact: 'sip:gw.example.net:5080' },
        ],
      },
    ],
  }),
  domainSchema.parse({ name: 'other.org', users: [{ login: 'o', tokens: ['other-token'], sipusers: [{ id: 9, login: 'carol', phonenumber: '201', password: 'c' }] }] }),
];

export interface RegisterInit {
  readonly requestUri?: string;
  /** The To URI; From is the same. */
  readonly to?: string;
  readonly callId?: string;
  readonly cseq: number;
  /** Each a whole Contact value, e.g. `<sip:alice@192.0.2.1>;expires=60`; none for a query. */
  readonly contacts?: readonly string[];
  readonly expires?: number;
  readonly authorization?: string;
  /** More header lines, written as is. */
  readonly extra?: readonly string[];
}

let branch = 0;

/** A REGISTER as a phone would send it, through parseDatagram. */
export function registerRequest(init: RegisterInit): SipRequest {
  const to = init.to ?? `sip:alice@${DOMAIN}`;
  const lines = [
    `REGISTER ${init.requestUri ?? `sip:${DOMAIN}`} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.168.1.20:5060;rport;branch=z9hG4bK-reg-${++branch}`,
    'Max-Forwards: 70',
    `To: <${to}>`,
    `From: <${to}>;tag=ph${branch}`,
    `Call-ID: ${init.callId ?? 'reg-call-1@192.168.1.20'}`,
    `CSeq: ${init.cseq} REGISTER`,
    ...(init.contacts ?? []).map((c) => `Contact: ${c}`),
    ...(init.expires !== undefined ? [`Expires: ${init.expires}`] : []),
    ...(init.authorization !== undefined ? [`Authorization: ${init.authorization}`] : []),
    'User-Agent: TestPhone/1.0',
    ...(init.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  const msg = parseDatagram(Buffer.from(lines.join('\r\n')));
  if (msg.kind !== 'request') throw new Error('expected a request');
  return msg;
}

/** The public address a phone behind NAT is seen from. */
export const NAT_SOURCE: FlowAddress = { transport: 'udp', host: '203.0.113.7', port: 40123, transportId: 'udp:0.0.0.0:5060' };

/**
 * A phone: keeps its Call-ID and CSeq, and answers a 401 once with its credentials, reusing the
 * nonce with a growing nc afterwards as devices do.
 */
export class Phone {
  cseq = 0;
  callId: string;
  #challenge: readonly string[] | undefined;
  #nc = 0;

  constructor(
    readonly registrar: Registrar,
    readonly login: string,
    readonly password: string,
    readonly opts: { callId?: string; to?: string; source?: FlowAddress } = {},
  ) {
    this.callId = opts.callId ?? `call-${login}@192.168.1.20`;
  }

  /** One REGISTER with the current credentials, if any; no retry. */
  async sendOnce(init: Omit<RegisterInit, 'cseq' | 'callId' | 'authorization'> & { cseq?: number }): Promise<SipResponse> {
    const cseq = init.cseq ?? ++this.cseq;
    const requestUri = init.requestUri ?? `sip:${DOMAIN}`;
    const authorization =
      this.#challenge &&
      answerChallenge({ challenge: this.#challenge, method: 'REGISTER', uri: requestUri, username: this.login, password: this.password, nc: ++this.#nc }).value;
    const req = registerRequest({
      to: this.opts.to ?? `sip:${this.login}@${DOMAIN}`,
      ...init,
      requestUri,
      cseq,
      callId: this.callId,
      ...(authorization !== undefined && { authorization }),
    });
    const res = await this.registrar.handle(req, this.opts.source ?? NAT_SOURCE);
    if (res.status === 401) {
      this.#challenge = res.headers.getAll('www-authenticate');
      this.#nc = 0;
    }
    return res;
  }

  /** A REGISTER, answered once more with credentials when challenged. */
  async send(init: Omit<RegisterInit, 'cseq' | 'callId' | 'authorization'> = {}): Promise<SipResponse> {
    const res = await this.sendOnce(init);
    return res.status === 401 ? this.sendOnce(init) : res;
  }
}

export interface Setup {
  readonly clock: ManualClock;
  readonly directory: AccountDirectory;
  readonly location: LocationService;
  readonly verifier: DigestVerifier;
  readonly registrar: Registrar;
  phone(login: string, password: string, opts?: ConstructorParameters<typeof Phone>[3]): Phone;
}

export function setup(opts: Partial<Omit<LocationServiceOptions, 'clock'>> & { location?: LocationService; clock?: ManualClock } = {}): Setup {
  const clock = opts.clock ?? new ManualClock(T0);
  const directory = new AccountDirectory(DOMAINS);
  const location = opts.location ?? new LocationService({ clock, statics: directory.staticContacts(), ...opts });
  const verifier = new DigestVerifier({ clock, secret: Buffer.alloc(32, 7) });
  const registrar = new Registrar({ directory, location, verifier, clock });
  return { clock, directory, location, verifier, registrar, phone: (login, password, o) => new Phone(registrar, login, password, o) };
}

/** The Contact values of a response, as written. */
export function contactsOf(res: SipResponse): string[] {
  return res.headers.values('contact');
}
