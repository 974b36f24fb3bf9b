// The dialog representation of the spec ("The dialog representation"): exactly the fields a list or
// GET returns. Internal bookkeeping (who participates) lives beside it in StoredDialog.

export type Side = 'a' | 'b';
export type DialogStatus = 'forking' | 'dialog' | 'closing';

export interface Leg {
  callid: string;
  /** For a ringing `b` leg, milliseconds left before it times out; otherwise the string "undefined". */
  expirets: number | 'undefined';
  localuri: string;
  remoteuri: string;
  side: Side;
}

export interface DialogOpts {
  'referred-by'?: string;
  bindings?: string[];
}

export interface Dialog {
  acallid: string;
  callids: string[];
  dialogid: string;
  esgdlg: string;
  esgcallid: string;
  inviteid: string;
  status: DialogStatus;
  legs: Leg[];
  localuri: string;
  remoteuri: string;
  site: string;
  startts: number;
  uris: string[];
  opts: DialogOpts;
}

/** The fields a client may ask for in `mask`, `filter` and `order`. */
export const dialogFields = [
  'acallid',
  'callids',
  'dialogid',
  'esgdlg',
  'esgcallid',
  'inviteid',
  'status',
  'legs',
  'localuri',
  'remoteuri',
  'site',
  'startts',
  'uris',
  'opts',
] as const satisfies readonly (keyof Dialog)[];

export type DialogField = (typeof dialogFields)[number];

/** A SIP account taking part in a dialog: what scoping checks against the authorized user. */
export interface Participant {
  domain: string;
  sipuserId: number;
  login: string;
  phonenumber: string;
}

export interface StoredDialog {
  dialog: Dialog;
  participants: Participant[];
}
