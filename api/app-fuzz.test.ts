// The whole API app under generated requests: any verb, path, token, query string, header and body
// (JSON of the spec's parameters with wrong types, JSON in query strings, broken JSON, bytes that
// are not UTF-8). Every answer is JSON in the spec's shape; a failure is an expected error (14xx, or
// 1503 where the SIP node or the engine is absent), never 1500, and nothing is logged as an error.
// The schemas have their own property tests (schemas.test.ts); this checks the routes, coercion and
// middleware around them. FUZZ_SEED=<n> runs another sequence.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorStatus } from './errors.ts';
import { callPath, CALLS_PATH, captureLogger, ids, makeApp, send, stubPorts } from './test-helpers.ts';

const VERBS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'LOOKUP', 'INVITE', 'REFER', 'REFERREPLACES', 'SWITCHCONF', 'REFERCONF', 'NOTIFY', 'SEND_DTMF', 'SETUP_ASR', 'SETUP_RECORD', 'SETUP_BINDINGS', 'lookup', 'X-CUSTOM'];
const PATHS = [CALLS_PATH, `${CALLS_PATH}/`, callPath(ids.A1), callPath(ids.B1), callPath('rDlg-001-nosuch'), callPath('rDlg-1-x'), callPath('%00%ff'), `${CALLS_PATH}/${ids.A1}/x`, '/rest/v1/user/sip/events', '/rest/v1/openapi.json', '/healthz', '/', '/rest/v1/user/sip/callsX'];
/** Parameter names of every route, a few near misses, and the LOOKUP keys. */
const KEYS = [
  'filter', 'mask', 'offset', 'limit', 'order', 'flat', 'countonly', 'from', 'to', 'mode', 'response_mode', 'callerid', 'callername', 'calltimeout', 'use_intercom',
  'binding', 'dialogid', 'inviteid', 'callid', 'uri', 'user', 'user_mode', 'sipuserid', 'login', 'phonenumber', 'side', 'referto', 'masterby', 'slaveby', 'by',
  'referconfid', 'event', 'cmd', 'layer', 'digits', 'value', 'key', 'x', '__proto__', 'constructor',
];
/** Per parameter, values that pass and values just beside them: random text alone rarely gets past a schema. */
const PLAUSIBLE: Record<string, string[]> = {
  filter: ['{"status":"dialog"}', '{"status":{"$in":["dialog","forking"]}}', '{"legs.side":"a"}', '{"opts.bindings":"vip"}', '{}', '{"x":1}', '{"status":', '[]', '{"status":{"$gt":1}}'],
  mask: ['dialogid,status', 'legs', 'dialogid,x', '', 'legs.side', ',,'],
  offset: ['0', '1', '5', '-1', '1.5', 'x'],
  limit: ['1', '100', '1000', '1001', '0', ''],
  order: ['startts', '-startts', 'dialogid', '-status', 'legs', 'x', '--startts'],
  flat: ['true', 'false', '1', '0', 'yes'],
  countonly: ['true', 'false', '1', 'no'],
  from: ['11', '12', '13', 'sip1', 'sip3', '99', '<sip:11@test.rootdomain.ru>', '1'],
  to: ['13', '14', '11', '*99123', '*8813', 'a b', ''],
  mode: ['number', 'login', 'sipuserid', 'uri', 'x'],
  response_mode: ['0', '4', '5', '6', '-1', '2.5'],
  callerid: ['100', '+7 999', '#1*'],
  calltimeout: ['1', '30', '600', '601', '0'],
  use_intercom: ['true', 'false', 'maybe'],
  binding: ['vip', '', 'x'.repeat(200)],
  dialogid: [ids.A1, ids.B1, 'rDlg-001-nosuch', 'rDlg-1-x'],
  side: ['a', 'b', 'c'],
  referto: ['13', '*99123', '', 'sip:13@test.rootdomain.ru'],
  masterby: ['{"side":"a"}', '{"callid":"x"}', '{}'],
  slaveby: ['{"side":"b"}', '{}'],
  by: ['{"side":"a"}', '{"side":"z"}'],
  event: ['talk', 'hold', 'check-sync', 'bad event'],
  cmd: ['start', 'stop', 'pause'],
  layer: ['a', 'b', 'mix', 'x'],
  digits: ['123#', '*0', 'abc', ''],
  user_mode: ['any', 'number', 'login', 'x'],
  user: ['sip1', '11', 'nobody'],
  sipuserid: ['1', '3', 'x'],
  phonenumber: ['11', '13', '0'],
  login: ['sip1', 'sip3', ''],
  uri: ['<sip:11@test.rootdomain.ru>', 'sip:13@test.rootdomain.ru', '<>'],
};
/** Values that hit the coercions: numbers and booleans as text, JSON fragments, ids, and junk. */
const textValue = fc.oneof(
  fc.constantFrom('', '0', '-1', '1e3', '99999999999999999999', 'true', 'null', '[]', '{}', '{"status":', ids.A1, '11', 'a', '\u0000'),
  fc.string({ maxLength: 20 }),
);
const valueFor = (key: string): fc.Arbitrary<string> => {
  const plausible = Object.hasOwn(PLAUSIBLE, key) ? PLAUSIBLE[key] : undefined; // '__proto__' is a key too
  return plausible ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...plausible) }, { weight: 1, arbitrary: textValue }) : textValue;
};
/** The JSON of a plausible value where it is JSON (numbers, booleans, objects), else the text itself. */
const asJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};
/** Parameters as a query string's text, or as a JSON body's values (mostly typed, sometimes text). */
const params = (json: boolean, pool: readonly string[]): fc.Arbitrary<Record<string, unknown>> =>
  fc.uniqueArray(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: fc.constantFrom(...KEYS) }), { maxLength: 5 }).chain((keys) =>
    fc.tuple(...keys.map((k) => (json ? fc.oneof({ weight: 3, arbitrary: valueFor(k).map(asJson) }, { weight: 1, arbitrary: jsonValue }) : valueFor(k)))).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]]))),
  );
