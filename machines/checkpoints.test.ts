import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import {
  checkpointMachine,
  combineProgress,
  finish,
  initialProgress,
  learn,
  noteProblem,
  parseStatusLine,
  postAnswer,
  reached,
  record,
  switchConfAnswer,
  type Checkpoint,
  type Progress,
} from './checkpoints.ts';

const cp = fc.constantFrom<Checkpoint>(0, 1, 2, 3, 4, 5);

describe('the checkpoint record', () => {
  it('never goes backwards, and its history is strictly increasing', () => {
    fc.assert(
      fc.property(fc.array(cp, { maxLength: 30 }), (steps) => {
        let p = initialProgress('iv');
        for (const c of steps) {
          const before = p.checkpoint;
          p = record(p, c);
          expect(p.checkpoint).toBeGreaterThanOrEqual(before);
          expect(p.checkpoint).toBe(Math.max(before, c));
        }
        expect(p.history[0]).toBe(0);
        for (let i = 1; i < p.history.length; i++) expect(p.history[i]).toBeGreaterThan(p.history[i - 1] as number);
      }),
    );
  });

  it('reached(mode): at or past the mode, or over', () => {
    const p = record(initialProgress('iv'), 2);
    expect([0, 1, 2, 3, 4, 5].map((m) => reached(p, m))).toEqual([true, true, true, false, false, false]);
    expect(reached(finish(p), 4)).toBe(true);
    expect(reached({ ...p, over: true }, 5)).toBe(true);
  });

  it('keeps the first problem, and an end step may state the result outright', () => {
    let p = noteProblem(initialProgress('iv'), 'rejected');
    p = noteProblem(p, 'error');
    expect(p.result).toBe('rejected');
    expect(finish(p, 'ok').result).toBe('ok');
  });

  it('facts only accumulate', () => {
    const p = learn(learn(initialProgress('iv'), { dialogid: 'd1', last_response: 'SIP/2.0 180 Ringing' }), { dialogid: '', last_response: undefined });
    expect(p).toMatchObject({ dialogid: 'd1', last_response: 'SIP/2.0 180 Ringing' });
  });

  it('reads sipfrag status lines, and nothing else', () => {
    expect(parseStatusLine('SIP/2.0 180 Ringing\r\nContent-Length: 0')).toEqual({ status: 180, line: 'SIP/2.0 180 Ringing' });
    expect(parseStatusLine('SIP/2.0 200')).toEqual({ status: 200, line: 'SIP/2.0 200' });
    for (const bad of ['', 'INVITE sip:x SIP/2.0', 'SIP/2.0 99 Odd', 'HTTP/1.1 200 OK']) expect(parseStatusLine(bad)).toBeUndefined();
  });

  it('answers leave unknown fields out', () => {
    expect(postAnswer(initialProgress('rIV-001-x'))).toEqual({ result: 'ok', ivrcallid: 'rIV-001-x' });
  });

  it('SWITCHCONF: both parties must reach a checkpoint; the first problem names the result', () => {
    const x = learn(record(initialProgress('ivx'), 4), { last_response: 'SIP/2.0 200 OK', dialogid: 'dx' });
    const y = noteProblem(record(initialProgress('ivy'), 2), 'rejected');
    expect(combineProgress([x, y])).toMatchObject({ checkpoint: 2, result: 'rejected', over: false });
    expect(switchConfAnswer(x, y, { dialogid: 'd', referto: '*99358', confid: 'rCF-001-abcdef' })).toEqual({
      dialogid: 'd',
      referto: '*99358',
      result: 'rejected',
      confid: 'rCF-001-abcdef',
      x_ivrcallid: 'ivx',
      x_new_dialogid: 'dx',
      x_new_last_response: 'SIP/2.0 200 OK',
      y_ivrcallid: 'ivy',
    });
  });
});

describe('the checkpoint machine', () => {
  const start = (parties: string[]) =>
    initialTransition(checkpointMachine, { parties: Object.fromEntries(parties.map((p) => [p, initialProgress(`iv-${p}`)])) })[0];

  it('moves through the checkpoints, jumping where the record jumps', () => {
    let s = start(['main']);
    expect(s.value).toBe('accepted');
    [s] = transition(checkpointMachine, s, { type: 'progress', party: 'main', progress: record(initialProgress('iv'), 3) });
    expect(s.value).toBe('targetProvisional');
    [s] = transition(checkpointMachine, s, { type: 'progress', party: 'main', progress: finish(initialProgress('iv')) });
    expect(s.value).toBe('over');
    expect(s.status).toBe('done');
  });

  it('with two parties, waits for the slower one', () => {
    let s = start(['x', 'y']);
    [s] = transition(checkpointMachine, s, { type: 'progress', party: 'x', progress: record(initialProgress('ivx'), 4) });
    expect(s.value).toBe('accepted');
    [s] = transition(checkpointMachine, s, { type: 'progress', party: 'y', progress: record(initialProgress('ivy'), 2) });
    expect(s.value).toBe('serviceSettled');
    expect(s.context.combined.checkpoint).toBe(2);
  });

  it('never moves backwards, whatever arrives in whatever order', () => {
    const order = ['accepted', 'serviceProvisional', 'serviceSettled', 'targetProvisional', 'targetSettled', 'over'];
    const progressArb = fc.record({ party: fc.constantFrom('x', 'y'), cp, over: fc.boolean() });
    fc.assert(
      fc.property(fc.array(progressArb, { maxLength: 25 }), (events) => {
        let s = start(['x', 'y']);
        let last = 0;
        for (const e of events) {
          const base: Progress = record(initialProgress(`iv-${e.party}`), e.cp);
          [s] = transition(checkpointMachine, s, { type: 'progress', party: e.party, progress: e.over ? finish(base) : base });
          const at = order.indexOf(String(s.value));
          expect(at).toBeGreaterThanOrEqual(last);
          last = at;
        }
      }),
    );
  });
});
