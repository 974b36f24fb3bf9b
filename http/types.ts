// What a handler sees: the front end's contract with the API app (a Hono app's `app.fetch` fits).
import type { Socket } from 'node:net';

export interface FrontEndEnv {
  /** The request body as received, for every method: WHATWG Request drops bodies of GET and HEAD. */
  rawBody: Uint8Array;
  remoteAddress: string;
  remotePort: number;
  /**
   * Stands for the connection the request came on: the same object for every request on it and for
   * no other, so a handler can keep per-connection state in a WeakMap keyed by it. Nothing to read.
   */
  connection: object;
}

export type FetchHandler = (request: Request, env: FrontEndEnv) => Response | Promise<Response>;

/**
 * Takes over a connection after a request with `Upgrade` and `Connection: upgrade` (WebSocket).
 * The socket is paused and has no listeners of ours; `head` holds bytes that followed the request.
 */
export type UpgradeHandler = (request: Request, socket: Socket, head: Buffer) => void;
