/**
 * The one error the decoder throws for bad input. Untrusted bytes (from the TUN device, from a
 * fuzzer) must never produce any other exception: every read is bounds-checked first, and a
 * failed check becomes a `DecodeError` naming what was wrong and where.
 */

export type DecodeErrorCode =
  /** Fewer bytes than the fixed IPv4/IPv6 header, or than the IPv4 IHL says. */
  | "truncated-ip-header"
  /** The version nibble is neither 4 nor 6. */
  | "bad-ip-version"
  /** IPv4 IHL below 5 words. */
  | "bad-ihl"
  /** IPv4 total length shorter than its own header. */
  | "bad-ip-length"
  /** The IP length field claims more bytes than there are. */
  | "truncated-ip-payload"
  /** An IPv6 extension header runs past the end of the payload. */
  | "truncated-extension-header"
  /** An IPv6 extension header that cannot round-trip (fragment header with a non-zero reserved byte). */
  | "bad-extension-header"
  | "truncated-tcp-header"
  /** TCP data offset below 5 words or beyond the segment. */
  | "bad-data-offset"
  /** A TCP option's length byte, or its body, lies beyond the option space. */
  | "truncated-option"
  /** A TCP option length byte below 2 (it counts kind and length themselves). */
  | "bad-option-length"
  | "truncated-udp-header"
  /** UDP length field disagrees with the IP payload length. */
  | "bad-udp-length"
  | "truncated-icmp-header";

export class DecodeError extends Error {
  override readonly name = "DecodeError";

  /**
   * @param code what was wrong
   * @param offset byte offset (from the start of the buffer handed to the decoder) of the field
   *   or header at fault
   */
  constructor(
    readonly code: DecodeErrorCode,
    readonly offset: number,
    detail?: string,
  ) {
    super(`${code} at byte ${offset}${detail === undefined ? "" : `: ${detail}`}`);
  }
}
