// Bad scripts and the `path: message` each must produce.
import { describe, expect, it } from 'vitest';
import { validateScript } from './validate.ts';

/** A small valid script; each case below breaks one thing in a copy of it. */
function base(): Record<string, unknown> & { steps: Record<string, Record<string, unknown>>; params: Record<string, unknown> } {
  return {
    name: 'demo',
    params: { to: 'string', timeout: { type: 'number', default: 30 } },
    start: 'dial',
    steps: {
      dial: { type: 'call', leg: 'ivr', to: '${params.to}', timeout: '${params.timeout}', on: { answered: 'transfer', failed: 'done' } },
      transfer: { type: 'transfer', target: '${vars.dial_number}', on: { succeeded: 'release', failed: 'release', unknown: 'release' } },
      release: { type: 'hangup', legs: ['ivr'], next: 'done' },
      done: { type: 'end' },
    },
  };
}

const messages = (doc: unknown) => {
  const r = validateScript(doc);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

type Case = [string, (d: ReturnType<typeof base>) => void, string];

const cases: Case[] = [
  ['unknown exit target', (d) => ((d.steps.dial as { on: Record<string, string> }).on.answered = 'foo'), 'steps.dial.on.answered: unknown step "foo"'],
  ['unknown start', (d) => (d.start = 'nowhere'), 'start: unknown step "nowhere"'],
  ['misspelt field', (d) => (d.steps.dial = { ...d.steps.dial, timout: 5 }), 'steps.dial.timout: unknown field'],
  ['unknown component', (d) => (d.steps.dial = { ...d.steps.dial, type: 'dial' }), 'steps.dial.type: type must be one of call, transfer, transferReplace, dtmf, wait, hangup, join, branch, end'],
  ['missing required exit', (d) => (d.steps.transfer = { ...d.steps.transfer, on: { succeeded: 'release', failed: 'release' } }), 'steps.transfer.on.unknown: Invalid input: expected string, received undefined'],
  ['bad step id', (d) => (d.steps['2nd'] = { type: 'end' }), 'steps.2nd: a step id is a letter then letters, digits or "_"'],
  ['unreached step', (d) => (d.steps.orphan = { type: 'wait', seconds: 1, next: 'done' }), 'steps.orphan: never reached from start "dial"'],
  ['a loop that never ends', (d) => {
    d.steps.transfer = { ...d.steps.transfer, on: { succeeded: 'spin', failed: 'release', unknown: 'release' } };
    d.steps.spin = { type: 'wait', seconds: 1, next: 'spin' };
  }, 'steps.spin: no path from this step reaches an end step'],
  ['an eventless loop', (d) => {
    d.params.flag = 'boolean';
    d.steps.transfer = { ...d.steps.transfer, on: { succeeded: 'a', failed: 'release', unknown: 'release' } };
    d.steps.a = { type: 'branch', if: '${params.flag}', then: 'b', else: 'done' };
    d.steps.b = { type: 'branch', if: '${params.flag}', then: 'a', else: 'done' };
  }, 'steps.a: steps a → b → a loop without waiting for anything'],
  ['unknown param', (d) => (d.steps.dial = { ...d.steps.dial, to: '${params.nope}' }), 'steps.dial.to: unknown param "nope"'],
  ['unknown var', (d) => (d.steps.transfer = { ...d.steps.transfer, target: '${vars.nope}' }), 'steps.transfer.target: unknown var "nope"'],
  ['bad placeholder', (d) => (d.steps.dial = { ...d.steps.dial, callerid: '${params.to' }), 'steps.dial.callerid: unterminated "${" at character 1'],
  ['code in a placeholder', (d) => (d.steps.dial = { ...d.steps.dial, callerid: '${require("fs")}' }), 'steps.dial.callerid: "${require("fs")}" is not ${params.NAME} or ${vars.NAME}'],
  ['declared param unused', (d) => (d.params.extra = 'string'), 'params.extra: declared but never used'],
  ['wrong default type', (d) => (d.params.timeout = { type: 'number', default: 'soon' }), 'params.timeout.default: expected number, got "soon"'],
  ['seconds from a string param', (d) => (d.params.timeout = 'string'), 'steps.dial.timeout: param "timeout" is string, expected number'],
  ['seconds as free text', (d) => (d.steps.dial = { ...d.steps.dial, timeout: '30s' }), 'steps.dial.timeout: expected seconds: a number or "${params.NAME}" naming a number parameter'],
  ['negative seconds', (d) => (d.steps.dial = { ...d.steps.dial, timeout: -1 }), 'steps.dial.timeout: seconds must be more than 0'],
  ['seconds of the wrong kind', (d) => (d.steps.dial = { ...d.steps.dial, timeout: true }), 'steps.dial.timeout: expected seconds (a number up to 86400) or "${params.NAME}"'],
  ['hangup of an unknown leg', (d) => (d.steps.release = { ...d.steps.release, legs: ['x'] }), 'steps.release.legs.0: unknown leg "x": no call step places it'],
  ['transfer without a leg when there are several', (d) => {
    d.steps.dial = { ...d.steps.dial, on: { answered: 'second', failed: 'done' } };
    d.steps.second = { type: 'call', leg: 'other', reports: 'target', to: '1', on: { answered: 'transfer', failed: 'done' } };
  }, 'steps.transfer.leg: leg is required: the script places several calls (ivr, other)'],
  ['a leg placed twice on one path', (d) => {
    d.steps.transfer = { ...d.steps.transfer, on: { succeeded: 'again', failed: 'release', unknown: 'release' } };
    d.steps.again = { type: 'call', leg: 'ivr', to: '1', on: { answered: 'release', failed: 'release' } };
  }, 'steps.again.leg: leg "ivr" is already placed by step "dial" on a path to this step'],
  ['two service legs', (d) => {
    d.steps.dial = { ...d.steps.dial, on: { answered: 'second', failed: 'done' } };
    d.steps.second = { type: 'call', leg: 'other', to: '1', on: { answered: 'transfer', failed: 'done' } };
    d.steps.transfer = { ...d.steps.transfer, leg: 'ivr' };
  }, 'steps.second.reports: only one leg can be the service call; "ivr" already is'],
  ['dtmf with leg and dialog', (d) => {
    d.steps.transfer = { ...d.steps.transfer, on: { succeeded: 'keys', failed: 'release', unknown: 'release' } };
    d.steps.keys = { type: 'dtmf', leg: 'ivr', dialog: '${vars.dialogid}', digits: '1', next: 'release' };
  }, 'steps.keys.dialog: give leg or dialog, not both'],
  ['join of one leg with itself', (d) => {
    d.steps.transfer = { ...d.steps.transfer, on: { succeeded: 'j', failed: 'release', unknown: 'release' } };
    d.steps.j = { type: 'join', legs: ['ivr', 'ivr'], on: { joined: 'done', failed: 'done' } };
  }, 'steps.j.legs: join needs two different legs'],
  ['no end step', (d) => {
    delete d.steps.done;
    d.steps.dial = { ...d.steps.dial, on: { answered: 'transfer', failed: 'release' } };
    d.steps.release = { ...d.steps.release, next: 'release' };
  }, 'steps: no end step: a script must finish'],
  ['bad header name', (d) => (d.steps.dial = { ...d.steps.dial, headers: { 'Call Info': 'x' } }), 'steps.dial.headers.Call Info: not a SIP header name'],
  ['bad result', (d) => (d.steps.done = { type: 'end', result: 'great' }), 'steps.done.result: Invalid option: expected one of "ok"|"rejected"|"bye"|"timeout"|"error"|"unknown"'],
];

describe('script validation', () => {
  it('accepts the base script', () => {
    expect(messages(base())).toEqual([]);
  });

  it.each(cases)('%s', (_title, breakIt, expected) => {
    const doc = base();
    breakIt(doc);
    expect(messages(doc)).toContain(expected);
  });

  it('reports every problem at once', () => {
    const doc = base();
    doc.start = 'nowhere';
    doc.params.extra = 'string';
    doc.steps.dial = { ...doc.steps.dial, to: '${params.nope}' };
    expect(messages(doc)).toEqual(
      expect.arrayContaining(['start: unknown step "nowhere"', 'params.extra: declared but never used', 'steps.dial.to: unknown param "nope"']),
    );
  });

  it('names the root when the document is not an object', () => {
    expect(messages('hello')).toEqual(['(root): Invalid input: expected object, received string']);
  });
});
