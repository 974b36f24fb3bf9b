// The B2BUA: the SIP node, routing inside a domain, and B2B calls with anchored media.
export {
  startSipNode,
  DEFAULT_MEDIA_TIMEOUT_MS,
  DEFAULT_STOP_GRACE_MS,
  type SipNode,
  type SipNodeCounts,
  type SipNodeOptions,
} from './sip-node.ts';
export { CallManager, DEFAULT_NO_ANSWER_TIMEOUT_MS, type CallManagerOptions, type RoutedInvite } from './call-manager.ts';
export { B2bCall, type InDialogRefer, type InDialogReferHook } from './b2b-call.ts';
export { CallState, ForkState } from './b2b-call-state.ts';
export { Router, type AccountRoute, type ConferenceRoute, type NotFoundRoute, type Route } from './router.ts';
export { bestResponse, normalizeFailure, type FinalAnswer } from './best-response.ts';
export { causeOfFailure, type EndCause } from './end-cause.ts';
export { B2buaError, type B2buaErrorCode } from './b2bua-error.ts';
export { CONFERENCE_NOT_AVAILABLE } from './request-dispatcher.ts';
export { ALL_METHODS, DIALOG_METHODS, OUT_OF_DIALOG_METHODS } from './sip-methods.ts';
export { ServiceCalls, type ServiceCallDeliver, type ServiceCallsOptions } from './service-calls.ts';
