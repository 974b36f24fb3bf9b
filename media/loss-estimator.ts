// Packet loss seen from RTP sequence numbers, after RFC 3550 appendix A.1: extend the 16-bit
// sequence number with a cycle count, and compare how many packets the highest number says were
// sent with how many arrived. Without the RFC's probation (two in-order packets before a source is
// valid): the relay counts from the first packet the latch admits. A new SSRC, or a sender that
// jumps and stays jumped, starts a new stream; the counts of the old one are kept in the totals.
const SEQ_MOD = 0x10000;
/** A forward jump below this is loss; beyond it the sender may have restarted. */
const MAX_DROPOUT = 3000;
/** A backward step below this is a late or duplicate packet. */
const MAX_MISORDER = 100;

export class LossEstimator {
  #ssrc = -1;
  #baseSeq = 0;
  #maxSeq = 0;
  #cycles = 0;
  #received = 0;
  /** After one big jump: the sequence number that would confirm a restart. */
  #badSeq = -1;
  #doneExpected = 0;
  #doneReceived = 0;

  update(ssrc: number, seq: number): void {
    if (ssrc !== this.#ssrc) {
      this.#fold();
      this.#ssrc = ssrc;
      this.#restart(seq);
    } else {
      const delta = (seq - this.#maxSeq + SEQ_MOD) % SEQ_MOD;
      if (delta < MAX_DROPOUT) {
        // In order, possibly with a gap: a smaller number means the 16 bits wrapped.
        if (seq < this.#maxSeq) this.#cycles += SEQ_MOD;
        this.#maxSeq = seq;
      } else if (delta <= SEQ_MOD - MAX_MISORDER) {
        // A big jump. Two consecutive packets after it mean the sender restarted its numbering;
        // one alone is a stray and is not counted.
        if (seq !== this.#badSeq) {
          this.#badSeq = (seq + 1) % SEQ_MOD;
          return;
        }
        this.#fold();
        this.#restart(seq);
      }
      // Otherwise a duplicate or a reordered packet: received, and the maximum stays.
    }
    this.#received++;
  }

  /** Packets the sequence numbers say were sent. */
  get expected(): number {
    return this.#doneExpected + this.#currentExpected();
  }

  /** Packets that arrived, duplicates included. */
  get received(): number {
    return this.#doneReceived + this.#received;
  }

  /** expected − received, never below 0 (duplicates can outnumber losses). */
  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  #currentExpected(): number {
    return this.#ssrc === -1 ? 0 : this.#cycles + this.#maxSeq - this.#baseSeq + 1;
  }

  #fold(): void {
    this.#doneExpected += this.#currentExpected();
    this.#doneReceived += this.#received;
  }

  #restart(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#cycles = 0;
    this.#received = 0;
    this.#badSeq = -1;
  }
}
