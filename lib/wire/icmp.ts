/**
 * ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) share a header shape: type, code, checksum and four
 * type-specific bytes. ICMPv6's checksum covers a pseudo-header (RFC 4443 §2.3), ICMPv4's does not.
 */
import * as checksumModule from "./checksum";
import * as errorsModule from "./errors";
import type { IcmpRepr, IpVersion } from "./types";

// Per-packet code: tsx (esbuild, CommonJS) turns every use of a named import into getter calls
// that V8 does not reliably inline (about 100 ns a packet, measured), so bind imports once.
const { finishChecksum, onesSum, pseudoHeaderSum } = checksumModule;
const { DecodeError } = errorsModule;

const F = { type: 0, code: 1, checksum: 2, rest: 4 } as const;

export const ICMP_HEADER = 8;
export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

export class IcmpHeader {
  constructor(
    readonly buf: Uint8Array,
    readonly off = 0,
  ) {}

  get type(): number {
    return this.buf[this.off + F.type]!;
  }
  set type(v: number) {
    this.buf[this.off + F.type] = v;
  }
  get code(): number {
    return this.buf[this.off + F.code]!;
  }
  set code(v: number) {
    this.buf[this.off + F.code] = v;
  }
  get checksum(): number {
    return (this.buf[this.off + F.checksum]! << 8) | this.buf[this.off + F.checksum + 1]!;
  }
  set checksum(v: number) {
    this.buf[this.off + F.checksum] = v >>> 8;
    this.buf[this.off + F.checksum + 1] = v;
  }
  /** The four bytes after the checksum as one big-endian number. */
  get rest(): number {
    const b = this.buf;
    const o = this.off + F.rest;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  set rest(v: number) {
    const b = this.buf;
    const o = this.off + F.rest;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
  }
}

export function parseIcmp(buf: Uint8Array, off: number, end: number, version: IpVersion): IcmpRepr {
  if (end - off < ICMP_HEADER) throw new DecodeError("truncated-icmp-header", off, `${end - off} bytes`);
  const h = new IcmpHeader(buf, off);
  return { version, type: h.type, code: h.code, rest: h.rest, payload: buf.subarray(off + ICMP_HEADER, end) };
}

export function icmpMessageLength(repr: IcmpRepr): number {
  return ICMP_HEADER + repr.payload.length;
}

/** Checksum of the ICMP message at buf[off..off+len) (field taken as is: zero it first). */
export function icmpChecksumSum(buf: Uint8Array, off: number, len: number, icmpVersion: IpVersion, ipOff: number, ipVersion: IpVersion): number {
  const pseudo = icmpVersion === 6 ? pseudoHeaderSum(buf, ipOff, ipVersion, IPPROTO_ICMPV6, len) : 0;
  return pseudo + onesSum(buf, off, off + len);
}

export function emitIcmp(repr: IcmpRepr, buf: Uint8Array, off: number, ipOff: number, ipVersion: IpVersion, forcedChecksum: number | undefined): number {
  const len = ICMP_HEADER + repr.payload.length;
  const h = new IcmpHeader(buf, off);
  h.type = repr.type;
  h.code = repr.code;
  h.checksum = 0;
  h.rest = repr.rest;
  buf.set(repr.payload, off + ICMP_HEADER);
  h.checksum = forcedChecksum ?? finishChecksum(icmpChecksumSum(buf, off, len, repr.version, ipOff, ipVersion));
  return len;
}
