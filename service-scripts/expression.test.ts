import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanDtmf, interpolate, isTruthy, leadingDigits, parseExpression, singleRef, splitDialString } from './expression.ts';

describe('expressions', () => {
  const lookup = (r: { ns: string; name: string }) => `<${r.ns}:${r.name}>`;

  it('fills ${params.x} and ${vars.y}, leaves other text alone', () => {
    expect(interpolate('<sip:${params.domain}>;answer-after=0', lookup)).toBe('<sip:<params:domain>>;answer-after=0');
    expect(interpolate('${ vars.transfer_dtmf }', lookup)).toBe('<vars:transfer_dtmf>');
    expect(interpolate('$5 and {braces}', lookup)).toBe('$5 and {braces}');
  });

  it('refuses anything that is not a plain reference', () => {
    for (const bad of ['${params.x', '${env.HOME}', '${params.x + 1}', '${params}', '${process.exit()}', '${}']) {
      expect(parseExpression(bad).ok, bad).toBe(false);
    }
  });

  it('singleRef finds an expression that is exactly one reference', () => {
    expect(singleRef('${params.calltimeout}')).toEqual({ ns: 'params', name: 'calltimeout' });
    expect(singleRef('x${params.calltimeout}')).toBeUndefined();
  });

  it('never evaluates: output is text and lookups only', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = interpolate(s, () => '');
        expect(typeof out).toBe('string');
      }),
    );
  });

  it('branch truth', () => {
    expect(['true', 'yes', '1', 'x'].map(isTruthy)).toEqual([true, true, true, true]);
    expect(['', 'false', 'FALSE', '0', 'no', ' '].map(isTruthy)).toEqual([false, false, false, false, false, false]);
  });
});

describe('dial strings', () => {
  it("the first ' or , starts the DTMF part; the rest are pauses", () => {
    expect(splitDialString('16')).toEqual({ number: '16', dtmf: '' });
    expect(splitDialString("16,123'4")).toEqual({ number: '16', dtmf: "123'4" });
    expect(splitDialString("16',,5")).toEqual({ number: '16', dtmf: ',,5' });
  });

  it('DTMF keeps digits and pauses only', () => {
    expect(cleanDtmf("1a#*,D'x9")).toBe("1A#*,D'9");
    expect(leadingDigits("12,3")).toBe('12');
  });
});
