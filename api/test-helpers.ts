// Test fixtures for the API: a two-domain config, synthetic dialogs, stub ports, a request helper.
// Not a test file itself; only *.test.ts import it.
import { parseConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { CallStore } from '../store/call-store.ts';
import type { DialogOpts, DialogStatus, Leg, Participant, StoredDialog } from '../store/dialog.ts';
import { createApiApp } from './app.ts';
import type { CallControlPort, OperationAnswer, OperationRequest, OperationsPort } from './ports.ts';
import type { ApiDeps, ApiEnv } from './types.ts';

export const DOMAIN = 'test.rootdomain.ru';
export const OTHER = 'other.example';

/** Alice and Bob share a domain; Carol, elsewhere, has the same sipuser id, login and number as Alice's sip1. */
export const testConfigYaml = `
site: SITE1
node: "001"
sip:
  listen: [{transport: udp, host: 127.0.0.1, port: 5060}]
  media: {host: 127.0.0.1, ports: [20000, 20100]}
http:
  listen: {host: 127.0.0.1, port: 8080}
asr: {engine: pocketsphinx}
domains:
  - name: ${DOMAIN}
    featurecodes:
      - {type: conf, prefix: "*99"}
      - {type: intercom, prefix: "*88"}
    users:
      - login: alice
        tokens: ["alice-token", "alice-token-2"]
        sipusers:
          - {id: 1, login: sip1, phonenumber: "11", password: "secret1"}
          - {id: 2, login: sip2, phonenumber: "12", password: "secret2"}
      - login: bob
        tokens: ["bob-token-1"]
        sipusers:
          - {id: 3, login: sip3, phonenumber: "13", password: "secret3"}
          - {id: 4, login: sip4, phonenumber: "14", password: "secret4"}
  - name: ${OTHER}
    users:
      - login: carol
        tokens: ["carol-token"]
        sipusers:
          - {id: 1, login: sip1, phonenumber: "11", password: "secret5"}
`;

export function testConfig(patch?: (yaml: string) => string): Config {
  return parseConfig(patch ? patch(testConfigYaml) : testConfigYaml);
}

export const TOKENS = { alice: 'alice-token', bob: 'bob-token-1', carol: 'carol-token' } as const;
export type Who = keyof typeof TOKENS;

/** One side of a synthetic call: its URI, and the account behind it if it is one of the config's. */
export interface Party {
  uri: string;
  participant?: Participant;
}

const accounts: Record<string, { domain: string; id: number; login: string; phonenumber: string }> = {
  sip1: { domain: DOMAIN, id: 1, login: 'sip1', phonenumber: '11' },
  sip2: { domain: DOMAIN, id: 2, login: 'sip2', phonenumber: '12' },
  sip3: { domain: DOMAIN, id: 3, login: 'sip3', phonenumber: '13' },
  sip4: { domain: DOMAIN, id: 4, login: 'sip4', phonenumber: '14' },
  carol: { domain: OTHER, id: 1, login: 'sip1', phonenumber: '11' },
};

/** An account of the test config; `asNumber` puts its phone number in the URI instead of its login. */
export function acct(name: keyof typeof accounts, asNumber = false): Party {
  const a = accounts[name]!;
  return {
    uri: `<sip:${asNumber ? a.phonenumber : a.login}@${a.domain}>`,
    participant: { domain: a.domain, sipuserId: a.id, login: a.login, phonenumber: a.phonenumber },
  };
}

export const ext = (number: string, domain = DOMAIN): Party => ({ uri: `<sip:${number}@${domain}>` });
export const conf = (room: string, domain = DOMAIN): Party => ({ uri: `<sip:conf-${room}@${domain}>` });

export interface DialogSpec {
  /** 6 letters or digits: the dialog id is rDlg-001-<suffix>. */
  suffix: string;
  a: Party;
  /** One party per fork. */
  b: Party | Party[];
  status?: DialogStatus;
  startts?: number;
  opts?: DialogOpts;
}

/** A dialog shaped as the SIP node will store it (see the spec's dialog representation). */
export function makeDialog(spec: DialogSpec): StoredDialog {
  const forks = Array.isArray(spec.b) ? spec.b : [spec.b];
  const status = spec.status ?? 'dialog';
  const acallid = `${spec.suffix.toLowerCase()}-a@10.0.0.1`;
  const aLeg: Leg = { callid: acallid, expirets: 'undefined', localuri: forks[0]!.uri, remoteuri: spec.a.uri, side: 'a' };
  const bLegs: Leg[] = forks.map((p, i) => ({
    callid: `rB2-001-${spec.suffix}-${String(i + 1).padStart(2, '0')}-${acallid}`,
    expirets: status === 'forking' ? 30000 : 'undefined',
    localuri: spec.a.uri,
    remoteuri: p.uri,
    side: 'b',
  }));
  const legs = [aLeg, ...bLegs];
  return {
    dialog: {
      acallid,
      callids: [...bLegs.map((l) => l.callid), acallid],
      dialogid: `rDlg-001-${spec.suffix}`,
      esgdlg: '',
      esgcallid: '',
      inviteid: `00000000-0000-4000-8000-${spec.suffix.toLowerCase().padStart(12, '0')}`,
      status,
      legs,
      localuri: aLeg.localuri,
      remoteuri: aLeg.remoteuri,
      site: 'SITE1',
      startts: spec.startts ?? 1_700_000_000_000,
      uris: [...bLegs, aLeg].flatMap((l) => [l.localuri, l.remoteuri]),
      opts: spec.opts ?? {},
    },
    participants: [spec.a, ...forks].flatMap((p) => (p.participant ? [p.participant] : [])),
  };
}

export function makeStore(specs: DialogSpec[]): CallStore {
  const store = new CallStore();
  for (const s of specs) store.put(makeDialog(s));
  return store;
}

/**
 * The standard fixture. Alice sees A1, AB, CF, CL, A2, CX; Bob sees B1 and AB; Carol sees C1 only
 * (Alice has the same sipuser id in her own domain and must not see it).
 */
export const ids = {
  A1: 'rDlg-001-Alice1',
  B1: 'rDlg-001-BobOn1',
  AB: 'rDlg-001-AlBob1',
  C1: 'rDlg-001-Carol1',
  CF: 'rDlg-001-Conf01',
  CL: 'rDlg-001-Closng',
  A2: 'rDlg-001-Alice2',
  CX: 'rDlg-001-ConfX1',
} as const;

export function fixtureSpecs(): DialogSpec[] {
  return [
    { suffix: 'Alice1', a: acct('sip1'), b: ext('79001112233'), startts: 1000 },
    { suffix: 'BobOn1', a: acct('sip3'), b: ext('79004445566'), startts: 2000 },
    { suffix: 'AlBob1', a: acct('sip2'), b: [acct('sip4', true), acct('sip4', true)], status: 'forking', startts: 3000 },
    { suffix: 'Carol1', a: acct('carol'), b: ext('79007770000', OTHER), startts: 4000 },
    {
      suffix: 'Conf01',
      a: acct('sip1'),
      b: conf('12345678'),
      startts: 5000,
      opts: { 'referred-by': `<sip:sip2@${DOMAIN}>`, bindings: ['vip'] },
    },
    { suffix: 'Closng', a: acct('sip2'), b: ext('79001230000'), status: 'closing', startts: 6000 },
    { suffix: 'Alice2', a: acct('sip1'), b: ext('79007778899'), startts: 7000 },
    { suffix: 'ConfX1', a: acct('sip2'), b: conf('999', OTHER), startts: 8000 },
  ];
}

/** Ports that record what they were given and answer like a healthy engine. */
export function stubPorts() {
  const operations: OperationRequest[] = [];
  const calls: { method: keyof CallControlPort; args: unknown[] }[] = [];
  const ops: OperationsPort = {
    start: async (req) => {
      operations.push(req);
      const answer: OperationAnswer = { result: 'ok', ivrcallid: 'rIV-001-aaaaaaaaaaaaaaaaaaaaaaaaaaa' };
      return 'dialogid' in req ? { ...answer, dialogid: req.dialogid } : answer;
    },
  };
  const record =
    <R>(method: keyof CallControlPort, result: R) =>
    async (...args: unknown[]): Promise<R> => {
      calls.push({ method, args });
      return result;
    };
  const control: CallControlPort = {
    hangup: record('hangup', undefined),
    notify: record('notify', undefined),
    sendDtmf: record('sendDtmf', undefined),
    asr: record('asr', { text: 'hello world' }),
    record: record('record', { file: '/data/recordings/x.wav' }),
    bindings: record('bindings', undefined),
  };
  return { operations, calls, ops, control };
}

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', sink: (l) => lines.push(l) }), lines };
}

