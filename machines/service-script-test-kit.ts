// Test helper: drives a service-script machine with pure `transition()` steps. Nothing runs: the
// kit only reads the actions XState returns, so a test sees which actors would be invoked (and with
// what input) and which timers would be pending, and completes or fires them by hand.
import { initialTransition, transition } from 'xstate';
import { createServiceScriptMachine, type ServiceScriptMachine, type ServiceScriptSnapshot } from './service-script-setup.ts';
import type { ScriptEvent, ScriptInput } from './service-script-types.ts';
import type { CompiledScript } from '../service-scripts/types.ts';

export interface Invoked {
  id: string;
  src: string;
  input: unknown;
}

interface Pending {
  id: string;
  event: { type: string };
  delay: number;
}

type ExecAction = { type: string; params?: unknown };

export class ScriptStepper {
  readonly machine: ServiceScriptMachine;
  snapshot: ServiceScriptSnapshot;
  /** Actors invoked and not stopped, oldest first. */
  live: Invoked[] = [];
  /** Every actor ever invoked, in order. */
  invoked: Invoked[] = [];
  timers: Pending[] = [];

  constructor(script: CompiledScript, input: ScriptInput) {
    this.machine = createServiceScriptMachine(script);
    const [snapshot, actions] = initialTransition(this.machine, input);
    this.snapshot = snapshot;
    this.absorb(actions);
  }

  get context() {
    return this.snapshot.context;
  }

  get progress() {
    return this.snapshot.context.progress;
  }

  /** The state value as a dotted path: `transfer.awaiting.sending`. */
  get state(): string {
    const walk = (v: unknown): string[] =>
      typeof v === 'string' ? [v] : Object.entries(v as Record<string, unknown>).flatMap(([k, c]) => [k, ...walk(c)]);
    return walk(this.snapshot.value).join('.');
  }

  get done(): boolean {
    return this.snapshot.status === 'done';
  }

  send(event: ScriptEvent | { type: string; [key: string]: unknown }): this {
    const [next, actions] = transition(this.machine, this.snapshot, event as ScriptEvent);
    this.snapshot = next;
    this.absorb(actions as ExecAction[]);
    return this;
  }

  /** The live actor of that source (the latest, if several). */
  actor(src: string): Invoked {
    const found = [...this.live].reverse().find((a) => a.src === src);
    if (!found) throw new Error(`no live "${src}" actor; live: ${this.live.map((a) => a.src).join(', ') || 'none'} (state ${this.state})`);
    return found;
  }

  complete(src: string, output?: unknown): this {
    const a = this.actor(src);
    this.live = this.live.filter((x) => x !== a);
    return this.send({ type: `xstate.done.actor.${a.id}`, output, actorId: a.id });
  }

  fail(src: string, error: unknown = new Error('failed')): this {
    const a = this.actor(src);
    this.live = this.live.filter((x) => x !== a);
    return this.send({ type: `xstate.error.actor.${a.id}`, error, actorId: a.id });
  }

  /** Pending timer names, e.g. `dial.timeout`. */
  get pendingDelays(): string[] {
    return this.timers.map((t) => delayName(t.event.type));
  }

  fire(delay: string): this {
    const t = this.timers.find((p) => delayName(p.event.type) === delay);
    if (!t) throw new Error(`no pending "${delay}" timer; pending: ${this.pendingDelays.join(', ') || 'none'} (state ${this.state})`);
    this.timers = this.timers.filter((p) => p !== t);
    return this.send(t.event);
  }

  private absorb(actions: ExecAction[]): void {
    for (const a of actions) {
      const p = (a.params ?? {}) as Record<string, unknown>;
      if (a.type === 'xstate.spawnChild') {
        const inv = { id: String(p.id), src: String(p.src), input: p.input };
        this.live.push(inv);
        this.invoked.push(inv);
      } else if (a.type === 'xstate.stopChild') {
        const ref = p as { id?: string };
        this.live = this.live.filter((x) => x.id !== ref.id);
      } else if (a.type === 'xstate.raise' && typeof p.delay === 'number') {
        this.timers.push({ id: String(p.id), event: p.event as { type: string }, delay: p.delay });
      } else if (a.type === 'xstate.cancel') {
        this.timers = this.timers.filter((t) => t.id !== p.sendId);
      }
    }
    // A done actor is gone too: its done event has been handled.
    if (this.done) this.live = [];
  }
}

/** `xstate.after.dial.timeout.script.dial` → `dial.timeout` (delay names have one dot). */
function delayName(eventType: string): string {
  const rest = eventType.replace(/^xstate\.after\./, '');
  const parts = rest.split('.');
  return `${parts[0]}.${parts[1]}`;
}
