// The OpenAPI 3.1 document of the API, generated from the route schemas (api/schema-*.ts, through
// z.toJSONSchema) plus the path and answer metadata below. Served at GET /rest/v1/openapi.json
// without a token; `npx tsx api/openapi-write.ts` writes the same document to docs/openapi.json, and
// a test keeps the two equal.
//
// OpenAPI 3.1 knows only the standard methods. Each extension verb (LOOKUP, INVITE, REFER, …) is
// described as the POST with `X-HTTP-Method-Override: <VERB>` that the server also takes, under the
// path key `<path>#<VERB>`: a fragment is never sent, so the key names the same URL while keeping
// the operations apart. `x-http-method` gives the real verb.
import { readFileSync } from 'node:fs';
import type { Context } from 'hono';
import { z } from 'zod';
import { errorStatus, JSON_TYPE } from './errors.ts';
import { CALL, CALLS, EVENTS, HEALTHZ, OPENAPI, type RouteDef } from './routes.ts';
import * as answers from './schema-answers.ts';
import { bindingsSchema } from './schema-bindings.ts';
import { asrSchema, notifySchema, recordSchema, sendDtmfSchema } from './schema-control.ts';
import { asrEventMessageSchema, callEventMessageSchema, eventMessageSchema, overflowMessageSchema } from './schema-events.ts';
import { clickToCallSchema, referConfSchema, referReplacesSchema, referSchema, switchConfSchema } from './schema-operations.ts';
import { filterValueSchema, getParamsSchema, listParamsSchema, lookupParamsSchema, orderFields } from './schema-query.ts';

type Json = Record<string, unknown>;

