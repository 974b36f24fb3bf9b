import { describe, expect, it } from 'vitest';
import { ByteParts } from './byte-parts.ts';

describe('ByteParts', () => {
  it('counts the bytes of every chunk and joins them in order', () => {
    const p = new ByteParts([Buffer.from('['), Buffer.from('{"a":"é"}'), new Uint8Array(0), Buffer.from(']')]);
    expect(p.byteLength).toBe(12);
    expect(p.join().toString('utf8')).toBe('[{"a":"é"}]');
  });

  it('joins nothing into an empty buffer', () => {
    expect(new ByteParts([]).join().byteLength).toBe(0);
  });

  it('keeps the chunks it was given, uncopied', () => {
    const chunk = Buffer.from('x');
    expect(new ByteParts([chunk]).parts[0]).toBe(chunk);
  });
});
