// The dialog layer (RFC 3261 §12): dialog state from the messages that create it, requests within
// a dialog, CSeq checks and target refresh.
export { DialogState, type DialogRole } from './dialog-state.ts';
export { DialogError, type DialogErrorCode } from './dialog-error.ts';
export { dialogIdOfRequest, dialogKey, type DialogId } from './dialog-id.ts';
export { SipDialog, TARGET_REFRESH_METHODS, type DialogAddress, type DialogInit, type InDialogRequestOptions } from './sip-dialog.ts';
export { uriEndpoint } from './next-hop.ts';
