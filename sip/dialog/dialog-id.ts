// The dialog id (RFC 3261 §12): Call-ID, local tag and remote tag. Each side names the tags from
// its own point of view, so the same dialog has mirrored ids at its two ends.
import type { SipRequest } from '../message/index.ts';

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** A map key for a dialog id. Tags compare case-sensitively (§19.3), Call-IDs too (§20.8). */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

/**
 * §12.2.2: the dialog a request received within a dialog belongs to, from our point of view: the
 * To tag is ours (local), the From tag theirs (remote). Undefined for a request without both tags.
 */
export function dialogIdOfRequest(req: SipRequest): DialogId | undefined {
  const callId = req.callId;
  const localTag = req.to?.tag;
  const remoteTag = req.from?.tag;
  if (callId === undefined || localTag === undefined || remoteTag === undefined) return undefined;
  return { callId, localTag, remoteTag };
}
