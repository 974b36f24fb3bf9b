// The read routes, implemented against the call store: GET list, GET one, LOOKUP.
import type { Context } from 'hono';
import { withParams } from './body.ts';
import { followStore } from './dialog-json.ts';
import { ApiError, jsonResponse, jsonTextResponse } from './errors.ts';
import { compareBy, compileFilter, jsonBytes, jsonListBody, sortedPage } from './dialog-view.ts';
import { parseParams } from './params.ts';
import { CALL, CALLS, type RouteDef } from './routes.ts';
import { lookupDialogIds, visibleDialog, visibleDialogsWhere } from './scope.ts';
import {
  coerceQueryValues,
  getCoercions,
  getParamsSchema,
  listCoercions,
  listParamsSchema,
  lookupCoercions,
  lookupKeys,
  lookupParamsSchema,
  pickLookupQuery,
} from './schema-query.ts';
import type { ApiDeps, AppEnv } from './types.ts';

export function callRoutes({ store }: ApiDeps): RouteDef[] {
  followStore(store);
  const list = (c: Context<AppEnv>) =>
    withParams(c, (raw) => {
      const p = parseParams(listParamsSchema, coerceQueryValues(raw, listCoercions));
      const dialogs = visibleDialogsWhere(store, c.get('principal'), compileFilter(p.filter));
      // The count is of every match: offset and limit page the list, not the count.
      if (p.countonly) return jsonResponse(c, { count: dialogs.length });
      const page = sortedPage(dialogs, compareBy(p.order), p.offset, p.limit);
      return jsonTextResponse(c, jsonListBody(page, p));
    });

  const getOne = (c: Context<AppEnv>) => {
    const entry = visibleDialog(store, c.get('principal'), c.req.param('dialogid') ?? '');
    return withParams(c, (raw) => {
      const p = parseParams(getParamsSchema, coerceQueryValues(raw, getCoercions));
      return jsonTextResponse(c, jsonBytes(entry.dialog, p));
    });
  };

  const lookup = (c: Context<AppEnv>) =>
    withParams(c, (raw) => {
      const q = pickLookupQuery(parseParams(lookupParamsSchema, coerceQueryValues(raw, lookupCoercions)));
      if (!q) throw new ApiError(1400, `search key required: give one of ${lookupKeys.join(', ')}`);
      return jsonResponse(c, lookupDialogIds(store, c.get('principal'), q));
    });

  return [
    { method: 'GET', path: CALLS, handler: list },
    { method: 'LOOKUP', path: CALLS, handler: lookup },
    { method: 'GET', path: CALL, handler: getOne },
  ];
}
