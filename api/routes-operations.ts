// The long-running operations. Everything that can be checked from the config and the call store is
// checked here (1400, 1403, 1409, 1413); the operation itself runs behind OperationsPort, and while
// that port is absent the route says so with 1503 instead of pretending.
import { randomInt } from 'node:crypto';
import type { Context } from 'hono';
import type { SipUserConfig } from '../config/schema.ts';
import type { Dialog, StoredDialog } from '../store/dialog.ts';
import type { Principal } from './auth.ts';
import { readBody } from './body.ts';
import { ApiError, jsonResponse } from './errors.ts';
import { conferenceUri, legsOn, resolveBy, uriHost, uriUser, type LegTarget } from './legs.ts';
import { parseParams } from './params.ts';
import type { OperationRequest, OperationsPort } from './ports.ts';
import { CALL, CALLS, type RouteDef } from './routes.ts';
import { accountsNamed, lookupDialogIds, visibleDialog } from './scope.ts';
import { clickToCallSchema, referConfSchema, referReplacesSchema, referSchema, switchConfSchema, type ClickToCallInput, type ReferInput } from './schema-operations.ts';
import { pickLookupQuery } from './schema-query.ts';
import type { ApiDeps, AppEnv } from './types.ts';

/** The account `from` names (per `mode`), when it is one of the principal's own; 1403 otherwise. */
export function resolveFrom(principal: Principal, input: Pick<ClickToCallInput, 'mode' | 'from'>): SipUserConfig {
  const own = principal.sipusers;
  const v = input.from;
  let found: SipUserConfig | undefined;
  switch (input.mode) {
    case 'number':
      found = own.find((s) => s.phonenumber === v);
      break;
    case 'login':
      found = own.find((s) => s.login === v);
      break;
    case 'sipuserid':
      found = own.find((s) => s.id === Number(v));
      break;
    case 'uri': {
      const user = uriUser(v);
      if (uriHost(v) === principal.domain.name.toLowerCase()) found = own.find((s) => s.login === user || s.phonenumber === user);
      break;
    }
  }
  if (!found) throw new ApiError(1403, `from: is not one of your SIP accounts (mode ${input.mode})`);
  return found;
}

/** The optional Idempotency-Key header: it names a workflow, so it is kept short and plain. */
export function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) throw new ApiError(1400, 'Idempotency-Key: must be 1 to 255 visible ASCII characters');
  return header;
}

/** Transfers need an answered dialog: not while the b side is still forking, nor while closing. */
function requireAnswered(dialog: Dialog, what = 'the dialog'): void {
  if (dialog.status !== 'dialog') throw new ApiError(1409, `not allowed while ${what} is ${dialog.status}`);
}

const target = (dialog: Dialog, side: LegTarget['side']): LegTarget => ({ side, callids: legsOn(dialog, side) });

