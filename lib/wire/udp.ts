/** UDP header (RFC 768): a zero-copy view and the parse / emit / length triple over `UdpRepr`. */
import * as checksumModule from "./checksum";
import * as errorsModule from "./errors";
import type { IpVersion, UdpRepr } from "./types";

// Per-packet code: tsx (esbuild, CommonJS) turns every use of a named import into getter calls
// that V8 does not reliably inline (about 100 ns a packet, measured), so bind imports once.
const { finishChecksum, onesSum, pseudoHeaderSum } = checksumModule;
const { DecodeError } = errorsModule;

const F = { srcPort: 0, dstPort: 2, length: 4, checksum: 6 } as const;

export const UDP_HEADER = 8;
export const IPPROTO_UDP = 17;

export class UdpHeader {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
  ) {}

  private u16(at: number): number {
    return (this.buf[this.off + at]! << 8) | this.buf[this.off + at + 1]!;
  }
  private setU16(at: number, v: number): void {
    this.buf[this.off + at] = v >>> 8;
    this.buf[this.off + at + 1] = v;
  }

  get srcPort(): number {
    return this.u16(F.srcPort);
  }
  set srcPort(v: number) {
    this.setU16(F.srcPort, v);
  }
  get dstPort(): number {
    return this.u16(F.dstPort);
  }
  set dstPort(v: number) {
    this.setU16(F.dstPort, v);
  }
  /** Header plus data, in bytes. */
  get length(): number {
    return this.u16(F.length);
  }
  set length(v: number) {
    this.setU16(F.length, v);
  }
  get checksum(): number {
    return this.u16(F.checksum);
  }
  set checksum(v: number) {
    this.setU16(F.checksum, v);
  }
}

/**
 * Parses the datagram in buf[off..end). The length field must equal the IP payload length:
 * anything else could not be re-encoded to the same bytes.
 */
export function parseUdp(buf: Uint8Array, off: number, end: number): UdpRepr {
  if (end - off < UDP_HEADER) throw new DecodeError("truncated-udp-header", off, `${end - off} bytes`);
  const h = new UdpHeader(buf, off);
  if (h.length !== end - off) throw new DecodeError("bad-udp-length", off + F.length, `length field ${h.length}, IP payload ${end - off}`);
  return { srcPort: h.srcPort, dstPort: h.dstPort, payload: buf.subarray(off + UDP_HEADER, end) };
}

export function udpDatagramLength(repr: UdpRepr): number {
  return UDP_HEADER + repr.payload.length;
}

export function emitUdp(repr: UdpRepr, buf: Uint8Array, off: number, ipOff: number, ipVersion: IpVersion, forcedChecksum: number | undefined): number {
  const len = UDP_HEADER + repr.payload.length;
  const h = new UdpHeader(buf, off);
  h.srcPort = repr.srcPort;
  h.dstPort = repr.dstPort;
  h.length = len;
  h.checksum = 0;
  buf.set(repr.payload, off + UDP_HEADER);
  if (forcedChecksum !== undefined) {
    h.checksum = forcedChecksum;
  } else {
    const c = finishChecksum(pseudoHeaderSum(buf, ipOff, ipVersion, IPPROTO_UDP, len) + onesSum(buf, off, off + len));
    // RFC 768: a computed 0 is sent as all ones (0 on the wire means "no checksum").
    h.checksum = c === 0 ? 0xffff : c;
  }
  return len;
}
