// A stand-in for the API app, used only when api/app.ts cannot be loaded: the same answer to the
// benchmark's request (bearer check, then 404 with error_code 1413 for an unknown dialog).
import { Hono } from 'hono';

export function createStandInApp(): Hono {
  const app = new Hono();
  app.use('/rest/*', async (c, next) => {
    if (c.req.header('authorization') !== 'Bearer alice-token') {
      return c.json({ error_code: 1401, error_message: 'not authenticated' }, 401);
    }
    await next();
  });
  app.get('/rest/v1/user/sip/calls/:dialogid', (c) =>
    c.json({ error_code: 1413, error_message: `dialog ${c.req.param('dialogid')} not found` }, 404),
  );
  return app;
}
