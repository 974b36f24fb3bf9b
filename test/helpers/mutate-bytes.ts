// Byte-level mutations for the seeded fuzz tests: one to three of flip, insert, delete a run,
// duplicate a run, truncate, with bytes drawn half the time from a protocol's delimiters.

export interface MutateOptions {
  /** Bytes that matter to the protocol under test (delimiters, CR, LF, NUL…), drawn half the time. */
  interesting: readonly number[];
  /** The longest run deleted or duplicated. */
  maxRun: number;
}

export function mutateBytes(buf: Buffer, rnd: () => number, { interesting, maxRun }: MutateOptions): Buffer {
  let b = buf;
  const n = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = Math.floor(rnd() * b.length);
    const len = 1 + Math.floor(rnd() * maxRun);
    const byte = rnd() < 0.5 ? interesting[Math.floor(rnd() * interesting.length)]! : Math.floor(rnd() * 256);
    const op = Math.floor(rnd() * 5);
    if (op === 0) {
      b = Buffer.from(b);
      b[at] = byte;
    } else if (op === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    else if (op === 2) b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
    else if (op === 3) b = Buffer.concat([b.subarray(0, at + len), b.subarray(at)]);
    else if (rnd() < 0.3) b = b.subarray(0, at);
  }
  return b;
}