const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    textValue,
    fc.integer({ min: -5, max: 2_000 }),
    fc.double({ noNaN: false }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS, '$in', 'status'), tie('value'), { maxKeys: 3 }),
  ),
})).value;
const body = (pool: readonly string[]) => fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: params(true, pool).map((b) => ({ json: b })) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('{', '{"to":', 'null', '[1,2]', '"text"', '{"to":"13"}{"x":1}')).map((raw) => ({ raw })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ bytes })) },
);
const ONE = ['GET', 'DELETE', 'REFER', 'REFERREPLACES', 'SWITCHCONF', 'REFERCONF', 'NOTIFY', 'SEND_DTMF', 'SETUP_ASR', 'SETUP_RECORD', 'SETUP_BINDINGS'];
const DIALOG_PATHS = [callPath(ids.A1), callPath(ids.B1), callPath('rDlg-001-nosuch')];
/** The parameters each verb takes (by the spec), so a request mostly names its route's own. */
const ROUTE_KEYS: Record<string, string[]> = {
  GET: ['filter', 'mask', 'offset', 'limit', 'order', 'flat', 'countonly'],
  LOOKUP: ['dialogid', 'inviteid', 'callid', 'uri', 'user', 'user_mode', 'sipuserid', 'login', 'phonenumber'],
  POST: ['from', 'to', 'mode', 'response_mode', 'callerid', 'callername', 'calltimeout', 'use_intercom', 'binding'],
  INVITE: ['from', 'to', 'response_mode', 'binding', 'calltimeout'],
  REFER: ['referto', 'response_mode', 'by', 'binding'],
  REFERREPLACES: ['masterby', 'slaveby', 'response_mode', 'dialogid'],
  SWITCHCONF: ['referto', 'by', 'response_mode'],
  REFERCONF: ['referconfid', 'referto', 'by', 'response_mode'],
  NOTIFY: ['event', 'side', 'callid'],
  SEND_DTMF: ['digits', 'side', 'callid'],
  SETUP_ASR: ['cmd', 'layer', 'side', 'callid'],
  SETUP_RECORD: ['cmd', 'layer', 'side', 'callid'],
  SETUP_BINDINGS: ['cmd', 'value', 'key', 'binding'],
  DELETE: [],
};
/** Mostly routes that exist, so requests get past routing and the token to the parameters. */
const target = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom('GET', 'LOOKUP', 'POST', 'INVITE'), fc.constant(CALLS_PATH)) },
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ONE), fc.constantFrom(...DIALOG_PATHS)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...VERBS), fc.constantFrom(...PATHS)) },
);
const request = target.chain(([verb, path]) => {
  const pool = ROUTE_KEYS[verb]?.length ? ROUTE_KEYS[verb] : KEYS;
  return fc.record({
    target: fc.constant([verb, path] as const),
    who: fc.constantFrom<'alice' | 'bob' | 'carol' | 'none' | 'bad'>('alice', 'alice', 'alice', 'alice', 'alice', 'alice', 'bob', 'bob', 'carol', 'none', 'bad'),
    query: params(false, pool) as fc.Arbitrary<Record<string, string>>,
    body: body(pool),
    headers: fc.oneof(
      { weight: 3, arbitrary: fc.constant({}) },
      {
        weight: 1,
        arbitrary: fc.dictionary(
          fc.constantFrom('content-type', 'idempotency-key', 'x-http-method-override', 'accept'),
          fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', 'text/event-stream', 'LOOKUP', 'DELETE', 'k1', '', 'x'.repeat(300)),
          { maxKeys: 2 },
        ),
      },
    ),
  });
});