export function operationRoutes({ store, operations }: ApiDeps): RouteDef[] {
  const start = async (c: Context<AppEnv>, request: OperationRequest) => {
    const key = idempotencyKey(c.req.header('idempotency-key'));
    const port: OperationsPort | undefined = operations;
    if (!port) throw new ApiError(1503, 'operations engine not available: the workflow engine is not connected');
    return jsonResponse(c, await port.start(key === undefined ? request : { ...request, idempotencyKey: key }));
  };
  const dialogOf = (c: Context<AppEnv>): StoredDialog => visibleDialog(store, c.get('principal'), c.req.param('dialogid') ?? '');

  const clickToCall = (kind: 'POST' | 'INVITE') => async (c: Context<AppEnv>) => {
    const principal = c.get('principal');
    const input = parseParams(clickToCallSchema, await readBody(c));
    const from = resolveFrom(principal, input);
    if (input.use_intercom && !principal.domain.featurecodes.some((f) => f.type === 'intercom'))
      throw new ApiError(1400, 'use_intercom: the domain has no intercom feature code');
    return start(c, { kind, principal, input, from });
  };

  /**
   * A REFER retried under its Idempotency-Key may find the dialog gone (1413) or closing (1409): the
   * transfer it started moved the call away. The operation's answer is then the answer; anything else
   * (no such operation, another key, another refusal) keeps the refusal.
   */
  const referRetry = async (c: Context<AppEnv>, refusal: unknown, input?: ReferInput): Promise<Response> => {
    const key = idempotencyKey(c.req.header('idempotency-key'));
    if (!(refusal instanceof ApiError) || (refusal.code !== 1413 && refusal.code !== 1409) || key === undefined || !operations?.rejoin) throw refusal;
    const body = input ?? parseParams(referSchema, await readBody(c));
    const principal = c.get('principal');
    const answer = await operations.rejoin({ kind: 'REFER', principal, dialogid: c.req.param('dialogid') ?? '', idempotencyKey: key, input: body });
    if (answer === undefined) throw refusal;
    return jsonResponse(c, answer);
  };

  const refer = async (c: Context<AppEnv>) => {
    const principal = c.get('principal');
    let dialog: Dialog;
    try {
      ({ dialog } = dialogOf(c));
    } catch (err) {
      return referRetry(c, err);
    }
    const input = parseParams(referSchema, await readBody(c));
    try {
      requireAnswered(dialog);
    } catch (err) {
      return referRetry(c, err, input);
    }
    const side = resolveBy(dialog, principal.domain, input.by, 'by');
    return start(c, { kind: 'REFER', principal, dialogid: dialog.dialogid, input, by: target(dialog, side) });
  };

  const referReplaces = async (c: Context<AppEnv>) => {
    const principal = c.get('principal');
    const { dialog: master } = dialogOf(c);
    const input = parseParams(referReplacesSchema, await readBody(c));
    const q = pickLookupQuery(input, 'slave');
    if (!q) throw new ApiError(1400, 'slavedialogid: is required (or another slave… key: slaveinviteid, slavecallid, slaveuri, slaveuser, …)');
    if (q.key === 'dialogid' && q.value === master.dialogid) throw new ApiError(1400, 'slavedialogid: must name another dialog');
    // A key like slaveuser may name the master too (X talks to both): the slave is the other one.
    const ids = lookupDialogIds(store, principal, q).filter((id) => id !== master.dialogid);
    if (ids.length > 1) throw new ApiError(1400, `slave${q.key}: matches ${ids.length} dialogs; give slavedialogid`);
    const slave = ids[0] === undefined ? undefined : store.get(ids[0]);
    if (!slave) throw new ApiError(1413, 'Dialog not found: slave dialog');
    requireAnswered(master);
    requireAnswered(slave.dialog, 'the slave dialog');
    const masterSide = resolveBy(master, principal.domain, input.masterby, 'masterby');
    const slaveSide = resolveBy(slave.dialog, principal.domain, input.slaveby, 'slaveby');
    return start(c, {
      kind: 'REFERREPLACES',
      principal,
      dialogid: master.dialogid,
      input,
      masterBy: target(master, masterSide),
      slaveDialogid: slave.dialog.dialogid,
      slaveBy: target(slave.dialog, slaveSide),
    });
  };

  const switchConf = async (c: Context<AppEnv>) => {
    const principal = c.get('principal');
    const { dialog } = dialogOf(c);
    const input = parseParams(switchConfSchema, await readBody(c));
    requireAnswered(dialog);
    // An outside rule, not a technical limit: conferences must not end up joined to each other.
    if (conferenceUri(dialog)) throw new ApiError(1409, 'not allowed: the dialog has a conference participant');
    if (input.by !== undefined && accountsNamed(principal.domain, input.by).length === 0)
      throw new ApiError(1400, 'by: names no account (number or login) of this domain');
    const by = input.by ?? principal.sipusers[0]?.phonenumber;
    if (by === undefined) throw new ApiError(1400, 'by: is required: you have no SIP account');
    let referto = input.referto;
    if (referto === undefined) {
      const conf = principal.domain.featurecodes.find((f) => f.type === 'conf');
      if (!conf) throw new ApiError(1400, 'referto: is required: the domain has no conf feature code');
      referto = conf.prefix + String(randomInt(0, 100_000_000)).padStart(8, '0');
    }
    return start(c, { kind: 'SWITCHCONF', principal, dialogid: dialog.dialogid, input: { ...input, by, referto } });
  };

  const referConf = async (c: Context<AppEnv>) => {
    const principal = c.get('principal');
    const { dialog } = dialogOf(c);
    const input = parseParams(referConfSchema, await readBody(c));
    requireAnswered(dialog);
    let conference: { dialogid?: string; uri?: string; confid?: string };
    const q = pickLookupQuery(input, 'refer');
    if (q) {
      const entries = lookupDialogIds(store, principal, q).flatMap((id) => store.get(id) ?? []);
      if (entries.length === 0) throw new ApiError(1413, 'Dialog not found: conference dialog');
      const withConf = entries.flatMap((e) => {
        const uri = conferenceUri(e.dialog);
        return uri ? [{ dialogid: e.dialog.dialogid, uri }] : [];
      });
      if (withConf.length === 0) throw new ApiError(1409, `refer${q.key}: the dialog has no conference participant`);
      const confs = new Set(withConf.map((w) => w.uri)).size;
      if (confs > 1) throw new ApiError(1400, `refer${q.key}: matches dialogs of ${confs} conferences; give referdialogid`);
      const found = withConf[0]!;
      // The transfer runs in the conference's domain, which must be the user's.
      if (uriHost(found.uri) !== principal.domain.name.toLowerCase())
        throw new ApiError(1409, 'not allowed: the conference is in another domain');
      conference = found;
    } else if (input.referconfid !== undefined) {
      conference = { confid: input.referconfid };
    } else {
      throw new ApiError(1400, 'referdialogid: is required (or another refer… key: referinviteid, refercallid, referuri, referuser, …, or referconfid)');
    }
    const side = resolveBy(dialog, principal.domain, input.by, 'by');
    return start(c, { kind: 'REFERCONF', principal, dialogid: dialog.dialogid, input, by: target(dialog, side), conference });
  };

  return [
    { method: 'POST', path: CALLS, handler: clickToCall('POST') },
    { method: 'INVITE', path: CALLS, handler: clickToCall('INVITE') },
    { method: 'REFER', path: CALL, handler: refer },
    { method: 'REFERREPLACES', path: CALL, handler: referReplaces },
    { method: 'SWITCHCONF', path: CALL, handler: switchConf },
    { method: 'REFERCONF', path: CALL, handler: referConf },
  ];
}
