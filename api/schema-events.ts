// What the event stream sends (spec "Events"): call events, ASR results, and the one notice a client
// gets before it is cut off for falling behind. The schemas document the messages (OpenAPI) and let
// tests check what goes out; the server builds messages field by field (api/event-wire.ts).
import { z } from 'zod';

export const callEventTypes = ['start', 'ring', 'answer', 'transfer', 'end'] as const;

const epochMs = () => z.int().nonnegative();

export const callEventMessageSchema = z.object({
  type: z.enum(callEventTypes),
  ts: epochMs(),
  inviteid: z.string(),
  dialogid: z.string(),
  bindings: z.array(z.string()),
  startts: epochMs(),
  cause: z.string().optional(),
  status: z.int().optional(),
  newdialogid: z.string().optional(),
});
export type CallEventMessage = z.output<typeof callEventMessageSchema>;

export const asrEventMessageSchema = z.object({
  type: z.literal('asr'),
  dialogid: z.string(),
  layer: z.string(),
  callid: z.string(),
  text: z.string(),
  final: z.boolean(),
  ts: epochMs(),
});
export type AsrEventMessage = z.output<typeof asrEventMessageSchema>;

export const overflowMessageSchema = z.object({
  type: z.literal('overflow'),
  /** Events this client will not get: those still waiting for it, and the one that did not fit. */
  dropped: z.int().positive(),
});
export type OverflowMessage = z.output<typeof overflowMessageSchema>;

export const eventMessageSchema = z.union([callEventMessageSchema, asrEventMessageSchema, overflowMessageSchema]);
export type EventMessage = z.output<typeof eventMessageSchema>;
