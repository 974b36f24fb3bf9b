// Id formats of the spec ("The dialog representation"): every id carries the node number, so ids
// from different nodes never clash and an id tells which node owns the call.
import { randomFillSync, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Random bytes drawn 4 KiB at a time (one getrandom per few hundred ids); each byte is used once.
const POOL = Buffer.alloc(4096);
let used = POOL.length;

function nextByte(): number {
  if (used === POOL.length) {
    randomFillSync(POOL);
    used = 0;
  }
  return POOL[used++]!;
}

/** `n` characters of [A-Za-z0-9], uniformly drawn (rejection sampling keeps the 62 symbols equal). */
export function randomAlnum(n: number): string {
  let out = '';
  while (out.length < n) {
    const b = nextByte();
    if (b < 248) out += ALNUM[b % 62];
  }
  return out;
}

export const DIALOG_ID_RE = /^rDlg-[0-9]{3}-[A-Za-z0-9]{6}$/;

/** `rDlg-<node>-<6>`: unique while the server runs (the caller checks against live dialogs). */
export function newDialogId(node: string, taken: (id: string) => boolean = () => false): string {
  for (;;) {
    const id = `rDlg-${node}-${randomAlnum(6)}`;
    if (!taken(id)) return id;
  }
}

/** The suffix of a dialog id, as used inside its `b` legs' Call-IDs. */
export function dialogSuffix(dialogid: string): string {
  return dialogid.slice(-6);
}

/** `rB2-<node>-<dialog suffix>-<fork, 2 digits>-<acallid>`. */
export function bLegCallId(node: string, dialogid: string, fork: number, acallid: string): string {
  return `rB2-${node}-${dialogSuffix(dialogid)}-${String(fork).padStart(2, '0')}-${acallid}`;
}

/** `rIV-<node>-<27>`: the Call-ID of a service call. */
export function serviceCallId(node: string): string {
  return `rIV-${node}-${randomAlnum(27)}`;
}

/** `rCF-<node>-<6>`: a conference id. */
export function conferenceId(node: string): string {
  return `rCF-${node}-${randomAlnum(6)}`;
}

/** Globally unique id of the call that led to a dialog (UUID form). */
export function newInviteId(): string {
  return randomUUID();
}
