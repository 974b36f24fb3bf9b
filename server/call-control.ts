// The API's CallControlPort over the SIP node. What the node cannot do yet answers 1503 naming the
// feature, so a client never gets a success that did nothing.
import { ApiError } from '../api/errors.ts';
import type { CallControlPort } from '../api/ports.ts';
import { B2buaError, type SipNode } from '../b2bua/index.ts';

/** What the node cannot do yet: 1503 naming the feature (also the remote port's answer). */
export function notYet(feature: string): never {
  throw new ApiError(1503, `${feature} is not available yet on this server`);
}

export function createCallControl(node: SipNode): CallControlPort {
  return {
    async hangup(dialogid) {
      try {
        await node.calls.hangup(dialogid);
      } catch (err) {
        // Ended between the API's store check and now: the same answer as any unknown dialog.
        if (err instanceof B2buaError && err.code === 'B2BUA_NO_SUCH_DIALOG') throw new ApiError(1413, 'Dialog not found');
        throw err;
      }
    },
    // The call keeps its stored opts (the API wrote the labels there): nothing more to tell the node.
    async bindings() {},
    notify: () => notYet('NOTIFY (device control)'),
    sendDtmf: () => notYet('SEND_DTMF'),
    asr: () => notYet('SETUP_ASR'),
    record: () => notYet('SETUP_RECORD'),
  };
}
