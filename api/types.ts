// The types the app and its route files share. createApiApp's callers see ApiDeps and ApiEnv only.
import type { Config } from '../config/schema.ts';
import type { CallEventBus } from '../events/call-events.ts';
import type { Logger } from '../lib/log.ts';
import type { CallStore } from '../store/call-store.ts';
import type { AuthVariables } from './auth.ts';
import type { EventStreamOptions } from './event-client.ts';
import type { CallControlPort, OperationsPort } from './ports.ts';

export interface ApiDeps {
  config: Config;
  store: CallStore;
  logger: Logger;
  /** The workflow engine (server/start.ts gives it a Temporal client); absent: operations answer 1503. */
  operations?: OperationsPort;
  /** The SIP node; absent in an API-only process: call-control routes answer 1503. */
  calls?: CallControlPort;
  /** The call event bus of the SIP node in this process; absent (API-only role): events answer 1503. */
  events?: CallEventBus;
  /** Buffer limits, heartbeat and clock of the event stream (defaults: 1000 events, 1 MiB, 15 s). */
  eventStream?: Partial<EventStreamOptions>;
}

/** What the HTTP front end passes to `app.fetch(request, env)`. */
export type ApiEnv = {
  /** The request body as received: a WHATWG Request cannot carry one for GET. */
  rawBody?: Uint8Array;
  remoteAddress?: string;
  /** The same object for every request of one connection (http/types.ts FrontEndEnv). */
  connection?: object;
};

/** The app's own Hono environment: the front end's env plus the authorized user. */
export type AppEnv = { Bindings: ApiEnv; Variables: AuthVariables };
