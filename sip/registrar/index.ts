// The registrar and location service: public surface.
export { AccountDirectory, type SipAccount, type SipDomain } from './account-directory.ts';
export { addressOfRecord, normalizeAor } from './address-of-record.ts';
export type { Binding, FlowAddress, LocationEvent, LocationListener, RegisteredBinding, StaticBinding } from './binding.ts';
export { BINDINGS_FILE_NAME, BindingFile, type BindingFileOptions, type LoadedBindings } from './binding-file.ts';
export { contactExpiry, type ContactExpiry } from './contact-expiry.ts';
export {
  LocationService,
  type BindingChange,
  type ContactUpdate,
  type LocationServiceOptions,
  type StaticContact,
  type UpdateRefusal,
  type UpdateResult,
} from './location-service.ts';
export { Registrar, SUPPORTED_OPTION_TAGS, type RegistrarOptions } from './registrar.ts';
export { RegistrarError, type RegistrarErrorCode } from './registrar-error.ts';
export { ONE_HOUR_S, registrationLimitsSchema, resolveRegistrationLimits, type RegistrationLimits } from './registration-limits.ts';
export { urisEquivalent } from './uri-equivalence.ts';
