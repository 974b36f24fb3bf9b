// SETUP_BINDINGS, implemented against the call store: labels live in dialog.opts.bindings. The SIP
// node is told afterwards (when attached) so events and transfers carry the new labels.
import type { Context } from 'hono';
import { readBody } from './body.ts';
import { ApiError, jsonResponse } from './errors.ts';
import { parseParams } from './params.ts';
import { CALL, type RouteDef } from './routes.ts';
import { visibleDialog } from './scope.ts';
import { putLabels } from '../store/labels.ts';
import { applyBindings, bindingsSchema, maxLabels } from './schema-bindings.ts';
import type { ApiDeps, AppEnv } from './types.ts';

export function bindingRoutes({ store, calls }: ApiDeps): RouteDef[] {
  const setupBindings = async (c: Context<AppEnv>) => {
    const entry = visibleDialog(store, c.get('principal'), c.req.param('dialogid') ?? '');
    const { dialog } = entry;
    const input = parseParams(bindingsSchema, await readBody(c));
    const next = applyBindings(dialog.opts.bindings ?? [], input);
    if (next.length > maxLabels) throw new ApiError(1400, `label: a dialog holds at most ${maxLabels} labels`);
    if (input.command !== 'list') {
      // The node first: apart from it (split roles) it writes its own store, whose feed is the truth
      // this store follows; a node that cannot be reached leaves nothing half done.
      await calls?.bindings(dialog.dialogid, next);
      // Not when the entry was replaced or removed meanwhile: the node's feed already brought the
      // labels, or the call ended.
      if (store.get(dialog.dialogid) === entry) putLabels(store, entry, next);
    }
    return jsonResponse(c, { dialogid: dialog.dialogid, bindings: next });
  };
  return [{ method: 'SETUP_BINDINGS', path: CALL, handler: setupBindings }];
}
