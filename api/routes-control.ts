// Call control on one dialog: DELETE, NOTIFY, SEND_DTMF, SETUP_ASR, SETUP_RECORD. The SIP side does
// the work behind CallControlPort; until it is attached these routes validate and answer 1503.
import type { Context } from 'hono';
import type { StoredDialog } from '../store/dialog.ts';
import { readBody } from './body.ts';
import { ApiError, jsonResponse } from './errors.ts';
import { legTarget, type LegTarget } from './legs.ts';
import { parseParams } from './params.ts';
import type { CallControlPort } from './ports.ts';
import { CALL, type RouteDef } from './routes.ts';
import { visibleDialog } from './scope.ts';
import { asrSchema, notifySchema, recordSchema, sendDtmfSchema } from './schema-control.ts';
import type { ApiDeps, AppEnv } from './types.ts';

export function controlRoutes({ config, store, calls }: ApiDeps): RouteDef[] {
  const dialogOf = (c: Context<AppEnv>): StoredDialog => visibleDialog(store, c.get('principal'), c.req.param('dialogid') ?? '');
  const port = (): CallControlPort => {
    if (!calls) throw new ApiError(1503, 'call control not available: the SIP node is not attached');
    return calls;
  };
  /** legTarget, for a route where the body must name a leg: the schema made sure one is named. */
  const required = (t: LegTarget | undefined): LegTarget => {
    if (!t) throw new ApiError(1400, 'callid: is required (or side)');
    return t;
  };

  const hangup = async (c: Context<AppEnv>) => {
    const { dialog } = dialogOf(c);
    await readBody(c); // no parameters, but a body that is not JSON is still 1415
    await port().hangup(dialog.dialogid);
    return jsonResponse(c, { dialogid: dialog.dialogid });
  };

  const notify = async (c: Context<AppEnv>) => {
    const { dialog } = dialogOf(c);
    const input = parseParams(notifySchema, await readBody(c));
    const target = required(legTarget(dialog, input));
    // `talk` may answer a ringing party; every other event needs an answered dialog.
    if (dialog.status === 'closing' || (input.event !== 'talk' && dialog.status !== 'dialog'))
      throw new ApiError(1409, `event "${input.event}" is not allowed while the dialog is ${dialog.status}`);
    await port().notify({ dialogid: dialog.dialogid, target, event: input.event });
    return jsonResponse(c, { dialogid: dialog.dialogid });
  };

  const sendDtmf = async (c: Context<AppEnv>) => {
    const { dialog } = dialogOf(c);
    const input = parseParams(sendDtmfSchema, await readBody(c));
    const target = required(legTarget(dialog, input));
    await port().sendDtmf({ dialogid: dialog.dialogid, target, proto: input.proto, dtmf: input.dtmf });
    return jsonResponse(c, { dialogid: dialog.dialogid });
  };

  const asr = async (c: Context<AppEnv>) => {
    const { dialog } = dialogOf(c);
    const input = parseParams(asrSchema, await readBody(c));
    const target = legTarget(dialog, input);
    if (!config.asr) throw new ApiError(1503, 'speech recognition (ASR) not available: no engine configured');
    const r = await port().asr({ dialogid: dialog.dialogid, cmd: input.cmd, layer: input.layer, target, wait: input.wait });
    const waited = input.cmd === 'stop' && input.wait;
    return jsonResponse(c, { dialogid: dialog.dialogid, layer: input.layer, ...(waited ? { text: r.text ?? '' } : {}) });
  };

  const record = async (c: Context<AppEnv>) => {
    const { dialog } = dialogOf(c);
    const input = parseParams(recordSchema, await readBody(c));
    const target = legTarget(dialog, input);
    const r = await port().record({ dialogid: dialog.dialogid, cmd: input.cmd, layer: input.layer, target });
    return jsonResponse(c, { dialogid: dialog.dialogid, layer: input.layer, file: r.file });
  };

  return [
    { method: 'DELETE', path: CALL, handler: hangup },
    { method: 'NOTIFY', path: CALL, handler: notify },
    { method: 'SEND_DTMF', path: CALL, handler: sendDtmf },
    { method: 'SETUP_ASR', path: CALL, handler: asr },
    { method: 'SETUP_RECORD', path: CALL, handler: record },
  ];
}
