// Paths and the route table type. Each route file returns its routes as data, so the app can work
// out the Allow header of every path (1405) from the same table it registers.
import type { Handler } from 'hono';
import type { AppEnv } from './types.ts';

export const CALLS = '/rest/v1/user/sip/calls';
export const CALL = `${CALLS}/:dialogid`;
export const EVENTS = '/rest/v1/user/sip/events';
export const OPENAPI = '/rest/v1/openapi.json';
export const HEALTHZ = '/healthz';

export interface RouteDef {
  method: string;
  path: string;
  handler: Handler<AppEnv>;
}
