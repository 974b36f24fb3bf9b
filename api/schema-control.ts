// Bodies of the device-control routes: NOTIFY, SEND_DTMF, SETUP_ASR, SETUP_RECORD. DELETE takes none.
import { z } from 'zod';
import { bool, callid, eventToken, layer, msg, side } from './params.ts';

const cmd = () => z.enum(['start', 'stop'], msg('must be "start" or "stop"')).default('start');

const needsLeg = { code: 'custom' as const, path: ['callid'], message: 'is required (or side)' };

export const notifySchema = z
  .object({ callid: callid().optional(), side: side().optional(), event: eventToken() })
  .superRefine((v, ctx) => {
    if (v.callid === undefined && v.side === undefined) ctx.addIssue(needsLeg);
  });
export type NotifyInput = z.output<typeof notifySchema>;

export const dtmfPattern = /^[0-9*#A-D',]+$/;
const dtmfMessage = "must be DTMF: 1 to 256 of 0-9 * # A-D, with ' or , for a one-second pause";

export const sendDtmfSchema = z
  .object({
    callid: callid().optional(),
    side: side().optional(),
    opposite: bool().default(false),
    proto: z.enum(['rfc2833', 'sipinfo'], msg('must be "rfc2833" or "sipinfo"')).default('rfc2833'),
    dtmf: z.string(msg(dtmfMessage)).max(256, dtmfMessage).regex(dtmfPattern, dtmfMessage),
  })
  .superRefine((v, ctx) => {
    if (v.callid === undefined && v.side === undefined) ctx.addIssue(needsLeg);
  });
export type SendDtmfInput = z.output<typeof sendDtmfSchema>;

export const asrSchema = z
  .object({
    cmd: cmd(),
    layer: layer(),
    callid: callid().optional(),
    side: side().optional(),
    opposite: bool().default(false),
    wait: bool().default(true),
  })
  .superRefine((v, ctx) => {
    // Stopping names the layer only; starting must say whose speech to recognise.
    if (v.cmd === 'start' && v.callid === undefined && v.side === undefined) ctx.addIssue({ ...needsLeg, message: 'is required to start (or side)' });
  });
export type AsrInput = z.output<typeof asrSchema>;

export const recordSchema = z.object({
  cmd: cmd(),
  layer: layer(),
  callid: callid().optional(),
  side: side().optional(),
});
export type RecordInput = z.output<typeof recordSchema>;
