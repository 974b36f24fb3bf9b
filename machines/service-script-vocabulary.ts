// The allow-list shared by the compiler and the machine: compiled scripts name actors, actions,
// guards and events only from these lists, so a script file can never reach anything else.
// A test checks that service-script-setup.ts implements exactly these names.

export const SCRIPT_MACHINE_ID = 'script';

/** Every actor is a promise whose implementation is injected (activities in the workflow, fakes in tests). */
export const ACTORS = ['placeCall', 'sendRefer', 'sendDtmf', 'hangup', 'joinLegs'] as const;

/** Events the machine takes from outside: SIP signals from the node, and cancellation. */
export const EVENTS = [
  'sip.provisional',
  'sip.answered',
  'sip.failed',
  'sip.bye',
  'refer.accepted',
  'refer.rejected',
  'notify.sipfrag',
  'notify.none',
  'cancel',
] as const;

export const ACTIONS = [
  'enterStep',
  'dialString',
  'legCalling',
  'legProvisional',
  'legAnswered',
  'legFailed',
  'legTimedOut',
  'legBye',
  'legLate',
  'placeFailed',
  'referStart',
  'referAccepted',
  'referRejected',
  'sipfrag',
  'sipfragLate',
  'notifyMissing',
  'dtmfLoad',
  'dtmfShift',
  'dtmfAbandon',
  'releaseLegs',
  'releaseAll',
  'released',
  'joined',
  'joinFailed',
  'cancelled',
  'finish',
] as const;

export const GUARDS = [
  'fromLeg',
  'busy',
  'byeBeforeTransfer',
  'sipfragIs',
  'dtmfDone',
  'dtmfPause',
  'nothingToRelease',
  'truthy',
] as const;

export type ActorName = (typeof ACTORS)[number];
export type ScriptEventType = (typeof EVENTS)[number];
export type ActionName = (typeof ACTIONS)[number];
export type GuardName = (typeof GUARDS)[number];

/** One DTMF pause (`'` or `,`) is one second. */
export const DTMF_PAUSE_DELAY = 'dtmf.pause';
export const DTMF_PAUSE_SECONDS = 1;

/** Internal states, named so no step id (which starts with a letter) can collide. */
export const CANCELLED_STATE = '__cancelled';
export const CANCELLED_END_STATE = '__cancelledEnd';

/** `#script.<step>`: an absolute target, valid from any nesting depth. */
export function stepTarget(step: string): string {
  return `#${SCRIPT_MACHINE_ID}.${step}`;
}
