import { describe, expect, it } from 'vitest';
import { constantTimeHexEqual } from './constant-time-equal.ts';

describe('constantTimeHexEqual', () => {
  it('equal digests match, whatever the case of the received hex', () => {
    expect(constantTimeHexEqual('8ca523f5e9506fed4657c9700eebdbec', '8ca523f5e9506fed4657c9700eebdbec')).toBe(true);
    expect(constantTimeHexEqual('8CA523F5E9506FED4657C9700EEBDBEC', '8ca523f5e9506fed4657c9700eebdbec')).toBe(true);
  });

  it('a different digest, or one of another length, does not', () => {
    expect(constantTimeHexEqual('8ca523f5e9506fed4657c9700eebdbed', '8ca523f5e9506fed4657c9700eebdbec')).toBe(false);
    expect(constantTimeHexEqual('8ca523f5', '8ca523f5e9506fed4657c9700eebdbec')).toBe(false);
    expect(constantTimeHexEqual('', '8ca523f5e9506fed4657c9700eebdbec')).toBe(false);
  });
});
