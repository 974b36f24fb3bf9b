// A body made of byte chunks that are sent as they are and never joined. An answer assembled from
// kept bytes (a list of cached dialog texts) then allocates no buffer of its own: joining a 40 KB
// list into a fresh Buffer on every request was enough external memory to start a full GC every
// second or two under load (docs/benchmarks.md, "API reads"). The HTTP front end's Response takes
// it as a body and writes the chunks with one writev; anything else gets join().
export class ByteParts {
  readonly parts: readonly Uint8Array[];
  readonly byteLength: number;

  constructor(parts: readonly Uint8Array[]) {
    let n = 0;
    for (const p of parts) n += p.byteLength;
    this.parts = parts;
    this.byteLength = n;
  }

  /** The chunks in one new Buffer. */
  join(): Buffer {
    const out = Buffer.allocUnsafe(this.byteLength);
    this.copyTo(out, 0);
    return out;
  }

  /** Copies the chunks into `out` from `offset` on (it must have room for byteLength). */
  copyTo(out: Uint8Array, offset: number): void {
    let off = offset;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.byteLength;
    }
  }
}
