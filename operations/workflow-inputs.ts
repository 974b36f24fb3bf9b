// Node side: from a validated API request (api/ports.ts) to the operation workflow's id and input.
// The built-in script is loaded and compiled here (service-scripts/load.ts touches the disk) and
// travels to the workflow as plain JSON in its input.
import { createHash, randomUUID } from 'node:crypto';
import type { ClickToCallRequest, OperationRequest, ReferRequest } from '../api/ports.ts';
import { uriUser } from '../api/legs.ts';
import { ApiError } from '../api/errors.ts';
import { accountsNamed } from '../api/scope.ts';
import type { Config } from '../config/schema.ts';
import type { CompiledScript } from '../machines/index.ts';
import { loadBuiltinScript, type BuiltinScript } from '../service-scripts/load.ts';
import type { CallStore } from '../store/call-store.ts';
import type { Side } from '../store/dialog.ts';
import type { OperationInput } from '../workflows/run-script.ts';
import type { ReferOperationInput } from '../workflows/op-refer.ts';

export type ScriptLoader = (name: BuiltinScript) => CompiledScript;

/** The workflows written so far, by API verb: workflow type and built-in script. */
export const OPERATION_WORKFLOWS = {
  POST: { workflowType: 'opPost', script: 'post', verb: 'post' },
  INVITE: { workflowType: 'opInvite', script: 'invite', verb: 'invite' },
  REFER: { workflowType: 'opRefer', script: 'refer', verb: 'refer' },
} as const satisfies Record<string, { workflowType: string; script: BuiltinScript; verb: string }>;

export type SupportedKind = keyof typeof OPERATION_WORKFLOWS;

export function isSupported(kind: OperationRequest['kind']): kind is SupportedKind {
  return Object.hasOwn(OPERATION_WORKFLOWS, kind);
}

/** `<login>@<domain>`: the CallUser search attribute, and the owner part of idempotent ids. */
export function callUser(request: OperationRequest): string {
  return `${request.principal.user.login}@${request.principal.domain.name}`;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * `op-<verb>-<id>`, with `<dialogid>-` after the verb for operations on a dialog. `<id>` is a UUID,
 * or, with an Idempotency-Key, 32 hex digits of SHA-256 over the user and the key: the same user
 * retrying with the same key names the same workflow, another user's key never collides with it.
 */
export function operationWorkflowId(request: OperationRequest & { kind: SupportedKind }, newId: () => string = randomUUID): string {
  const verb = OPERATION_WORKFLOWS[request.kind].verb;
  const id = request.idempotencyKey === undefined ? newId() : sha256(`${callUser(request)}\u0000${request.idempotencyKey}`).slice(0, 32);
  return 'dialogid' in request ? `op-${verb}-${request.dialogid}-${id}` : `op-${verb}-${id}`;
}

/**
 * What makes two requests "the same": a retry under one Idempotency-Key must carry the same. The
 * response_mode is left out: it says when to answer, not what to do, so a retry may ask for another
 * checkpoint of the same operation.
 */
export function requestFingerprint(request: OperationRequest): string {
  const { principal: _p, idempotencyKey: _k, input, ...rest } = request;
  const { response_mode: _m, ...what } = input;
  return sha256(JSON.stringify({ ...rest, input: what }, (_key, value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? sortKeys(value) : value))).slice(0, 32);
}

/**
 * The part of the fingerprint a retry can still compute once the dialog has ended: the operation,
 * the dialog id and the body without response_mode (not the legs resolved from the dialog).
 */
export function bodyFingerprint(kind: string, dialogid: string | undefined, input: { response_mode?: unknown }): string {
  const { response_mode: _m, ...what } = input;
  return sha256(JSON.stringify({ kind, dialogid, input: what }, (_key, value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? sortKeys(value) : value))).slice(0, 32);
}

function sortKeys(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function bindingsOf(...lists: Array<readonly string[] | string | undefined>): string[] {
  const out: string[] = [];
  for (const l of lists) for (const label of typeof l === 'string' ? [l] : (l ?? [])) if (!out.includes(label)) out.push(label);
  return out;
}

/** POST and INVITE: X is the account `from` resolved to, dialled by its number. */
export function clickToCallInput(request: ClickToCallRequest, config: Config, scripts: ScriptLoader = loadBuiltinScript): OperationInput {
  const { input, principal, from } = request;
  const domain = principal.domain.name;
  const intercom = principal.domain.featurecodes.find((f) => f.type === 'intercom')?.prefix ?? '';
  const common = {
    from: from.phonenumber,
    to: input.to,
    callerid: input.callerid,
    callername: input.callername,
    calltimeout: input.calltimeout,
    use_intercom: input.use_intercom,
    intercom_prefix: intercom,
    domain,
  };
  return {
    node: config.node,
    user: callUser(request),
    domain,
    script: scripts(OPERATION_WORKFLOWS[request.kind].script),
    // INVITE calls Y itself and shows it X's number.
    params: request.kind === 'INVITE' ? { ...common, from_number: from.phonenumber } : common,
    bindings: bindingsOf(input.binding),
    fingerprint: requestFingerprint(request),
  };
}

const angle = (uri: string): string => (uri.trim().startsWith('<') ? uri.trim() : `<${uri.trim()}>`);
const bare = (uri: string): string => uri.trim().replace(/^<(.*)>$/, '$1');

/**
 * REFER: Y is the party across from `by`, taken over by an INVITE with Replaces of Y's leg and
 * Referred-By X; X's number is where Y goes back if Z fails. The dialog is read from the store now:
 * gone since the API checked it is 1413, as if it had never been there.
 */
export function referInput(request: ReferRequest, store: CallStore, scripts: ScriptLoader = loadBuiltinScript): ReferOperationInput {
  const entry = store.get(request.dialogid);
  if (!entry) throw new ApiError(1413, 'Dialog not found');
  const { dialog } = entry;
  const bySide: Side = request.by.side;
  const movedSide: Side = bySide === 'a' ? 'b' : 'a';
  const moved = dialog.legs.find((l) => l.side === movedSide);
  const by = dialog.legs.find((l) => l.side === bySide && (request.by.callids.length === 0 || request.by.callids.includes(l.callid)));
  if (!moved || !by) throw new ApiError(1409, `the dialog has no answered leg on side ${moved ? bySide : movedSide}`);
  // A leg's remote URI is its own side's party (legs.ts). Y goes back to X's number: the account's
  // when X's URI names one of the domain (by login or number), else the URI's user part.
  const x = by.remoteuri;
  const xUser = uriUser(x) ?? '';
  const xAccount = accountsNamed(request.principal.domain, xUser)[0];
  const node = /^rDlg-([0-9]{3})-/.exec(dialog.dialogid)?.[1];
  if (!node) throw new ApiError(1500, `dialog id ${dialog.dialogid} names no node`);
  return {
    node,
    user: callUser(request),
    domain: request.principal.domain.name,
    dialogid: dialog.dialogid,
    script: scripts(OPERATION_WORKFLOWS.REFER.script),
    params: {
      y: bare(moved.remoteuri),
      y_callid: moved.callid,
      x: angle(x),
      x_number: xAccount?.phonenumber ?? xUser,
      referto: request.input.referto,
    },
    bindings: bindingsOf(dialog.opts.bindings, request.input.binding),
    fingerprint: requestFingerprint(request),
  };
}
