// Call events (spec "Events"): what the SIP node tells the API's event stream. Published on a bus in
// the node's process; each subscriber filters by what its user may see (the participants).
import type { Participant } from '../store/dialog.ts';

export type CallEventType = 'start' | 'ring' | 'answer' | 'transfer' | 'end';

export interface CallEvent {
  type: CallEventType;
  /** Epoch milliseconds of the event. */
  ts: number;
  inviteid: string;
  dialogid: string;
  bindings: string[];
  /** The dialog's start (INVITE arrival), epoch ms. */
  startts: number;
  /** `answer`: when answered; `end`: why it ended, e.g. `bye-a`, `bye-b`, `cancel`, `busy`, `noanswer`, `error`. */
  cause?: string;
  /** The SIP status that ended or progressed the call, when there is one (180, 200, 486…). */
  status?: number;
  /** `transfer`: the dialog the call moved to. */
  newdialogid?: string;
  /** Who takes part: used for scoping, never sent to clients. */
  participants: Participant[];
}

export interface AsrEvent {
  type: 'asr';
  ts: number;
  dialogid: string;
  layer: string;
  callid: string;
  text: string;
  final: boolean;
  participants: Participant[];
}

export type BusEvent = CallEvent | AsrEvent;
export type BusListener = (event: BusEvent) => void;

/** A synchronous fan-out. Subscribers must not block: slow consumers buffer (bounded) on their side. */
export class CallEventBus {
  #listeners = new Set<BusListener>();

  publish(event: BusEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // A broken subscriber must never disturb call processing.
      }
    }
  }

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscribers(): number {
    return this.#listeners.size;
  }
}
