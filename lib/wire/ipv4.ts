/**
 * IPv4 header (RFC 791): a zero-copy view with one accessor per field, and the parse / emit /
 * length triple over `Ipv4Repr`.
 */
import * as addressCacheModule from "./address-cache";
import * as checksumModule from "./checksum";
import * as errorsModule from "./errors";
import type { Ipv4Repr } from "./types";

// Per-packet code: tsx (esbuild, CommonJS) turns every use of a named import into getter calls
// that V8 does not reliably inline (about 100 ns a packet, measured), so bind imports once.
const { ipv4TextAt, addressBytesCached } = addressCacheModule;
const { finishChecksum, onesSum } = checksumModule;
const { DecodeError } = errorsModule;

/** Byte offsets of the fields, relative to the start of the header. */
const F = {
  verIhl: 0,
  tos: 1,
  totalLength: 2,
  id: 4,
  flagsFragment: 6,
  ttl: 8,
  protocol: 9,
  checksum: 10,
  src: 12,
  dst: 16,
  options: 20,
} as const;

export const IPV4_MIN_HEADER = 20;
const DF = 0x4000;
const MF = 0x2000;

/** A view over an IPv4 header at `off` in `buf`. Accessors do no bounds checks. */
export class Ipv4Header {
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

  get version(): number {
    return this.buf[this.off + F.verIhl]! >>> 4;
  }
  set version(v: number) {
    this.buf[this.off + F.verIhl] = (v << 4) | (this.buf[this.off + F.verIhl]! & 0x0f);
  }
  /** Header length in 32-bit words. */
  get ihl(): number {
    return this.buf[this.off + F.verIhl]! & 0x0f;
  }
  set ihl(v: number) {
    this.buf[this.off + F.verIhl] = (this.buf[this.off + F.verIhl]! & 0xf0) | (v & 0x0f);
  }
  get headerLength(): number {
    return this.ihl * 4;
  }
  get tos(): number {
    return this.buf[this.off + F.tos]!;
  }
  set tos(v: number) {
    this.buf[this.off + F.tos] = v;
  }
  get totalLength(): number {
    return this.u16(F.totalLength);
  }
  set totalLength(v: number) {
    this.setU16(F.totalLength, v);
  }
  get id(): number {
    return this.u16(F.id);
  }
  set id(v: number) {
    this.setU16(F.id, v);
  }
  /** The flags and fragment-offset word as on the wire. */
  get flagsFragment(): number {
    return this.u16(F.flagsFragment);
  }
  set flagsFragment(v: number) {
    this.setU16(F.flagsFragment, v);
  }
  get dontFragment(): boolean {
    return (this.flagsFragment & DF) !== 0;
  }
  get moreFragments(): boolean {
    return (this.flagsFragment & MF) !== 0;
  }
  /** Fragment offset in 8-byte units, as on the wire. */
  get fragmentOffset(): number {
    return this.flagsFragment & 0x1fff;
  }
  get ttl(): number {
    return this.buf[this.off + F.ttl]!;
  }
  set ttl(v: number) {
    this.buf[this.off + F.ttl] = v;
  }
  get protocol(): number {
    return this.buf[this.off + F.protocol]!;
  }
  set protocol(v: number) {
    this.buf[this.off + F.protocol] = v;
  }
  get checksum(): number {
    return this.u16(F.checksum);
  }
  set checksum(v: number) {
    this.setU16(F.checksum, v);
  }
  get src(): string {
    return ipv4TextAt(this.buf, this.off + F.src);
  }
  set src(text: string) {
    this.buf.set(v4Bytes(text), this.off + F.src);
  }
  get dst(): string {
    return ipv4TextAt(this.buf, this.off + F.dst);
  }
  set dst(text: string) {
    this.buf.set(v4Bytes(text), this.off + F.dst);
  }
  /** Option bytes (including any padding) as a view. */
  get options(): Uint8Array {
    return this.buf.subarray(this.off + F.options, this.off + this.headerLength);
  }
  /** Header checksum computed over the header as it stands (checksum field taken as zero). */
  computeChecksum(): number {
    const o = this.off;
    const sum = onesSum(this.buf, o, o + F.checksum) + onesSum(this.buf, o + F.checksum + 2, o + this.headerLength);
    return finishChecksum(sum);
  }
  verifyChecksum(): boolean {
    return finishChecksum(onesSum(this.buf, this.off, this.off + this.headerLength)) === 0;
  }
}

function v4Bytes(text: string): Uint8Array {
  const bytes = addressBytesCached(text);
  if (bytes.length !== 4) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return bytes;
}

const NO_OPTIONS = new Uint8Array(0);

