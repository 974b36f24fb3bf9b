// A request's light Headers must answer exactly as undici's Headers over the same field lines.
import { describe, expect, it } from 'vitest';
import { createLazyHeaders, realHeaders } from './lazy-headers.ts';
import { createLazyRequest } from './lazy-request.ts';

const lines: [string, string][] = [
  ['host', 'h.test'],
  ['authorization', 'Bearer t'],
  ['x-two', 'a'],
  ['x-two', 'b'],
  ['x-empty', ''],
];

describe('LazyHeaders', () => {
  it('is a Headers, and get/has answer as the native one does', () => {
    const lazy = createLazyHeaders(lines);
    const native = new Headers(lines);
    expect(lazy).toBeInstanceOf(Headers);
    expect(Object.prototype.toString.call(lazy)).toBe('[object Headers]');
    for (const name of ['host', 'Authorization', 'X-TWO', 'x-empty', 'absent']) {
      expect(lazy.get(name)).toBe(native.get(name));
      expect(lazy.has(name)).toBe(native.has(name));
    }
  });

  it('a name that is not a token throws the native TypeError', () => {
    const lazy = createLazyHeaders(lines);
    expect(() => lazy.get('bad name')).toThrow(TypeError);
    expect(() => lazy.has('bad\nname')).toThrow(TypeError);
  });

  it('iteration, forEach and changes go to the real Headers and stay there', () => {
    const lazy = createLazyHeaders(lines);
    expect([...lazy]).toEqual([...new Headers(lines)]);
    const seen: string[] = [];
    lazy.forEach((v, k) => seen.push(`${k}=${v}`));
    expect(seen).toContain('x-two=a, b');
    lazy.set('x-new', '1');
    lazy.delete('authorization');
    expect(lazy.get('x-new')).toBe('1');
    expect(lazy.has('authorization')).toBe(false);
    expect(new Headers(lazy).get('x-new')).toBe('1');
    expect(realHeaders(lazy).get('x-new')).toBe('1');
  });

  it("a request's headers are light, and a changed field survives building the real Request", () => {
    const req = createLazyRequest({ method: 'POST', url: 'http://h.test/p', headers: lines, body: null });
    expect(req.headers.get('authorization')).toBe('Bearer t');
    req.headers.set('x-added', 'yes');
    // `cache` is not served lazily: it builds the native Request from the current headers.
    expect(req.cache).toBe('default');
    expect(req.headers.get('x-added')).toBe('yes');
    expect(req.headers.get('x-two')).toBe('a, b');
  });
});
