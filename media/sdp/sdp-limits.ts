// Size limits of the SDP parser. A peer chooses how many bytes it sends; these bound what we hold.
// Offers from phones are 300–1,500 bytes; a WebRTC offer with candidates and video stays under 8 KiB.

export interface SdpLimits {
  /** The whole body, in UTF-8 bytes. */
  readonly maxBytes: number;
  /** Lines, counting every line of every section. */
  readonly maxLines: number;
  /** m= sections. */
  readonly maxMedia: number;
}

export const SDP_DEFAULT_LIMITS: SdpLimits = Object.freeze({
  maxBytes: 16 * 1024,
  maxLines: 512,
  maxMedia: 16,
});
