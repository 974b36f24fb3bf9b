// Properties of every built-in script under arbitrary event sequences (any order, duplicates,
// strangers' Call-IDs, timers firing, actors finishing or failing): the checkpoint never goes
// backwards, a problem once seen is never forgotten, and a finished run is at checkpoint 5.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScriptStepper } from './service-script-test-kit.ts';
import { BUILTIN_SCRIPTS, loadBuiltinScript, type BuiltinScript } from '../service-scripts/load.ts';

const INPUTS: Record<BuiltinScript, { params: Record<string, string>; callids: Record<string, string> }> = {
  post: { params: { from: '11', to: "12,3'4", domain: 'd' }, callids: { ivr: 'L1' } },
  invite: { params: { from: '11', to: '12,5', from_number: '11', domain: 'd' }, callids: { x: 'L1', y: 'L2' } },
  refer: { params: { y: 'y', y_callid: 'yc', x: 'x', x_number: '11', referto: '13' }, callids: { ivr: 'L1' } },
  referreplaces: { params: { y: 'y', y_callid: 'yc', x: 'x', z: 'z', z_callid: 'zc' }, callids: { ivr: 'L1' } },
  switchconf: { params: { party: 'p', party_callid: 'pc', by: 'b', referto: '*9912345678' }, callids: { ivr: 'L1' } },
};

type Move =
  | { kind: 'event'; event: Record<string, unknown> & { type: string } }
  | { kind: 'fire'; pick: number }
  | { kind: 'complete'; pick: number; ok: boolean };

const callid = fc.constantFrom('L1', 'L2', 'stranger');
const sipfrags = fc.constantFrom('SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'SIP/2.0 486 Busy Here', 'SIP/2.0 603 Decline', 'garbage', '');

const move: fc.Arbitrary<Move> = fc.oneof(
  fc.record({
    kind: fc.constant('event' as const),
    event: fc.oneof(
      fc.record({ type: fc.constant('sip.provisional'), callid, status: fc.constantFrom(180, 183), reason: fc.constant('Ringing') }),
      fc.record({ type: fc.constant('sip.answered'), callid }),
      fc.record({ type: fc.constant('sip.failed'), callid, status: fc.constantFrom(0, 404, 480, 486, 487, 600, 603), reason: fc.constant('X') }),
      fc.record({ type: fc.constant('sip.bye'), callid }),
      fc.record({ type: fc.constant('refer.accepted'), callid }),
      fc.record({ type: fc.constant('refer.rejected'), callid, status: fc.constantFrom(403, 405, 481), reason: fc.constant('No') }),
      fc.record({ type: fc.constant('notify.sipfrag'), callid, sipfrag: sipfrags, dialogid: fc.constantFrom('d1', 'd2') }),
      fc.record({ type: fc.constant('notify.none'), callid }),
      fc.record({ type: fc.constant('cancel') }),
    ),
  }),
  fc.record({ kind: fc.constant('fire' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('complete' as const), pick: fc.nat(), ok: fc.boolean() }),
);

function apply(s: ScriptStepper, m: Move): void {
  if (m.kind === 'event') s.send(m.event);
  else if (m.kind === 'fire') {
    const delays = s.pendingDelays;
    if (delays.length) s.fire(delays[m.pick % delays.length] as string);
  } else if (s.live.length) {
    const a = s.live[m.pick % s.live.length] as { src: string };
    if (m.ok) s.complete(a.src, a.src === 'joinLegs' ? { dialogid: 'dj', acallid: 'L1' } : undefined);
    else s.fail(a.src);
  }
}

describe.each(BUILTIN_SCRIPTS)('%s script under arbitrary events', (name) => {
  const script = loadBuiltinScript(name);

  it('checkpoints never go backwards; problems stick; the end is checkpoint 5', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 40 }), (moves) => {
        const s = new ScriptStepper(script, INPUTS[name]);
        let prev = s.progress;
        for (const m of moves) {
          if (s.done) break;
          apply(s, m);
          const p = s.progress;
          expect(p.checkpoint).toBeGreaterThanOrEqual(prev.checkpoint);
          expect(p.history.slice(0, prev.history.length)).toEqual(prev.history);
          if (prev.result !== 'ok') expect(p.result).toBe(prev.result);
          prev = p;
        }
        if (s.done) expect(s.progress).toMatchObject({ checkpoint: 5, over: true });
      }),
      { numRuns: 150 },
    );
  });

  it('a cancel always finishes the run once its hangups complete', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 15 }), (moves) => {
        const s = new ScriptStepper(script, INPUTS[name]);
        for (const m of moves) if (!s.done) apply(s, m);
        if (s.done) return;
        s.send({ type: 'cancel' });
        for (let i = 0; i < 5 && !s.done; i++) s.complete('hangup');
        expect(s.done).toBe(true);
        expect(s.progress.over).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
