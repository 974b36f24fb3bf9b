// Call control between processes (split roles): an API process apart from the SIP nodes asks the
// node that owns a dialog to act on it, over the node's feed port. The node runs the same
// CallControlPort a single process uses, so the answers are the same: a failure on the node comes
// back as the ApiError it was (code and message); a node that does not answer, as 1503.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:http';
import { ApiError, errorStatus, type ErrorCode } from '../api/errors.ts';
import type { CallControlPort } from '../api/ports.ts';
import type { Logger } from '../lib/log.ts';
import type { CallStore } from '../store/call-store.ts';
import { putLabels } from '../store/labels.ts';
import { notYet } from './call-control.ts';

export const NODE_CONTROL_PATH = '/internal/v1/calls/';
/** A control request's body is a label list at most; anything larger is refused as it arrives. */
export const MAX_CONTROL_BODY_BYTES = 64 << 10;

type Action = 'hangup' | 'bindings';
const ACTIONS = new Set<string>(['hangup', 'bindings']);

/**
 * The node's side: `POST /internal/v1/calls/<dialogid>/hangup` and `…/bindings` (`{"labels": […]}`).
 * Returns false for any other path, so the feed server can answer it.
 */
export function handleNodeControl(req: IncomingMessage, res: ServerResponse, deps: { calls: CallControlPort; store: CallStore; logger: Logger }): boolean {
  if (!req.url?.startsWith(NODE_CONTROL_PATH)) return false;
  const [dialogid, action, ...rest] = req.url.slice(NODE_CONTROL_PATH.length).split('/');
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
  const fail = (err: unknown): void => {
    if (err instanceof ApiError) return answer(err.status, { error_code: err.code, error: err.message });
    deps.logger.error('node control failed', { dialogid, action, error: err instanceof Error ? err.message : String(err) });
    answer(500, { error_code: 1500, error: 'internal error' });
  };
  if (req.method !== 'POST' || !dialogid || !action || !ACTIONS.has(action) || rest.length > 0) {
    req.resume();
    answer(404, { error_code: 1404, error: 'no such control route' });
    return true;
  }
  let size = 0;
  const chunks: Buffer[] = [];
  // A client that goes away mid-body: nothing to answer, and nothing to throw.
  req.on('error', () => res.destroy());
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (res.headersSent) return;
    if (size > MAX_CONTROL_BODY_BYTES) {
      // Nothing more is kept; the connection closes once the answer is out.
      chunks.length = 0;
      answer(413, { error_code: 1400, error: 'body too large' }, { connection: 'close' });
      return;
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (res.headersSent) return;
    // Inside the promise, so a malformed %-escape in the path is a 1400, not an exception here.
    Promise.resolve()
      .then(() => run(deps, decodeId(dialogid), action as Action, Buffer.concat(chunks).toString('utf8')))
      .then(() => answer(200, {}), fail);
  });
  return true;
}

function decodeId(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ApiError(1400, 'dialogid: not a valid path segment');
  }
}

async function run(deps: { calls: CallControlPort; store: CallStore }, dialogid: string, action: Action, body: string): Promise<void> {
  if (action === 'hangup') return deps.calls.hangup(dialogid);
  const labels = parseLabels(body);
  const entry = deps.store.get(dialogid);
  if (!entry) throw new ApiError(1413, 'Dialog not found');
  // As SETUP_BINDINGS does in one process; the put reaches this feed's followers too.
  putLabels(deps.store, entry, labels);
  await deps.calls.bindings(dialogid, labels);
}

function parseLabels(body: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new ApiError(1400, 'labels: the body is not JSON');
  }
  const labels = (value as { labels?: unknown } | null)?.labels;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) throw new ApiError(1400, 'labels: must be an array of strings');
  return labels as string[];
}

/**
 * The API's side: a CallControlPort that sends hangup and bindings to the node that owns the dialog
 * (`ownerOf` gives its feed address, host:port). The other actions answer 1503 as in one process.
 */
export function createRemoteCallControl(opts: { ownerOf: (dialogid: string) => string | undefined; logger: Logger; timeoutMs?: number }): CallControlPort {
  const call = async (dialogid: string, action: Action, body: unknown): Promise<void> => {
    const node = opts.ownerOf(dialogid);
    // The replica no longer holds it: it ended between the API's store check and now.
    if (!node) throw new ApiError(1413, 'Dialog not found');
    const [host, port] = node.split(':') as [string, string];
    const text = JSON.stringify(body);
    const { status, json } = await new Promise<{ status: number; json: unknown }>((resolve, reject) => {
      const req = request(
        // A connection per request (agent: false): control requests are rare, and a pooled socket the
        // node has just closed at its idle timeout would fail the request.
        { host, port: Number(port), method: 'POST', path: `${NODE_CONTROL_PATH}${encodeURIComponent(dialogid)}/${action}`, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }, timeout: opts.timeoutMs ?? 5000, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
            } catch {
              resolve({ status: res.statusCode ?? 0, json: undefined });
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${opts.timeoutMs ?? 5000} ms`)));
      req.on('error', reject);
      req.end(text);
    }).catch((err: unknown) => {
      opts.logger.warn('node unreachable for call control', { node, dialogid, action, error: err instanceof Error ? err.message : String(err) });
      throw new ApiError(1503, `the SIP node of this dialog (${node}) did not answer`);
    });
    if (status === 200) return;
    const e = json as { error_code?: unknown; error?: unknown } | undefined;
    const code = typeof e?.error_code === 'number' && e.error_code in errorStatus ? (e.error_code as ErrorCode) : 1503;
    throw new ApiError(code, typeof e?.error === 'string' ? e.error : `the SIP node answered ${status}`);
  };
  return {
    hangup: (dialogid) => call(dialogid, 'hangup', {}),
    bindings: (dialogid, labels) => call(dialogid, 'bindings', { labels }),
    notify: () => notYet('NOTIFY (device control)'),
    sendDtmf: () => notYet('SEND_DTMF'),
    asr: () => notYet('SETUP_ASR'),
    record: () => notYet('SETUP_RECORD'),
  };
}