/** Where the header ends and the datagram's payload ends (absolute offsets in the buffer). */
export interface Ipv4Layout {
  headerEnd: number;
  payloadEnd: number;
}

/**
 * Validates and reads an IPv4 header at `off`; `end` is the end of the captured bytes. Bytes
 * beyond the total length (link padding) are ignored, as Linux trims them (ip_rcv_core).
 */
export function parseIpv4(buf: Uint8Array, off: number, end: number, layout: Ipv4Layout): Ipv4Repr {
  if (end - off < IPV4_MIN_HEADER) throw new DecodeError("truncated-ip-header", off, `${end - off} bytes`);
  // Fields are read directly (same offsets as the view): this runs once per packet.
  const hlen = (buf[off + F.verIhl]! & 0x0f) * 4;
  if (hlen < IPV4_MIN_HEADER) throw new DecodeError("bad-ihl", off, `IHL ${hlen / 4}`);
  if (end - off < hlen) throw new DecodeError("truncated-ip-header", off, `IHL says ${hlen} bytes, ${end - off} present`);
  const total = (buf[off + F.totalLength]! << 8) | buf[off + F.totalLength + 1]!;
  if (total < hlen) throw new DecodeError("bad-ip-length", off + F.totalLength, `total length ${total} < header ${hlen}`);
  if (total > end - off) throw new DecodeError("truncated-ip-payload", off + F.totalLength, `total length ${total}, ${end - off} present`);
  layout.headerEnd = off + hlen;
  layout.payloadEnd = off + total;
  const ff = (buf[off + F.flagsFragment]! << 8) | buf[off + F.flagsFragment + 1]!;
  return {
    version: 4,
    src: ipv4TextAt(buf, off + F.src),
    dst: ipv4TextAt(buf, off + F.dst),
    protocol: buf[off + F.protocol]!,
    ttl: buf[off + F.ttl]!,
    tos: buf[off + F.tos]!,
    id: (buf[off + F.id]! << 8) | buf[off + F.id + 1]!,
    dontFragment: (ff & DF) !== 0,
    moreFragments: (ff & MF) !== 0,
    fragmentOffset: ff & 0x1fff,
    options: hlen === IPV4_MIN_HEADER ? NO_OPTIONS : buf.subarray(off + F.options, off + hlen),
  };
}

/** Header length in bytes: options are padded with zeros (EOL) to a multiple of 4 (RFC 791). */
export function ipv4HeaderLength(repr: Ipv4Repr): number {
  return IPV4_MIN_HEADER + ((repr.options.length + 3) & ~3);
}

function putAddress(buf: Uint8Array, at: number, text: string): void {
  const a = v4Bytes(text);
  buf[at] = a[0]!;
  buf[at + 1] = a[1]!;
  buf[at + 2] = a[2]!;
  buf[at + 3] = a[3]!;
}

/**
 * Writes the header for a datagram carrying `payloadLength` bytes. The checksum is computed
 * here unless forced, so the caller must not touch the header afterwards.
 */
export function emitIpv4(
  repr: Ipv4Repr,
  buf: Uint8Array,
  off: number,
  payloadLength: number,
  forcedTotalLength: number | undefined,
  forcedChecksum: number | undefined,
): number {
  const optLen = repr.options.length;
  if (optLen > 40) throw new RangeError(`IPv4 options are at most 40 bytes, got ${optLen}`);
  const hlen = IPV4_MIN_HEADER + ((optLen + 3) & ~3);
  const total = forcedTotalLength ?? hlen + payloadLength;
  const ff = (repr.dontFragment ? DF : 0) | (repr.moreFragments ? MF : 0) | (repr.fragmentOffset & 0x1fff);
  buf[off + F.verIhl] = 0x40 | (hlen >>> 2);
  buf[off + F.tos] = repr.tos;
  buf[off + F.totalLength] = total >>> 8;
  buf[off + F.totalLength + 1] = total;
  buf[off + F.id] = repr.id >>> 8;
  buf[off + F.id + 1] = repr.id;
  buf[off + F.flagsFragment] = ff >>> 8;
  buf[off + F.flagsFragment + 1] = ff;
  buf[off + F.ttl] = repr.ttl;
  buf[off + F.protocol] = repr.protocol;
  buf[off + F.checksum] = 0;
  buf[off + F.checksum + 1] = 0;
  putAddress(buf, off + F.src, repr.src);
  putAddress(buf, off + F.dst, repr.dst);
  if (optLen > 0) {
    buf.set(repr.options, off + F.options);
    buf.fill(0, off + F.options + optLen, off + hlen);
  }
  const c = forcedChecksum ?? finishChecksum(onesSum(buf, off, off + hlen));
  buf[off + F.checksum] = c >>> 8;
  buf[off + F.checksum + 1] = c;
  return hlen;
}
