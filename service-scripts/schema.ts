// The shape of a service script document (YAML or JSON). Objects are strict, so a misspelt field
// (`timout:`) is an error instead of a silently ignored line. Cross-references between steps are
// checked afterwards in validate.ts, where the whole document is in view.
import { z } from 'zod';

const IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;

const stepId = z.string().regex(IDENT, { error: 'a step id is a letter then letters, digits or "_"' });
const legName = z.string().regex(IDENT, { error: 'a leg name is a letter then letters, digits or "_"' });
const paramName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'a parameter name is letters, digits or "_"' });
/** Any text with `${params.x}` / `${vars.y}` placeholders; placeholders are checked in validate.ts. */
const expr = z.string();
/** Seconds: a number, or one `${params.x}` naming a number parameter (checked in validate.ts). */
const seconds = z.union([z.number().positive({ error: 'seconds must be more than 0' }).max(86_400, { error: 'seconds must be at most 86400' }), z.string()], {
  error: 'expected seconds (a number up to 86400) or "${params.NAME}"',
});
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'not a SIP header name' });
const description = z.string().optional();

export const paramTypes = ['string', 'number', 'boolean'] as const;

export const paramDeclSchema = z.union(
  [
    z.enum(paramTypes),
    z.strictObject({
      type: z.enum(paramTypes),
      default: z.union([z.string(), z.number(), z.boolean()]).optional(),
      description,
    }),
  ],
  { error: 'a parameter is "string", "number", "boolean" or {type, default?, description?}' },
);

/** Outgoing call / dial-up: the seed's "Outgoing call" and "Dial-up with Replaces and Referred-By". */
const callStep = z.strictObject({
  type: z.literal('call'),
  description,
  leg: legName.optional(),
  to: expr,
  callerid: expr.optional(),
  callername: expr.optional(),
  timeout: seconds.default(30),
  replaces: expr.optional(),
  referredBy: expr.optional(),
  headers: z.record(headerName, expr).optional(),
  sdpFrom: legName.optional(),
  reports: z.enum(['service', 'target', 'none']).default('service'),
  on: z.strictObject({
    answered: stepId,
    failed: stepId,
    busy: stepId.optional(),
    timeout: stepId.optional(),
    bye: stepId.optional(),
  }),
});

const transferExits = z.strictObject({
  accepted: stepId.optional(),
  progress: stepId.optional(),
  rejected: stepId.optional(),
  succeeded: stepId,
  failed: stepId,
  unknown: stepId,
});

const transferCommon = {
  description,
  leg: legName.optional(),
  notifyTimeout: seconds.default(10),
  finalTimeout: seconds.default(120),
  reports: z.enum(['target', 'none']).default('target'),
  on: transferExits,
};

/** "Transfer to number": REFER the leg's device to a number. */
const transferStep = z.strictObject({ type: z.literal('transfer'), target: expr, ...transferCommon });

/** "Transfer with substitution": REFER with Replaces of another dialog's leg (attended transfer). */
const transferReplaceStep = z.strictObject({
  type: z.literal('transferReplace'),
  target: expr,
  replaces: expr,
  ...transferCommon,
});

const dtmfStep = z.strictObject({
  type: z.literal('dtmf'),
  description,
  leg: legName.optional(),
  dialog: expr.optional(),
  side: z.enum(['a', 'b']).optional(),
  digits: expr,
  proto: z.enum(['rfc2833', 'sipinfo']).default('rfc2833'),
  next: stepId,
});

const waitStep = z.strictObject({ type: z.literal('wait'), description, seconds, next: stepId });

const hangupStep = z.strictObject({
  type: z.literal('hangup'),
  description,
  legs: z.array(legName).min(1, { error: 'name at least one leg' }),
  next: stepId,
});

/** RFC 3725 third-party call control: bridge two answered legs into one dialog. */
const joinStep = z.strictObject({
  type: z.literal('join'),
  description,
  legs: z.tuple([legName, legName], { error: 'join takes exactly two legs: [a, b]' }),
  on: z.strictObject({ joined: stepId, failed: stepId }),
});

const branchStep = z.strictObject({ type: z.literal('branch'), description, if: expr, then: stepId, else: stepId });

export const results = ['ok', 'rejected', 'bye', 'timeout', 'error', 'unknown'] as const;

const endStep = z.strictObject({ type: z.literal('end'), description, result: z.enum(results).optional() });

export const stepSchema = z.discriminatedUnion(
  'type',
  [callStep, transferStep, transferReplaceStep, dtmfStep, waitStep, hangupStep, joinStep, branchStep, endStep],
  { error: 'type must be one of call, transfer, transferReplace, dtmf, wait, hangup, join, branch, end' },
);

export const scriptSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, { error: 'a script name is lower-case letters, digits and "-"' }),
  description,
  params: z.record(paramName, paramDeclSchema).default({}),
  start: stepId,
  steps: z.record(stepId, stepSchema).refine((s) => Object.keys(s).length > 0, { error: 'a script needs steps' }),
});

export type ScriptDoc = z.output<typeof scriptSchema>;
export type Step = z.output<typeof stepSchema>;
export type CallStep = z.output<typeof callStep>;
export type TransferStep = z.output<typeof transferStep>;
export type TransferReplaceStep = z.output<typeof transferReplaceStep>;
export type DtmfStep = z.output<typeof dtmfStep>;
export type WaitStep = z.output<typeof waitStep>;
export type HangupStep = z.output<typeof hangupStep>;
export type JoinStep = z.output<typeof joinStep>;
export type BranchStep = z.output<typeof branchStep>;
export type EndStep = z.output<typeof endStep>;
export type ParamDeclInput = z.output<typeof paramDeclSchema>;
