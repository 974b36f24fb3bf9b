// The only implementations a compiled service script can reach: `setup()` with the allow-listed
// actors, actions, guards and delays, and the factory that turns compiled JSON into a machine.
//
// Never restore these machines from a snapshot. XState restarts every invoked promise actor on
// restore (an INVITE or REFER would be sent twice) and drops pending `after` timers (a call would
// ring forever). Inside Temporal nothing needs restoring: a workflow that resumes replays its history,
// the machine is rebuilt from its input, and the same events reach it in the same order; recorded
// activity results stand in for the actors, and `after` delays are the sandbox's durable timers.
import { assign, fromPromise, setup, type SnapshotFrom } from 'xstate';
import type { Progress } from './checkpoints.ts';
import { actions as A, delayMs, guards as G, initialContext, inputs, type SipfragKind } from './service-script-logic.ts';
import type {
  HangupInput,
  JoinLegsInput,
  JoinLegsOutput,
  PlaceCallInput,
  ScriptContext,
  ScriptEvent,
  ScriptInput,
  SendDtmfInput,
  SendReferInput,
  ServiceScriptImpl,
} from './service-script-types.ts';
import { ACTORS, SCRIPT_MACHINE_ID } from './service-script-vocabulary.ts';
import type { Result } from './checkpoints.ts';
import type { CompiledScript, JsonValue, StateJson } from '../service-scripts/types.ts';

function missing(name: string): () => Promise<never> {
  return () => Promise.reject(new Error(`service script actor "${name}" has no implementation`));
}

/** The allow-list, bound to one compiled script (whose delays it resolves from the context). */
export function serviceScriptSetup(compiled: CompiledScript, impl: Partial<ServiceScriptImpl> = {}) {
  const delays: Record<string, (args: { context: ScriptContext }) => number> = {};
  for (const [name, spec] of Object.entries(compiled.delays)) delays[name] = ({ context }) => delayMs(spec, context);

  return setup({
    types: {
      context: {} as ScriptContext,
      events: {} as ScriptEvent,
      input: {} as ScriptInput,
      output: {} as Progress,
    },
    actors: {
      placeCall: fromPromise<void, PlaceCallInput>(({ input, signal }) => (impl.placeCall ?? missing('placeCall'))(input, signal)),
      sendRefer: fromPromise<void, SendReferInput>(({ input, signal }) => (impl.sendRefer ?? missing('sendRefer'))(input, signal)),
      sendDtmf: fromPromise<void, SendDtmfInput>(({ input, signal }) => (impl.sendDtmf ?? missing('sendDtmf'))(input, signal)),
      hangup: fromPromise<void, HangupInput>(({ input, signal }) => (impl.hangup ?? missing('hangup'))(input, signal)),
      joinLegs: fromPromise<JoinLegsOutput, JoinLegsInput>(({ input, signal }) => (impl.joinLegs ?? missing('joinLegs'))(input, signal)),
    },
    actions: {
      enterStep: assign(({ context, event }, p: { step: string }) => A.enterStep(context, event, p)),
      dialString: assign(({ context, event }, p: { step: string; expr: string }) => A.dialString(context, event, p)),
      legCalling: assign(({ context, event }, p: { leg: string; step: string }) => A.legCalling(context, event, p)),
      legProvisional: assign(({ context, event }, p: { leg: string }) => A.legProvisional(context, event, p)),
      legAnswered: assign(({ context, event }, p: { leg: string }) => A.legAnswered(context, event, p)),
      legFailed: assign(({ context, event }, p: { leg: string }) => A.legFailed(context, event, p)),
      legTimedOut: assign(({ context, event }, p: { leg: string }) => A.legTimedOut(context, event, p)),
      legBye: assign(({ context, event }, p: { leg: string }) => A.legBye(context, event, p)),
      legLate: assign(({ context, event }) => A.legLate(context, event)),
      placeFailed: assign(({ context, event }, p: { leg: string }) => A.placeFailed(context, event, p)),
      referStart: assign(({ context, event }, p: { leg: string; reports: 'target' | 'none' }) => A.referStart(context, event, p)),
      referAccepted: assign(({ context, event }, p: { leg: string }) => A.referAccepted(context, event, p)),
      referRejected: assign(({ context, event }, p: { leg: string }) => A.referRejected(context, event, p)),
      sipfrag: assign(({ context, event }, p: { leg: string }) => A.sipfrag(context, event, p)),
      sipfragLate: assign(({ context, event }) => A.sipfragLate(context, event)),
      notifyMissing: assign(({ context, event }, p: { leg: string }) => A.notifyMissing(context, event, p)),
      dtmfLoad: assign(({ context, event }, p: { digits: string; leg?: string; dialog?: string; side?: 'a' | 'b' }) =>
        A.dtmfLoad(context, event, p),
      ),
      dtmfShift: assign(({ context }) => A.dtmfShift(context)),
      dtmfAbandon: assign(({ context }) => A.dtmfAbandon(context)),
      releaseLegs: assign(({ context, event }, p: { legs: string[] }) => A.releaseLegs(context, event, p)),
      releaseAll: assign(({ context }) => A.releaseAll(context)),
      released: assign(({ context }) => A.released(context)),
      joined: assign(({ context, event }, p: { legs: string[] }) => A.joined(context, event, p)),
      joinFailed: assign(({ context }) => A.joinFailed(context)),
      cancelled: assign(({ context }) => A.cancelled(context)),
      finish: assign(({ context, event }, p: { result?: Result } | undefined) => A.finish(context, event, p)),
    },
    guards: {
      fromLeg: ({ context, event }, p: { leg: string }) => G.fromLeg(context, event, p),
      busy: ({ context, event }, p: { leg: string }) => G.busy(context, event, p),
      byeBeforeTransfer: ({ context, event }, p: { leg: string; step: string }) => G.byeBeforeTransfer(context, event, p),
      sipfragIs: ({ context, event }, p: { leg: string; kind: SipfragKind }) => G.sipfragIs(context, event, p),
      dtmfDone: ({ context }) => G.dtmfDone(context),
      dtmfPause: ({ context }) => G.dtmfPause(context),
      nothingToRelease: ({ context }) => G.nothingToRelease(context),
      truthy: ({ context, event }, p: { expr: string }) => G.truthy(context, event, p),
    },
    delays,
  });
}

