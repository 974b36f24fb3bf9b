// freePort draws outside the kernel's ephemeral range where it can: a port inside it may become an
// outgoing connection's local port between the check and the server's bind.
import { describe, expect, it } from 'vitest';
import { freePort, portPool } from './server-process.ts';

describe('freePort', () => {
  it('draws above the ephemeral range when at least 2,000 ports are left there', () => {
    expect(portPool([32_768, 60_999])).toEqual({ from: 61_000, count: 4_536 });
  });

  it('stays above the media ranges when the ephemeral range starts below them', () => {
    expect(portPool([1_024, 40_000])).toEqual({ from: 50_000, count: 15_536 });
  });

  it('falls back to its old range when the ephemeral range leaves too little room', () => {
    expect(portPool([32_768, 65_000])).toEqual({ from: 50_000, count: 11_000 });
  });

  it('hands out a port of the pool', async () => {
    const { from, count } = portPool();
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(from);
    expect(port).toBeLessThan(from + count);
  });

  it('never hands out a port twice, though none of them is bound in between (CI flake of 2026-11-29: two SIPps on one port)', async () => {
    const ports = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
  });
});