/** A route schema as JSON Schema (2020-12, the dialect of OpenAPI 3.1), without its $schema line. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

/** Adds descriptions to the properties of a generated object schema. */
function described(schema: Json, descriptions: Record<string, string>): Json {
  const props = schema.properties as Record<string, Json> | undefined;
  for (const [name, text] of Object.entries(descriptions)) {
    const p = props?.[name];
    if (!p) throw new Error(`openapi: no property ${name} to describe`);
    p.description = text;
  }
  return schema;
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

// ---- descriptions of request fields (the spec's words) --------------------------------------------

const lookupText: Record<string, string> = {
  dialogid: 'Priority 1: a dialog id.',
  inviteid: 'Priority 2: the invite id of the call.',
  callid: "Priority 3: any leg's Call-ID.",
  uri: "Priority 4: any leg's local or remote URI, with or without <>.",
  user: 'Priority 5: a phone number or SIP login of your domain (see user_mode).',
  sipuserid: 'Priority 6: a sipuser id of your domain.',
  login: 'Priority 7: a SIP login of your domain.',
  phonenumber: 'Priority 8: a phone number of your domain.',
  user_mode: 'How `user` is read: any (default), number, login.',
};
const prefixed = (prefix: string, what: string): Record<string, string> =>
  Object.fromEntries(Object.entries(lookupText).map(([k, v]) => [prefix + k, `${what} ${v}`]));

const responseMode = 'The checkpoint to answer at: 0 accepted, 1 first response of the service call, 2 service call answered or failed (default), 3 target call ringing, 4 target call answered or failed, 5 operation over.';
const binding = 'A label attached to the new call(s), as SETUP_BINDINGS would.';
const dial = "A number to call; a ' or , starts DTMF to dial after the answer, every further one is a one-second pause.";
const legTarget = { callid: 'The leg (its Call-ID); wins over side.', side: 'Every leg of this side (a or b).' };

/** What refinements say and JSON Schema cannot take from them: filter values and order names. */
function listParams(): Json {
  const schema = jsonSchema(listParamsSchema, 'input');
  const props = schema.properties as Record<string, Json>;
  props.filter = { ...props.filter, additionalProperties: jsonSchema(filterValueSchema, 'input') };
  props.order = { ...props.order, enum: [...orderFields, ...orderFields.map((f) => `-${f}`)] };
  return schema;
}

function requestSchemas(): Record<string, Json> {
  return {
    ListParams: described(listParams(), {
      filter: 'JSON object: keys are dialog fields, dotted for nested ones (legs.side, opts.bindings); a value is a scalar to match, or {"$in": [values]}. Keys are ANDed; null matches an absent field.',
      mask: 'Fields to return, comma-separated (an array in a JSON body). Unknown names are ignored.',
      offset: 'Dialogs to skip.',
      limit: 'Dialogs to return.',
      order: 'A scalar field to sort by, - in front for descending. Ties are broken by dialogid.',
      flat: 'Composite values become dotted keys: legs.0.callid, opts.referred-by.',
      countonly: 'Answer {"count": N} only (offset and limit ignored).',
    }),
    GetParams: described(jsonSchema(getParamsSchema, 'input'), {
      mask: 'Fields to return, comma-separated (an array in a JSON body).',
      flat: 'Composite values become dotted keys.',
    }),
    LookupParams: described(jsonSchema(lookupParamsSchema, 'input'), lookupText),
    ClickToCallBody: described(jsonSchema(clickToCallSchema, 'input'), {
      mode: 'How `from` names X: number (default), login, sipuserid, uri.',
      from: 'X: one of your own SIP accounts (else 1403).',
      to: `Y. ${dial}`,
      callerid: 'Shown to X.',
      callername: 'Shown to X.',
      calltimeout: 'Seconds to wait for an answer.',
      binding,
      response_mode: responseMode,
      use_intercom: "Ask X's device to answer at once (through the domain's intercom feature code).",
    }),
    ReferBody: described(jsonSchema(referSchema, 'input'), {
      by: "The side that transfers: a, b, a leg's Call-ID, or a party's URI, number or login. The party across is moved.",
      referto: `Z. ${dial}`,
      response_mode: responseMode,
      binding,
    }),
    ReferReplacesBody: described(jsonSchema(referReplacesSchema, 'input'), {
      masterby: 'The side of this (master) dialog that transfers.',
      slaveby: 'The side of the slave dialog whose opposite is replaced.',
      ...prefixed('slave', 'The slave dialog.'),
      response_mode: responseMode,
      binding,
    }),
    SwitchConfBody: described(jsonSchema(switchConfSchema, 'input'), {
      referto: "The conference number with its feature-code prefix; default: a random 8-digit room behind the domain's first conf code.",
      by: "A number or login of your domain on whose behalf both parties are moved; default your first account's number.",
      response_mode: responseMode,
      binding,
    }),
    ReferConfBody: described(jsonSchema(referConfSchema, 'input'), {
      by: 'The side that transfers; the opposite party is moved into the conference.',
      ...prefixed('refer', 'A dialog with the target conference as a participant.'),
      referconfid: 'The conference id (rCF-<node>-<6>), when no refer… dialog key is given.',
      response_mode: responseMode,
      binding,
    }),
    NotifyBody: described(jsonSchema(notifySchema, 'input'), {
      ...legTarget,
      event: 'talk, hold, conference, or another event token the device listed in Allow-Events.',
    }),
    SendDtmfBody: described(jsonSchema(sendDtmfSchema, 'input'), {
      ...legTarget,
      opposite: 'Send to the other party relative to callid/side.',
      proto: 'rfc2833 (RFC 4733 RTP events, default) or sipinfo (INFO application/dtmf-relay).',
      dtmf: "0-9 * # A-D; ' and , are one-second pauses.",
    }),
    AsrBody: described(jsonSchema(asrSchema, 'input'), {
      cmd: 'start (default) or stop.',
      layer: 'The recognition layer; starting an existing layer replaces it.',
      ...legTarget,
      opposite: 'Recognise the other party relative to callid/side.',
      wait: 'stop only: answer after the last words are recognised, with their text.',
    }),
    RecordBody: described(jsonSchema(recordSchema, 'input'), {
      cmd: 'start (default) or stop.',
      layer: 'The recording layer.',
      callid: 'The leg to record; none: both sides, one channel each.',
      side: 'The side to record.',
    }),
    BindingsBody: described(jsonSchema(bindingsSchema, 'input'), {
      command: 'add, remove, set ([] clears), clear, list.',
      label: 'A label or an array of labels.',
    }),
  };
}

function answerSchemas(): Record<string, Json> {
  const out = (s: z.ZodType) => jsonSchema(s, 'output');
  return {
    Error: { ...out(answers.errorSchema), description: 'Every error answer. The codes: see the API description.' },
    Dialog: { ...out(answers.dialogSchema), description: 'A dialog as GET returns it without mask and flat.' },
    DialogView: {
      description: 'A dialog; with `mask`, only the fields asked for (in this order); with `flat`, every nested value as a dotted key (legs.0.callid).',
      anyOf: [ref('Dialog'), { type: 'object', additionalProperties: true }],
    },
    Count: out(answers.countSchema),
    DialogIds: out(answers.dialogIdsSchema),
    DialogIdAnswer: out(answers.dialogIdAnswerSchema),
    ClickToCallAnswer: out(answers.clickToCallAnswerSchema),
    TransferAnswer: out(answers.transferAnswerSchema),
    ReferReplacesAnswer: out(answers.referReplacesAnswerSchema),
    SwitchConfAnswer: out(answers.switchConfAnswerSchema),
    AsrAnswer: out(answers.asrAnswerSchema),
    RecordAnswer: out(answers.recordAnswerSchema),
    BindingsAnswer: out(answers.bindingsAnswerSchema),
    Health: out(answers.healthSchema),
    CallEventMessage: out(callEventMessageSchema),
    AsrEventMessage: out(asrEventMessageSchema),
    OverflowMessage: out(overflowMessageSchema),
    EventMessage: { ...out(eventMessageSchema), description: 'One WebSocket text message, or the data: line of one SSE event.' },
  };
}

// ---- errors ---------------------------------------------------------------------------------------

const codeMeaning: Record<keyof typeof errorStatus, string> = {
  1400: 'invalid parameter (missing, wrong type, out of range, unknown enum value); also a body over the size limit (HTTP 413)',
  1401: 'not authenticated',
  1403: 'the authorized user may not act as the given initiator (POST/INVITE `from`)',
  1404: 'no such resource (unknown path; our code, not the spec\'s)',
  1405: 'method not allowed on this path (the Allow header lists the verbs)',
  1409: "not allowed in the dialog's state",
  1413: 'Dialog not found (also a dialog you may not see: existence is never revealed)',
  1415: 'body is not a JSON object',
  1429: 'too many requests (in the model; no limit enforced yet)',
  1500: 'internal error',
  1503: 'a subsystem is not available (operations engine, SIP node, ASR, event stream)',
};

const codesTable = [
  '| code | HTTP | meaning |',
  '|---|---|---|',
  ...Object.entries(errorStatus).map(([code, status]) => `| ${code} | ${status} | ${codeMeaning[Number(code) as keyof typeof errorStatus]} |`),
].join('\n');

function errorResponses(): Record<string, Json> {
  const byStatus = new Map<number, string[]>();
  for (const [code, status] of Object.entries(errorStatus)) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  const out: Record<string, Json> = {};
  for (const [status, codes] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    out[`E${status}`] = {
      description: codes.map((c) => `${c}: ${codeMeaning[Number(c) as keyof typeof errorStatus]}`).join('; '),
      content: { 'application/json': { schema: ref('Error') } },
    };
  }
  return out;
}

// ---- operations -----------------------------------------------------------------------------------

interface Op {
  verb: string;
  path: string;
  id: string;
  tag: string;
  summary: string;
  description?: string;
  /** Query parameters (GET), from a request schema. */
  query?: string;
  body?: string;
  answer: string | Json;
  errors: number[];
  public?: boolean;
}

const standard = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE']);
const op = (o: Op): Op => o;
const dialogOps = (errors: number[]) => [...errors, 404, 415];

const operations: Op[] = [
  op({ verb: 'GET', path: CALLS, id: 'listCalls', tag: 'calls', summary: 'List your active calls', query: 'ListParams', answer: { oneOf: [{ type: 'array', items: ref('DialogView') }, ref('Count')] }, errors: [400, 415], description: 'Parameters come from the query string or a JSON body (the body wins). Answer: an array of dialogs, or {"count": N} with countonly.' }),
  op({ verb: 'LOOKUP', path: CALLS, id: 'lookupCalls', tag: 'calls', summary: 'Find dialog ids', body: 'LookupParams', answer: 'DialogIds', errors: [400, 415], description: 'The first key present wins, in the priority order of the fields. Parameters may also come in the query string. Answer: the ids of matching dialogs you may see, oldest first (possibly none).' }),
  op({ verb: 'POST', path: CALLS, id: 'clickToCallRefer', tag: 'operations', summary: 'Click-to-call through REFER', body: 'ClickToCallBody', answer: 'ClickToCallAnswer', errors: [400, 403, 415, 503], description: 'The service call rings X; when X answers it is REFERred to Y, and X calls Y through the server.' }),
  op({ verb: 'INVITE', path: CALLS, id: 'clickToCallInvite', tag: 'operations', summary: 'Click-to-call without REFER (3PCC)', body: 'ClickToCallBody', answer: 'ClickToCallAnswer', errors: [400, 403, 415, 503], description: 'The server calls X, then Y, and joins the two legs (RFC 3725), for devices that do not take REFER.' }),
  op({ verb: 'GET', path: CALL, id: 'getCall', tag: 'calls', summary: 'One dialog', query: 'GetParams', answer: 'DialogView', errors: dialogOps([400]) }),
  op({ verb: 'DELETE', path: CALL, id: 'hangupCall', tag: 'control', summary: 'End a call', answer: 'DialogIdAnswer', errors: dialogOps([503]), description: 'BYE to every answered leg, CANCEL to every ringing fork.' }),
  op({ verb: 'REFER', path: CALL, id: 'blindTransfer', tag: 'operations', summary: 'Blind transfer', body: 'ReferBody', answer: 'TransferAnswer', errors: dialogOps([400, 409, 503]) }),
  op({ verb: 'REFERREPLACES', path: CALL, id: 'attendedTransfer', tag: 'operations', summary: 'Attended transfer', body: 'ReferReplacesBody', answer: 'ReferReplacesAnswer', errors: dialogOps([400, 409, 503]) }),
  op({ verb: 'SWITCHCONF', path: CALL, id: 'switchToConference', tag: 'operations', summary: 'Turn the call into a conference', body: 'SwitchConfBody', answer: 'SwitchConfAnswer', errors: dialogOps([400, 409, 503]) }),
  op({ verb: 'REFERCONF', path: CALL, id: 'referToConference', tag: 'operations', summary: 'Move a party into an existing conference', body: 'ReferConfBody', answer: 'TransferAnswer', errors: dialogOps([400, 409, 503]) }),
  op({ verb: 'NOTIFY', path: CALL, id: 'notifyDevice', tag: 'control', summary: "Control a party's device (talk, hold, conference)", body: 'NotifyBody', answer: 'DialogIdAnswer', errors: dialogOps([400, 409, 503]) }),
  op({ verb: 'SEND_DTMF', path: CALL, id: 'sendDtmf', tag: 'control', summary: 'Send DTMF to a leg', body: 'SendDtmfBody', answer: 'DialogIdAnswer', errors: dialogOps([400, 409, 503]) }),
  op({ verb: 'SETUP_ASR', path: CALL, id: 'setupAsr', tag: 'control', summary: 'Start or stop live speech to text', body: 'AsrBody', answer: 'AsrAnswer', errors: dialogOps([400, 409, 503]), description: 'Results stream as `asr` events on /rest/v1/user/sip/events.' }),
  op({ verb: 'SETUP_RECORD', path: CALL, id: 'setupRecord', tag: 'control', summary: 'Start or stop a recording', body: 'RecordBody', answer: 'RecordAnswer', errors: dialogOps([400, 409, 503]) }),
  op({ verb: 'SETUP_BINDINGS', path: CALL, id: 'setupBindings', tag: 'control', summary: "Labels on a dialog", body: 'BindingsBody', answer: 'BindingsAnswer', errors: dialogOps([400]) }),
  op({ verb: 'GET', path: HEALTHZ, id: 'health', tag: 'service', summary: 'Health check (no token)', answer: 'Health', errors: [], public: true }),
  op({ verb: 'GET', path: OPENAPI, id: 'openapi', tag: 'service', summary: 'This document (no token)', answer: { type: 'object', description: 'The OpenAPI 3.1 document.' }, errors: [], public: true }),
];

const eventsDescription = `Call events (start, ring, answer, transfer, end) and ASR results of the dialogs you may see, as they happen. Two forms on this one path:

- **Server-Sent Events**: GET with \`Accept: text/event-stream\`. The stream opens with the comment \`: connected\`; each event is \`id: <n>\\nevent: <type>\\ndata: <json>\\n\\n\` (ids count up from 1 per stream; there is no replay, Last-Event-ID is ignored); a \`: heartbeat\` comment comes every 15 s while the stream is idle. Without that Accept value: 1400.
- **WebSocket** (RFC 6455): GET with \`Upgrade: websocket\`. Each event is one JSON text message. Pings every 15 s; a client that does not answer one by the next is disconnected.

Either form authenticates with \`Authorization: Bearer <token>\`, or, for browsers that cannot set it (WebSocket, EventSource), with \`?access_token=<token>\` (the header wins when both are given; a token in a URL may end up in proxy logs, so prefer the header). Unauthorized WebSocket upgrades get a plain HTTP 401 in the error shape and the connection is closed.

Messages: see EventMessage. \`participants\` are never sent. A client that falls behind (1000 events or 1 MiB waiting for it) gets one last message \`{"type":"overflow","dropped":N}\` (SSE: \`event: overflow\`) and is disconnected (WebSocket close 1008); the calls never wait for a client. Without a SIP node in the process (an API-only role): 1503.`;

function operationObject(o: Op, requests: Record<string, Json>): Json {
  const extension = !standard.has(o.verb);
  const parameters: Json[] = [];
  if (o.path === CALL) parameters.push({ $ref: '#/components/parameters/dialogid' });
  if (extension) {
    parameters.push({
      name: 'X-HTTP-Method-Override',
      in: 'header',
      required: true,
      description: `OpenAPI has no custom methods: send POST with this header, or ${o.verb} itself as the method.`,
      schema: { type: 'string', const: o.verb },
    });
  }
  if (o.query) parameters.push(...queryParameters(requests[o.query]!));
  const wire = extension
    ? `\n\nOn the wire the verb is a real HTTP method: \`curl -X ${o.verb} …${o.path.replace(':dialogid', '{dialogid}')}\`. OpenAPI 3.1 has no custom methods, so it is described here as POST with \`X-HTTP-Method-Override: ${o.verb}\`, which the server takes as well (x-http-method names the verb).`
    : '';
  const responses: Json = {
    '200': {
      description: 'OK',
      content: { 'application/json': { schema: typeof o.answer === 'string' ? ref(o.answer) : o.answer } },
    },
  };
  for (const status of [...new Set([...o.errors, ...(o.public ? [] : [401, 500])])].sort((a, b) => a - b)) responses[String(status)] = { $ref: `#/components/responses/E${status}` };
  const out: Json = {
    operationId: o.id,
    tags: [o.tag],
    summary: o.summary,
    ...(o.description || wire ? { description: `${o.description ?? ''}${wire}`.trim() } : {}),
    ...(extension ? { 'x-http-method': o.verb } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(o.body ? { requestBody: { required: false, content: { 'application/json': { schema: ref(o.body) } } } } : {}),
    responses,
    ...(o.public ? { security: [] } : {}),
  };
  return out;
}

/** GET reads its parameters from the query string: one query parameter per field of its schema. */
function queryParameters(schema: Json): Json[] {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(schema.properties as Record<string, Json>).map(([name, s]) => {
    const { description, ...rest } = s;
    const p: Json = { name, in: 'query', required: required.has(name), description };
    // A JSON value in the query string (filter) is described by its media type.
    if (rest.type === 'object') p.content = { 'application/json': { schema: rest } };
    else if (name === 'mask') p.schema = { type: 'string' };
    else p.schema = rest;
    return p;
  });
}

/** The path key of an operation: OpenAPI braces for parameters; `#VERB` for extension verbs. */
export function openApiPath(path: string, verb: string): string {
  const p = path.replace(/:([A-Za-z_]+)/g, '{$1}');
  return standard.has(verb) ? p : `${p}#${verb}`;
}

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function buildOpenApi(): Json {
  const requests = requestSchemas();
  const paths: Record<string, Json> = {};
  for (const o of operations) {
    const key = openApiPath(o.path, o.verb);
    paths[key] = { ...paths[key], [standard.has(o.verb) ? o.verb.toLowerCase() : 'post']: operationObject(o, requests) };
  }
  paths[EVENTS] = {
    get: {
      operationId: 'callEvents',
      tags: ['events'],
      summary: 'The call event stream (Server-Sent Events or WebSocket)',
      description: eventsDescription,
      security: [{ bearer: [] }, { accessToken: [] }],
      responses: {
        '101': { description: 'Switching Protocols: a WebSocket; each message is one EventMessage as JSON text.' },
        '200': {
          description: 'A Server-Sent Events stream; the data: line of each event is one EventMessage.',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
          'x-event-schema': ref('EventMessage'),
        },
        '400': { $ref: '#/components/responses/E400' },
        '401': { $ref: '#/components/responses/E401' },
        '500': { $ref: '#/components/responses/E500' },
        '503': { $ref: '#/components/responses/E503' },
      },
    },
  };

  const schemas = { ...answerSchemas(), ...requests };
  return {
    openapi: '3.1.0',
    info: {
      title: 'callctl calls API',
      version,
      description: `The active calls of the authorized user on a SIP B2BUA (PBX core): read, find and end them, transfer them, make conferences, and follow them as events.

**Verbs.** Every verb is a real HTTP method on the wire (\`curl -X SWITCHCONF …/calls/{dialogid} -d '{…}'\`). The same routes answer POST with \`X-HTTP-Method-Override: <VERB>\` for clients that cannot send other methods; this document describes the extension verbs that way (path keys \`<path>#<VERB>\`, a fragment that is never sent, with \`x-http-method\`).

**Bodies** are JSON objects; unknown fields are ignored. GET and LOOKUP also read the query string (the body wins).

**Who sees what.** A user sees a dialog when one of its participants is one of the user's SIP accounts; everything else is 1413, and lists leave it out.

**Errors**: the HTTP status plus {"error_code", "error_message"}:

${codesTable}

A path with no such verb answers 405/1405 with an Allow header.`,
    },
    servers: [{ url: 'http://127.0.0.1:8080', description: 'the demo config (config/demo.yaml)' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'calls', description: 'Reading and finding dialogs' },
      { name: 'operations', description: 'Long-running operations (durable workflows); response_mode picks when they answer' },
      { name: 'control', description: 'Acting on one dialog' },
      { name: 'events', description: 'The call event stream' },
      { name: 'service', description: 'No token needed' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token of your user in the config (users[].tokens).' },
        accessToken: { type: 'apiKey', in: 'query', name: 'access_token', description: 'The same token as a query parameter: the event stream only (browsers cannot set headers on WebSocket or EventSource).' },
      },
      parameters: {
        dialogid: { name: 'dialogid', in: 'path', required: true, schema: { type: 'string', pattern: '^rDlg-[0-9]{3}-[A-Za-z0-9]{6}$' }, description: 'The dialog; one you may not see answers 1413.' },
      },
      schemas,
      responses: errorResponses(),
    },
  };
}

let served: string | undefined;

/** GET /rest/v1/openapi.json: built once, on first request. */
export function openApiRoute(): RouteDef {
  return {
    method: 'GET',
    path: OPENAPI,
    handler: (c: Context) => c.body((served ??= JSON.stringify(buildOpenApi())), 200, { 'content-type': JSON_TYPE }),
  };
}
