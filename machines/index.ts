// What workflow code imports to run service scripts: everything here is deterministic and free of
// Node built-ins (a test bundles this file with Temporal's workflow bundler to prove it).
export * from './checkpoints.ts';
export { createServiceScriptMachine, serviceScriptSetup, type ServiceScriptMachine, type ServiceScriptSnapshot } from './service-script-setup.ts';
export type * from './service-script-types.ts';
export { ACTORS, EVENTS, SCRIPT_MACHINE_ID } from './service-script-vocabulary.ts';
export { bindInput, ScriptInputError } from '../service-scripts/params.ts';
export type { CompiledScript, Issue, ParamValue } from '../service-scripts/types.ts';
