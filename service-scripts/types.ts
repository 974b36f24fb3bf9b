// Plain-JSON shapes shared by the compiler (outside workflows) and the machine factory (inside
// workflows). Types only: importing this file pulls no code into the workflow bundle.

export type ParamType = 'string' | 'number' | 'boolean';
export type ParamValue = string | number | boolean;

export interface ParamDecl {
  type: ParamType;
  default?: ParamValue;
  description?: string;
}

/**
 * Which part of the operation's answer a call or transfer feeds: `service` is the seed's IVR→X call
 * (checkpoints 1 and 2, `ivrcallid`), `target` is the call the operation is about (checkpoints 3
 * and 4, `last_response`), `none` changes nothing (a transfer back after a failure).
 */
export type Reports = 'service' | 'target' | 'none';

/** One problem in a script or its input, named by where it is: `steps.dial.on.answered`. */
export interface Issue {
  path: string;
  message: string;
  /** 1-based line in the source file, when the script came from a file. */
  line?: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An action or guard referenced by name, with JSON parameters: never a function. */
export interface NamedRef {
  type: string;
  params?: { [key: string]: JsonValue };
}

export interface TransitionJson {
  target?: string;
  guard?: NamedRef;
  actions?: NamedRef[];
}

export interface InvokeJson {
  id: string;
  src: string;
  /** Expressions still unresolved: the machine factory turns this into an input function. */
  input: { [key: string]: JsonValue };
  onDone?: TransitionJson[];
  onError?: TransitionJson[];
}

export interface StateJson {
  type?: 'final';
  description?: string;
  meta?: { step?: string; component?: string };
  initial?: string;
  entry?: NamedRef[];
  on?: Record<string, TransitionJson[]>;
  after?: Record<string, TransitionJson[]>;
  always?: TransitionJson[];
  invoke?: InvokeJson;
  states?: Record<string, StateJson>;
}

export interface MachineJson extends StateJson {
  id: string;
  initial: string;
  states: Record<string, StateJson>;
}

/** A delay named in `after`: seconds as a number or as one `${params.x}` of a number param. */
export interface DelaySpec {
  seconds: number | string;
}

export interface LegInfo {
  reports: Reports;
  /** The call steps that may place this leg (several only on exclusive branches). */
  placedBy: string[];
}

/** What the compiler hands to the workflow: validated, plain JSON, deterministic to run. */
export interface CompiledScript {
  format: 1;
  name: string;
  description?: string;
  params: Record<string, ParamDecl>;
  /** Calls the script places, by leg name; the workflow makes one Call-ID per leg before starting. */
  legs: Record<string, LegInfo>;
  /** The leg whose Call-ID is the answer's `ivrcallid`, if any. */
  serviceLeg: string | null;
  /** Every variable a script may read as `${vars.NAME}`. */
  vars: string[];
  delays: Record<string, DelaySpec>;
  machine: MachineJson;
}
