// What the routes answer, as schemas: the OpenAPI document is generated from them. The type checks
// at the end tie each schema to the TypeScript type the code really returns (store/dialog.ts,
// api/ports.ts), so the document cannot drift from the code without the build failing.
import { z } from 'zod';
import type { Dialog } from '../store/dialog.ts';
import { errorStatus } from './errors.ts';
import { dialogIdPattern } from './params.ts';
import type { ClickToCallAnswer, ReferReplacesAnswer, SwitchConfAnswer, TransferAnswer } from './ports.ts';

const dialogId = () => z.string().regex(dialogIdPattern).meta({ description: 'rDlg-<node>-<6 letters or digits>', examples: ['rDlg-001-a1B2c3'] });
const uri = () => z.string().meta({ description: 'A name-addr URI, e.g. <sip:sip1@test.rootdomain.ru>' });

export const legSchema = z.object({
  callid: z.string(),
  expirets: z.union([z.int().nonnegative(), z.literal('undefined')]).meta({
    description: 'For a ringing b leg, the milliseconds left before it times out; otherwise the string "undefined".',
  }),
  localuri: uri(),
  remoteuri: uri(),
  side: z.enum(['a', 'b']),
});

export const dialogSchema = z.object({
  acallid: z.string().meta({ description: 'Call-ID of the a leg, as received in the INVITE.' }),
  callids: z.array(z.string()).meta({ description: 'Call-IDs of all live legs, b legs first, then a.' }),
  dialogid: dialogId(),
  esgdlg: z.string().meta({ description: 'Always "".' }),
  esgcallid: z.string().meta({ description: 'Always "".' }),
  inviteid: z.string().meta({ description: 'Globally unique (UUID form), made when the INVITE arrived.' }),
  status: z.enum(['forking', 'dialog', 'closing']),
  legs: z.array(legSchema),
  localuri: uri(),
  remoteuri: uri(),
  site: z.string(),
  startts: z.int().nonnegative().meta({ description: 'Epoch milliseconds when the INVITE arrived.' }),
  uris: z.array(z.string()).meta({ description: "Every leg's local and remote URI, b legs first." }),
  opts: z.object({
    'referred-by': z.string().optional().meta({ description: 'Set when the dialog was made by a transfer.' }),
    bindings: z.array(z.string()).optional().meta({ description: 'Labels (SETUP_BINDINGS).' }),
  }),
});

export const errorCodes = Object.keys(errorStatus).map(Number);
export const errorSchema = z.object({
  error_code: z.literal(errorCodes),
  error_message: z.string().meta({ description: 'Names the parameter (`<parameter>: …`) or the reason.' }),
});

export const countSchema = z.object({ count: z.int().nonnegative() });
export const dialogIdsSchema = z.array(dialogId());
export const dialogIdAnswerSchema = z.object({ dialogid: dialogId() });

const result = () =>
  z.enum(['ok', 'rejected', 'bye', 'timeout', 'error', 'unknown']).meta({
    description:
      'ok: no problem seen so far; rejected: the service call got a final non-2xx (see the last_response field); bye: the device ended the service call before the transfer; timeout: no final response within the call timeout; error: no response or something unexpected; unknown: answered, but the target call cannot be told (no or unreadable NOTIFY).',
  });
const statusLine = () => z.string().meta({ description: 'A SIP status line, e.g. "SIP/2.0 180 Ringing".' });
const ivrCallId = () => z.string().meta({ description: 'Call-ID of the service call, rIV-<node>-<27 chars>.' });

export const clickToCallAnswerSchema = z.object({
  result: result(),
  ivrcallid: ivrCallId(),
  acallid: z.string().optional().meta({ description: "Call-ID of X's call to Y." }),
  last_response: statusLine().optional(),
  dialogid: dialogId().optional(),
});

export const transferAnswerSchema = z.object({
  dialogid: dialogId(),
  result: result(),
  ivrcallid: ivrCallId(),
  new_acallid: z.string().optional(),
  new_last_response: statusLine().optional(),
  new_dialogid: dialogId().optional(),
});

export const referReplacesAnswerSchema = transferAnswerSchema.omit({ dialogid: true }).extend({
  masterdialogid: dialogId(),
  slavedialogid: dialogId(),
});

export const switchConfAnswerSchema = z.object({
  dialogid: dialogId(),
  referto: z.string(),
  result: result(),
  confid: z.string().optional().meta({ description: 'rCF-<node>-<6>' }),
  x_ivrcallid: z.string().optional(),
  x_new_acallid: z.string().optional(),
  x_new_dialogid: dialogId().optional(),
  x_new_last_response: statusLine().optional(),
  y_ivrcallid: z.string().optional(),
  y_new_acallid: z.string().optional(),
  y_new_dialogid: dialogId().optional(),
  y_new_last_response: statusLine().optional(),
});

export const asrAnswerSchema = z.object({
  dialogid: dialogId(),
  layer: z.string(),
  text: z.string().optional().meta({ description: 'Only for a waited stop: the text recognised.' }),
});
export const recordAnswerSchema = z.object({ dialogid: dialogId(), layer: z.string(), file: z.string() });
export const bindingsAnswerSchema = z.object({ dialogid: dialogId(), bindings: z.array(z.string()) });
export const healthSchema = z.object({ status: z.literal('ok') });

// ---- the schemas describe exactly the types the code returns --------------------------------------

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <A, B>(ok: Same<A, B>): Same<A, B> => ok;
same<z.output<typeof dialogSchema>, Dialog>(true);
same<z.output<typeof clickToCallAnswerSchema>, ClickToCallAnswer>(true);
same<z.output<typeof transferAnswerSchema>, TransferAnswer>(true);
same<z.output<typeof referReplacesAnswerSchema>, ReferReplacesAnswer>(true);
same<z.output<typeof switchConfAnswerSchema>, SwitchConfAnswer>(true);