type InputFn = (args: { context: ScriptContext }) => unknown;
type HydratedState = Omit<StateJson, 'invoke' | 'states'> & {
  invoke?: Omit<NonNullable<StateJson['invoke']>, 'input'> & { input: InputFn };
  states?: Record<string, HydratedState>;
};

/** Copies the JSON states, turning each invoke's input spec into a function of the context. */
function hydrate(state: StateJson): HydratedState {
  const { invoke, states, ...rest } = state;
  const out: HydratedState = { ...rest };
  if (invoke) {
    const src = invoke.src;
    if (!(ACTORS as readonly string[]).includes(src)) throw new Error(`compiled script invokes unknown actor "${src}"`);
    const spec: { [key: string]: JsonValue } = invoke.input;
    const build = inputs[src as keyof typeof inputs];
    out.invoke = { ...invoke, input: ({ context }) => build(spec, context) };
  }
  if (states) {
    out.states = {};
    for (const [key, child] of Object.entries(states)) out.states[key] = hydrate(child);
  }
  return out;
}

/**
 * The machine for one compiled script. Its input is `{ params, callids }` (see bindInput); its
 * output, once an `end` step is reached, is the final Progress. `impl` supplies the actors; pure
 * `transition()` tests can leave it out, since nothing is started there.
 */
export function createServiceScriptMachine(compiled: CompiledScript, impl: Partial<ServiceScriptImpl> = {}) {
  if (compiled.format !== 1) throw new Error(`unsupported compiled script format ${String(compiled.format)}`);
  if (compiled.machine.id !== SCRIPT_MACHINE_ID) throw new Error(`compiled machine id must be "${SCRIPT_MACHINE_ID}"`);
  const s = serviceScriptSetup(compiled, impl);
  const config = {
    ...hydrate(compiled.machine),
    id: SCRIPT_MACHINE_ID,
    context: ({ input }: { input: ScriptInput }) => initialContext(compiled, input),
    output: ({ context }: { context: ScriptContext }) => context.progress,
  };
  // The config is data the compiler produced against the same vocabulary; its names are checked
  // by tests, not by the type system (they are strings in JSON).
  return s.createMachine(config as unknown as Parameters<typeof s.createMachine>[0]);
}

export type ServiceScriptMachine = ReturnType<typeof createServiceScriptMachine>;
export type ServiceScriptSnapshot = SnapshotFrom<ServiceScriptMachine>;
