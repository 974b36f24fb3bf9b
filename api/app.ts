// The calls API as a Hono app: every route of the spec (calls-api.md), one error shape, scoping to
// the authorized user's dialogs. The HTTP front end (http/) calls app.fetch(request, env) with the
// raw body in env.rawBody; tests call app.request().
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bearerAuth } from './auth.ts';
import { ApiError, errorResponse, jsonResponse, type ErrorCode } from './errors.ts';
import { bindingRoutes } from './routes-bindings.ts';
import { callRoutes } from './routes-calls.ts';
import { controlRoutes } from './routes-control.ts';
import { operationRoutes } from './routes-operations.ts';
import { openApiRoute } from './openapi.ts';
import { eventRoutes } from './routes-events.ts';
import { EVENTS, HEALTHZ, OPENAPI, type RouteDef } from './routes.ts';
import type { ApiDeps, ApiEnv, AppEnv } from './types.ts';

export type { ApiDeps, ApiEnv };
export type { CallControlPort, OperationsPort } from './ports.ts';

// Hono's own exceptions (rare: e.g. a malformed request it cannot route) in our error shape.
const httpExceptionCodes: Partial<Record<number, ErrorCode>> = { 400: 1400, 401: 1401, 404: 1404, 405: 1405, 415: 1415, 429: 1429 };

/** The order verbs are listed in Allow: the spec's. */
const verbOrder = ['GET', 'HEAD', 'LOOKUP', 'POST', 'INVITE', 'DELETE', 'REFER', 'REFERREPLACES', 'SWITCHCONF', 'REFERCONF', 'NOTIFY', 'SEND_DTMF', 'SETUP_ASR', 'SETUP_RECORD', 'SETUP_BINDINGS'];

export function createApiApp(deps: ApiDeps): Hono<{ Bindings: ApiEnv }> {
  const app = new Hono<AppEnv>();
  const log = deps.logger;

  const routes: RouteDef[] = [
    { method: 'GET', path: HEALTHZ, handler: (c) => jsonResponse(c, { status: 'ok' }) },
    ...callRoutes(deps),
    ...operationRoutes(deps),
    ...controlRoutes(deps),
    ...bindingRoutes(deps),
    ...eventRoutes(deps),
    openApiRoute(),
  ];

  // Everything under /rest needs a token, but the API's own description; authentication comes
  // before 1404/1405 there. The event stream also takes ?access_token= (browsers' EventSource).
  app.use('/rest/*', bearerAuth(deps.config, { queryTokenPaths: [EVENTS], publicPaths: [OPENAPI] }));

  const allowed = new Map<string, string[]>();
  for (const r of routes) {
    app.on(r.method, r.path, r.handler);
    allowed.set(r.path, [...(allowed.get(r.path) ?? []), r.method]);
  }
  // Registered after the real routes, so it only runs for a method no route of the path takes.
  for (const [path, methods] of allowed) {
    // Hono answers HEAD with the GET route.
    const allow = methods
      .flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]))
      .sort((x, y) => verbOrder.indexOf(x) - verbOrder.indexOf(y))
      .join(', ');
    app.all(path, (c) => {
      throw new ApiError(1405, `method ${c.req.method} not allowed here; allowed: ${allow}`, { Allow: allow });
    });
  }

  app.notFound((c) => errorResponse(c, new ApiError(1404, 'no such resource')));

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof HTTPException && err.status >= 400 && err.status < 500) {
      const code = httpExceptionCodes[err.status] ?? 1400;
      return errorResponse(c, new ApiError(code, err.message || 'bad request'));
    }
    log.error('unhandled error in API route', {
      method: c.req.method,
      path: c.req.path,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      stack: err instanceof Error ? err.stack?.split('\n').slice(1, 4).map((s) => s.trim()).join(' | ') : undefined,
    });
    return errorResponse(c, new ApiError(1500, 'internal error'));
  });

  // The variables (the principal) are the app's own business; callers see the front end's env only.
  return app as unknown as Hono<{ Bindings: ApiEnv }>;
}