const EXPECTED = new Set<number>(Object.keys(errorStatus).map(Number).filter((c) => c !== 1500));

describe('the API app under generated requests', () => {
  it('answers every request in the spec\'s shape: 2xx, or an expected 14xx/1503 with a message, never 1500; nothing logged as an error', async () => {
    const { logger, lines } = captureLogger();
    const { control, ops } = stubPorts();
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom(false, false, false, true), async (r, engineDown) => {
        // An API-only process without a SIP node or engine answers their routes 1503.
        const { app } = makeApp({ logger, ...(engineDown ? {} : { calls: control, operations: ops }) });
        const token = r.who === 'none' ? null : r.who === 'bad' ? 'nobody' : r.who;
        const call = {
          ...(token === null ? { who: null } : token === 'nobody' ? { token: 'nobody' } : { who: token }),
          query: r.query,
          headers: r.headers,
          ...(r.body === undefined ? {} : 'json' in r.body ? { body: r.body.json } : 'raw' in r.body ? { raw: r.body.raw } : { raw: r.body.bytes }),
        };
        const [verb, path] = r.target;
        const a = await send(app, verb, path, call);
        const where = `${verb} ${path} ${JSON.stringify(call)} → ${a.status} ${JSON.stringify(a.body)}`;
        if (a.status === 101 || (path.endsWith('/events') && a.status === 200)) return; // an event stream opened
        if (verb === 'HEAD') return; // no body by definition
        if (a.status < 300) {
          expect(typeof a.body, where).toBe('object');
          return;
        }
        expect(a.code, where).toBeDefined();
        expect(EXPECTED.has(a.code!), where).toBe(true);
        expect(a.status, where).toBe(errorStatus[a.code as keyof typeof errorStatus]);
        expect(a.message.length, where).toBeGreaterThan(0);
      }),
      { numRuns: 1_500, seed: Number(process.env.FUZZ_SEED ?? 20261129) },
    );
    expect(lines.filter((l) => / error /.test(l.slice(0, 40)))).toEqual([]);
  }, 60_000); // ~4 s alone; much more beside the other unit files on a busy machine
});
