// Bodies of the operations: POST and INVITE (click-to-call), REFER, REFERREPLACES, SWITCHCONF,
// REFERCONF. Unknown fields are dropped (forward compatibility), never an error.
import { z } from 'zod';
import { binding, by, dialString, intRange, msg, numberish, bool, responseMode, confIdPattern } from './params.ts';
import { lookupShape } from './schema-query.ts';

export const clickToCallModes = ['number', 'login', 'sipuserid', 'uri'] as const;
export type ClickToCallMode = (typeof clickToCallModes)[number];

/** What `from` must look like in each `mode`. */
const fromFormats: Record<ClickToCallMode, { re: RegExp; what: string }> = {
  number: { re: /^[0-9]+$/, what: 'a phone number (digits)' },
  login: { re: /^[A-Za-z0-9._~-]+$/, what: 'a SIP login' },
  sipuserid: { re: /^[1-9][0-9]{0,15}$/, what: 'a sipuser id (a positive integer)' },
  uri: { re: /^<?sips?:[^@\s<>]+@[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:;[^\s<>]*)?>?$/i, what: 'a SIP URI, e.g. sip:sip1@example.org' },
};

export const clickToCallSchema = z
  .object({
    mode: z.enum(clickToCallModes, msg(`must be one of ${clickToCallModes.join(', ')}`)).default('number'),
    from: numberish(/^\S+$/, 'a phone number, login, sipuser id or URI (see mode)', 256),
    to: dialString(),
    callerid: numberish(/^[A-Za-z0-9*#+._~-]+$/, 'a number or SIP user part (letters, digits, * # + . _ ~ -)').default('100'),
    callername: z
      .string(msg('must be a string'))
      .max(64, 'must be at most 64 characters')
      .regex(/^[^\x00-\x1f\x7f]*$/, 'must not contain control characters')
      .default('callmanager'),
    calltimeout: intRange(1, 600).default(30),
    binding: binding(),
    response_mode: responseMode(),
    use_intercom: bool().default(false),
  })
  .superRefine((v, ctx) => {
    // Refinements also run after field errors: look only at values that passed.
    const f = fromFormats[v.mode] as (typeof fromFormats)[ClickToCallMode] | undefined;
    if (f && typeof v.from === 'string' && !f.re.test(v.from)) ctx.addIssue({ code: 'custom', path: ['from'], message: `must be ${f.what} with mode "${v.mode}"` });
  });
export type ClickToCallInput = z.output<typeof clickToCallSchema>;

export const referSchema = z.object({
  by: by(),
  referto: dialString(),
  response_mode: responseMode(),
  binding: binding(),
});
export type ReferInput = z.output<typeof referSchema>;

export const referReplacesSchema = z.object({
  masterby: by(),
  slaveby: by(),
  ...lookupShape('slave'),
  response_mode: responseMode(),
  binding: binding(),
});
export type ReferReplacesInput = z.output<typeof referReplacesSchema>;

export const switchConfSchema = z.object({
  referto: numberish(/^[0-9*#]+$/, 'a conference number with its feature-code prefix (digits, * or #)').optional(),
  by: numberish(/^[A-Za-z0-9._~-]+$/, 'a number or login of this domain').optional(),
  response_mode: responseMode(),
  binding: binding(),
});
export type SwitchConfInput = z.output<typeof switchConfSchema>;

export const referConfSchema = z.object({
  by: by(),
  ...lookupShape('refer'),
  referconfid: z
    .string(msg('must be a conference id, rCF-<node>-<6 letters or digits>'))
    .regex(confIdPattern, 'must be a conference id, rCF-<node>-<6 letters or digits>')
    .optional(),
  response_mode: responseMode(),
  binding: binding(),
});
export type ReferConfInput = z.output<typeof referConfSchema>;
