// Responses the transaction layer makes up for the TU (§8.1.3.1): 408 when Timer B or F fires,
// 503 on a transport error; and 487 when a CANCELled INVITE never got a final response (§9.1).
import { SipResponse, createResponse, type SipRequest } from '../message/index.ts';

export type LocalCause =
  /** Timer B or F: no final response in 64*T1 (§17.1.1.2, §17.1.2.2). */
  | 'timeout'
  /** The transport could not send the request (§17.1.4). */
  | 'transport-error'
  /** §9.1: no final response 64*T1 after the CANCEL; the INVITE is considered cancelled. */
  | 'cancel-timeout';

/** A response that never crossed the network. Tell it apart with `instanceof LocalResponse`. */
export class LocalResponse extends SipResponse {
  readonly cause: LocalCause;
  readonly error: Error | undefined;

  constructor(request: SipRequest, status: number, cause: LocalCause, error?: Error) {
    const base = createResponse(request, status);
    super(base.status, base.reason, base.headers);
    this.cause = cause;
    this.error = error;
  }

  static timeout(request: SipRequest): LocalResponse {
    return new LocalResponse(request, 408, 'timeout');
  }

  static transportError(request: SipRequest, error: Error): LocalResponse {
    return new LocalResponse(request, 503, 'transport-error', error);
  }

  static cancelTimeout(request: SipRequest): LocalResponse {
    return new LocalResponse(request, 487, 'cancel-timeout');
  }
}
