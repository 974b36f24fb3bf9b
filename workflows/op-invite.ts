// INVITE /rest/v1/user/sip/calls — click-to-call without REFER: the server calls X, then Y, and joins
// the two legs (RFC 3725), built-in script `invite`. Same answer as POST. Workflow id
// `op-invite-<uuid>` or `op-invite-<hash of user and Idempotency-Key>`.
import { inviteAnswer, type InviteAnswer } from '../machines/index.ts';
import { parseOperationInput, runOperation, type OperationInput } from './run-script.ts';

export type InviteOperationInput = OperationInput;

export async function opInvite(raw: InviteOperationInput): Promise<InviteAnswer> {
  const input = parseOperationInput(raw, 'invite');
  return runOperation({ kind: 'INVITE', input, answer: inviteAnswer });
}
