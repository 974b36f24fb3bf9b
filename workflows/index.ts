// The workflow bundle's entry: every workflow type the engine runs.
export { healthCheck } from './health-check.ts';
export { opPost } from './op-post.ts';
export { opInvite } from './op-invite.ts';
export { opRefer } from './op-refer.ts';
