// POST /rest/v1/user/sip/calls — click-to-call through REFER (IVR→X, IVR REFER Y, X→Y), built-in
// script `post`. Workflow id `op-post-<uuid>`, or `op-post-<hash of user and Idempotency-Key>`.
import { postAnswer, type PostAnswer } from '../machines/index.ts';
import { parseOperationInput, runOperation, type OperationInput } from './run-script.ts';

export type PostOperationInput = OperationInput;

export async function opPost(raw: PostOperationInput): Promise<PostAnswer> {
  const input = parseOperationInput(raw, 'post');
  return runOperation({ kind: 'POST', input, answer: postAnswer });
}
