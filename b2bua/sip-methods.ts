// The methods the node serves, and the Allow lists that say so (RFC 3261 §8.2.1, §20.5).

/** Methods a phone may send us within a call; what our dialog-creating messages list in Allow. */
export const DIALOG_METHODS: readonly string[] = Object.freeze(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE', 'NOTIFY', 'MESSAGE', 'REFER', 'SUBSCRIBE']);

/** Methods served outside a dialog: calls, registration, and OPTIONS to the server itself. */
export const OUT_OF_DIALOG_METHODS: readonly string[] = Object.freeze(['INVITE', 'ACK', 'CANCEL', 'OPTIONS', 'REGISTER']);

/** Everything the node understands: OPTIONS to the server lists it. */
export const ALL_METHODS: readonly string[] = Object.freeze([...new Set([...OUT_OF_DIALOG_METHODS, ...DIALOG_METHODS])]);

/**
 * Methods we recognise (RFC 3261 and the extensions a PBX meets). §8.2.1: a recognised method we do
 * not serve gets 405 with Allow; an unrecognised one 501.
 */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([...ALL_METHODS, 'PRACK', 'PUBLISH']);

/** Methods that only exist inside a dialog: without a To tag there is nothing for them to match. */
export const IN_DIALOG_ONLY_METHODS: ReadonlySet<string> = new Set(['BYE', 'INFO', 'UPDATE', 'PRACK', 'NOTIFY']);

export const allow = (methods: readonly string[]): readonly [string, string] => ['Allow', methods.join(', ')];

/** What OPTIONS to the server answers, and what our INVITEs and 200s advertise (§11.2). */
export const CAPABILITY_HEADERS: readonly (readonly [string, string])[] = Object.freeze([
  allow(ALL_METHODS),
  ['Accept', 'application/sdp'],
  // No option tag is supported yet (no 100rel, timer, replaces): an empty Supported says so.
  ['Supported', ''],
]);
