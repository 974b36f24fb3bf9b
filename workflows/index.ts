// The workflow bundle's entry: every workflow type the engine runs.
export { healthCheck } from './health-check.ts';
