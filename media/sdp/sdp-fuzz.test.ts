// Property tests: whatever arrives, the parser either returns a description that survives a
// serialize/parse round trip, or throws an SdpError, and nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSdp } from './parse-sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';
import { SdpError } from './sdp-error.ts';
import { ALL_SAMPLES } from './sdp-samples.ts';

function check(input: string | Uint8Array): void {
  let sdp;
  try {
    sdp = parseSdp(input);
  } catch (e) {
    if (!(e instanceof SdpError)) throw e;
    expect(e.reason).not.toMatch(/[\r\n]/);
    expect([400, 488]).toContain(e.status);
    return;
  }
  const text = serializeSdp(sdp);
  expect(parseSdp(text)).toEqual(sdp);
  expect(serializeSdp(parseSdp(text))).toBe(text);
}

const sampleLines = Object.values(ALL_SAMPLES).flatMap((s) => s.split('\r\n').filter(Boolean));
const samples = Object.values(ALL_SAMPLES);

/** Lines that look like SDP: a letter, '=', and text built from SDP-ish characters. */
const sdpishLine = fc.oneof(
  fc.constantFrom(...sampleLines),
  fc
    .tuple(
      fc.constantFrom(...'vosciuepbtrzkamxA'.split('')),
      fc.constantFrom('=', '=', '=', ' =', ''),
      fc.array(fc.constantFrom(...'0123456789 ./:-IPNnaudiortpmap\t*=ÿ☎\0\r'.split('')), { maxLength: 40 }),
    )
    .map(([l, eq, cs]) => l + eq + cs.join('')),
);

describe('SDP parser fuzz', () => {
  it('random strings only ever raise SdpError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), check), { numRuns: 2000 });
  });

  it('random bytes only ever raise SdpError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), check), { numRuns: 1000 });
  });

  it('SDP-shaped line soups only ever raise SdpError, and what parses round-trips', () => {
    fc.assert(
      fc.property(fc.array(sdpishLine, { maxLength: 30 }), fc.constantFrom('\r\n', '\n'), (lines, eol) => check(lines.join(eol))),
      { numRuns: 3000 },
    );
  });

  it('valid offers with one line replaced, removed or duplicated', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...samples), fc.nat(), fc.nat(), sdpishLine, fc.constantFrom('replace', 'remove', 'duplicate', 'insert'))
      .map(([text, i, j, line, op]) => {
        const lines = text.split('\r\n').filter(Boolean);
        const a = i % lines.length;
        const b = j % lines.length;
        if (op === 'replace') lines[a] = line;
        else if (op === 'remove') lines.splice(a, 1);
        else if (op === 'duplicate') lines.splice(b, 0, lines[a]!);
        else lines.splice(a, 0, line);
        return lines.join('\r\n') + '\r\n';
      });
    fc.assert(fc.property(mutated, check), { numRuns: 3000 });
  });

  it('valid offers with random characters spliced in', () => {
    const spliced = fc
      .tuple(fc.constantFrom(...samples), fc.nat(), fc.string({ minLength: 1, maxLength: 4 }))
      .map(([text, at, s]) => {
        const i = at % text.length;
        return text.slice(0, i) + s + text.slice(i);
      });
    fc.assert(fc.property(spliced, check), { numRuns: 3000 });
  });
});