export function makeApp(deps: Partial<ApiDeps> = {}) {
  const store = deps.store ?? makeStore(fixtureSpecs());
  const app = createApiApp({ config: deps.config ?? testConfig(), store, logger: deps.logger ?? captureLogger().logger, ...deps });
  return { app, store };
}

export interface Call {
  who?: Who | null;
  token?: string;
  body?: unknown;
  /** Raw body text, sent as env.rawBody the way the HTTP front end does. */
  raw?: string | Uint8Array;
  query?: Record<string, string>;
  /** env.connection: requests with the same object came on one keep-alive connection. */
  connection?: object;
  /** Further request headers (Idempotency-Key, …). */
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  /** `error_code` when the answer is an error. */
  code: number | undefined;
  message: string;
}

/** Sends a request the way the front end does: method on the wire, body bytes in env.rawBody. */
export async function send(app: ReturnType<typeof createApiApp>, method: string, path: string, call: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...call.headers };
  const token = call.token ?? (call.who === null ? undefined : TOKENS[call.who ?? 'alice']);
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const qs = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
  const text = call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  const rawBody = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const env: ApiEnv = { ...(rawBody ? { rawBody } : {}), ...(call.connection ? { connection: call.connection } : {}) };
  const res = await app.fetch(new Request(`http://localhost${path}${qs}`, { method, headers }), env);
  const bodyText = await res.text();
  let body: unknown = bodyText;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // not JSON: keep the text, the test will say so
  }
  const err = body !== null && typeof body === 'object' && 'error_code' in body ? (body as { error_code: number; error_message: string }) : undefined;
  return { status: res.status, headers: res.headers, body, code: err?.error_code, message: err?.error_message ?? '' };
}

export const CALLS_PATH = '/rest/v1/user/sip/calls';
export const callPath = (id: string): string => `${CALLS_PATH}/${id}`;
