// Errors of the registrar and location service with stable codes. None of them is caused by what
// a phone sends (a bad REGISTER becomes a SIP answer): they are programming or configuration
// mistakes, and a bindings file that cannot be written is logged, not thrown.

export type RegistrarErrorCode =
  /** Registrar.handle was given a request other than REGISTER: the caller routed it wrongly. */
  | 'REGISTRAR_NOT_REGISTER'
  /** A configured static contact that is not a SIP or SIPS URI. */
  | 'REGISTRAR_BAD_STATIC_CONTACT'
  /** An address-of-record that is not `user@domain`. */
  | 'REGISTRAR_BAD_AOR';

export class RegistrarError extends Error {
  override readonly name = 'RegistrarError';

  constructor(
    readonly code: RegistrarErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (${code})`, options);
  }
}
