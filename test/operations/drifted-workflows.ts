// A deliberately changed copy of the operation workflows, for replay.test.ts to prove the replay
// check bites: `opPost` here waits one timer before running, a command the recorded histories do
// not have, so replaying them must fail with non-determinism.
import { sleep } from '@temporalio/workflow';
import { opPost as realOpPost, type PostOperationInput } from '../../workflows/op-post.ts';
import type { PostAnswer } from '../../machines/index.ts';

export async function opPost(input: PostOperationInput): Promise<PostAnswer> {
  await sleep(1);
  return realOpPost(input);
}
