// One API request to a running server as a user, with any method token (sent as POST with
// X-HTTP-Method-Override, as curl users and Node's fetch must): the status and the parsed JSON body.
import type { ServerProcess } from './server-process.ts';

export async function apiRequest(server: ServerProcess, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'x-http-method-override': method, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
