import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from './log.ts';

function capture(level: 'debug' | 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level, component: 'c', sink: (l) => lines.push(l) }) };
}

describe('createLogger', () => {
  it('writes the lines at or above its level and drops the others', () => {
    const { lines, logger } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['warn  c w', 'error c e']);
  });

  it('gives a child its component path and its parents fields before its own, a later value winning', () => {
    const { lines, logger } = capture('info');
    const call = logger.child('sip', { node: '001', a: 1 }).child('call', { dialogid: 'D1', a: 2 });
    call.info('call started', { from: 'sip1', a: 3, skipped: undefined });
    expect(lines[0]).toMatch(/^\S+ info  c\/sip\/call call started node=001 a=3 dialogid=D1 from=sip1$/);
  });

  it('keeps the fields a child was made with, not later changes to the object passed', () => {
    const { lines, logger } = capture('info');
    const fields = { id: 'x' };
    const child = logger.child('k', fields);
    fields.id = 'changed';
    child.info('m');
    expect(lines[0]).toMatch(/ id=x$/);
  });

  it('quotes values with spaces, quotes or equals signs, and empty ones', () => {
    const { lines, logger } = capture('info');
    logger.info('m', { a: 'two words', b: '', c: 'x=y', d: true });
    expect(lines[0]).toMatch(/ a="two words" b="" c="x=y" d=true$/);
  });

  it('children of a logger below the level write nothing either', () => {
    const { lines, logger } = capture('error');
    logger.child('x', { f: 1 }).warn('w');
    expect(lines).toEqual([]);
  });
});

describe('silentLogger', () => {
  it('and its children never reach a sink (nothing is formatted)', () => {
    expect(() => silentLogger.child('x', { a: 1 }).error('e', { b: 2 })).not.toThrow();
  });
});
