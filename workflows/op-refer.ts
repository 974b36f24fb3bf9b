// REFER /rest/v1/user/sip/calls/{dialogid} — blind transfer (X-Y | IVR→Y with Replaces, IVR REFER Z,
// Y→Z; Y back to X when Z fails), built-in script `refer`. Workflow id `op-refer-<dialogid>-<uuid>`
// or `op-refer-<dialogid>-<hash of user and Idempotency-Key>`; CallDialogId is the dialog from the
// start, so ops staff find every transfer of a call by it.
import { referAnswer, type ReferAnswer } from '../machines/index.ts';
import { parseReferInput, runOperation, type OperationInput } from './run-script.ts';

export interface ReferOperationInput extends OperationInput {
  /** The dialog whose party is moved (the answer's `dialogid`). */
  dialogid: string;
}

export async function opRefer(raw: ReferOperationInput): Promise<ReferAnswer> {
  const input = parseReferInput(raw);
  const { dialogid } = input;
  return runOperation({ kind: 'REFER', input, dialogid, answer: (p) => referAnswer(p, { dialogid }) });
}
