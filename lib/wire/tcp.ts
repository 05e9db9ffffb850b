/**
 * TCP header (RFC 9293 §3.1; AE bit RFC 9768): a zero-copy view, flag-bit conversions, and the
 * parse / emit / length triple over `TcpRepr`.
 */
import * as checksumModule from "./checksum";
import * as errorsModule from "./errors";
import type { Seq } from "./seq";
import * as tcpOptionsModule from "./tcp-options";
import type { EncodeOverrides, IpVersion, TcpFlags, TcpOption, TcpRepr } from "./types";

// Per-packet code: tsx (esbuild, CommonJS) turns every use of a named import into getter calls
// that V8 does not reliably inline (about 100 ns a packet, measured), so bind imports once.
const { finishChecksum, onesSum, pseudoHeaderSum } = checksumModule;
const { DecodeError } = errorsModule;
const { emitTcpOptions, MAX_TCP_OPTION_BYTES, paddedTcpOptionsLength, parseTcpOptions, tcpOptionsLength } = tcpOptionsModule;

const F = {
  srcPort: 0,
  dstPort: 2,
  seq: 4,
  ack: 8,
  offsetFlags: 12,
  window: 14,
  checksum: 16,
  urgent: 18,
  options: 20,
} as const;

export const TCP_MIN_HEADER = 20;
export const IPPROTO_TCP = 6;

export const TCP_FIN = 0x001;
export const TCP_SYN = 0x002;
export const TCP_RST = 0x004;
export const TCP_PSH = 0x008;
export const TCP_ACK = 0x010;
export const TCP_URG = 0x020;
export const TCP_ECE = 0x040;
export const TCP_CWR = 0x080;
export const TCP_AE = 0x100;

/** The 9 flag bits (AE..FIN) of a `TcpFlags`. */
export function tcpFlagBits(f: TcpFlags): number {
  return (
    (f.fin ? TCP_FIN : 0) |
    (f.syn ? TCP_SYN : 0) |
    (f.rst ? TCP_RST : 0) |
    (f.psh ? TCP_PSH : 0) |
    (f.ack ? TCP_ACK : 0) |
    (f.urg ? TCP_URG : 0) |
    (f.ece ? TCP_ECE : 0) |
    (f.cwr ? TCP_CWR : 0) |
    (f.ae ? TCP_AE : 0)
  );
}

// All 512 combinations, built once and frozen: decoding a segment then allocates no flags object.
const FLAG_TABLE: readonly TcpFlags[] = Array.from({ length: 512 }, (_, b) =>
  Object.freeze({
    fin: (b & TCP_FIN) !== 0,
    syn: (b & TCP_SYN) !== 0,
    rst: (b & TCP_RST) !== 0,
    psh: (b & TCP_PSH) !== 0,
    ack: (b & TCP_ACK) !== 0,
    urg: (b & TCP_URG) !== 0,
    ece: (b & TCP_ECE) !== 0,
    cwr: (b & TCP_CWR) !== 0,
    ae: (b & TCP_AE) !== 0,
  }),
);

/** The (shared, frozen) `TcpFlags` for 9 flag bits. */
export function tcpFlagsFromBits(bits: number): TcpFlags {
  return FLAG_TABLE[bits & 0x1ff]!;
}

export class TcpHeader {
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
  private u32(at: number): number {
    const b = this.buf;
    const o = this.off + at;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  private setU32(at: number, v: number): void {
    const b = this.buf;
    const o = this.off + at;
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
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
  get seq(): Seq {
    return this.u32(F.seq) as Seq;
  }
  set seq(v: Seq) {
    this.setU32(F.seq, v);
  }
  get ack(): Seq {
    return this.u32(F.ack) as Seq;
  }
  set ack(v: Seq) {
    this.setU32(F.ack, v);
  }
  /** Header length in 32-bit words. */
  get dataOffset(): number {
    return this.buf[this.off + F.offsetFlags]! >>> 4;
  }
  set dataOffset(v: number) {
    this.buf[this.off + F.offsetFlags] = ((v & 0x0f) << 4) | (this.buf[this.off + F.offsetFlags]! & 0x0f);
  }
  get headerLength(): number {
    return this.dataOffset * 4;
  }
  /** The three reserved bits between the data offset and AE. */
  get reservedBits(): number {
    return (this.buf[this.off + F.offsetFlags]! >>> 1) & 0x07;
  }
  set reservedBits(v: number) {
    const o = this.off + F.offsetFlags;
    this.buf[o] = (this.buf[o]! & 0xf1) | ((v & 0x07) << 1);
  }
  /** The 9 flag bits, AE..FIN. */
  get flagBits(): number {
    return this.u16(F.offsetFlags) & 0x1ff;
  }
  set flagBits(v: number) {
    const o = this.off + F.offsetFlags;
    this.buf[o] = (this.buf[o]! & 0xfe) | ((v >>> 8) & 1);
    this.buf[o + 1] = v;
  }
  get flags(): TcpFlags {
    return tcpFlagsFromBits(this.flagBits);
  }
  get window(): number {
    return this.u16(F.window);
  }
  set window(v: number) {
    this.setU16(F.window, v);
  }
  get checksum(): number {
    return this.u16(F.checksum);
  }
  set checksum(v: number) {
    this.setU16(F.checksum, v);
  }
  get urgentPointer(): number {
    return this.u16(F.urgent);
  }
  set urgentPointer(v: number) {
    this.setU16(F.urgent, v);
  }
  get optionBytes(): Uint8Array {
    return this.buf.subarray(this.off + F.options, this.off + this.headerLength);
  }
}

const NO_OPTIONS: readonly TcpOption[] = Object.freeze([]);

function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}
function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Parses the segment in buf[off..end) (end = end of the IP payload). */
export function parseTcp(buf: Uint8Array, off: number, end: number): TcpRepr {
  if (end - off < TCP_MIN_HEADER) throw new DecodeError("truncated-tcp-header", off, `${end - off} bytes`);
  // Fields are read directly (same offsets as the view): this runs once per packet.
  const of0 = buf[off + F.offsetFlags]!;
  const hlen = (of0 >>> 4) * 4;
  if (hlen < TCP_MIN_HEADER) throw new DecodeError("bad-data-offset", off + F.offsetFlags, `data offset ${hlen / 4}`);
  if (hlen > end - off) throw new DecodeError("bad-data-offset", off + F.offsetFlags, `data offset ${hlen / 4} but segment is ${end - off} bytes`);
  const repr: TcpRepr = {
    srcPort: u16(buf, off + F.srcPort),
    dstPort: u16(buf, off + F.dstPort),
    seq: u32(buf, off + F.seq) as Seq,
    ack: u32(buf, off + F.ack) as Seq,
    flags: FLAG_TABLE[((of0 & 1) << 8) | buf[off + F.offsetFlags + 1]!]!,
    window: u16(buf, off + F.window),
    urgentPointer: u16(buf, off + F.urgent),
    options: hlen === TCP_MIN_HEADER ? NO_OPTIONS : parseTcpOptions(buf, off + TCP_MIN_HEADER, off + hlen),
    payload: buf.subarray(off + hlen, end),
  };
  const reserved = (of0 >>> 1) & 0x07;
  return reserved === 0 ? repr : { ...repr, reservedBits: reserved };
}

/** Option bytes the header will carry: the raw override, or the options padded to 32 bits. */
export function tcpOptionSpace(repr: TcpRepr, overrides: EncodeOverrides | undefined): number {
  const raw = overrides?.tcpRawOptions;
  if (raw !== undefined) return raw.length;
  const n = paddedTcpOptionsLength(repr.options);
  if (n > MAX_TCP_OPTION_BYTES) throw new RangeError(`TCP options take ${tcpOptionsLength(repr.options)} bytes, at most ${MAX_TCP_OPTION_BYTES} fit`);
  return n;
}

/** Bytes of the whole segment (header, options, payload). */
export function tcpSegmentLength(repr: TcpRepr, overrides?: EncodeOverrides): number {
  return TCP_MIN_HEADER + tcpOptionSpace(repr, overrides) + repr.payload.length;
}

/**
 * Writes the segment at `off` with its checksum; the IP header (at `ipOff`, version `ipVersion`)
 * must already hold the addresses, which the pseudo-header reads from there. `optSpace` is
 * `tcpOptionSpace(repr, overrides)`, computed once by the caller.
 */
export function emitTcp(
  repr: TcpRepr,
  buf: Uint8Array,
  off: number,
  ipOff: number,
  ipVersion: IpVersion,
  optSpace: number,
  overrides: EncodeOverrides | undefined,
): number {
  const raw = overrides?.tcpRawOptions;
  const hlen = TCP_MIN_HEADER + optSpace;
  const len = hlen + repr.payload.length;
  const doff = overrides?.tcpDataOffset ?? (hlen + 3) >>> 2;
  const bits = tcpFlagBits(repr.flags);
  const { srcPort, dstPort, seq, ack, window, urgentPointer } = repr;
  buf[off + F.srcPort] = srcPort >>> 8;
  buf[off + F.srcPort + 1] = srcPort;
  buf[off + F.dstPort] = dstPort >>> 8;
  buf[off + F.dstPort + 1] = dstPort;
  buf[off + F.seq] = seq >>> 24;
  buf[off + F.seq + 1] = seq >>> 16;
  buf[off + F.seq + 2] = seq >>> 8;
  buf[off + F.seq + 3] = seq;
  buf[off + F.ack] = ack >>> 24;
  buf[off + F.ack + 1] = ack >>> 16;
  buf[off + F.ack + 2] = ack >>> 8;
  buf[off + F.ack + 3] = ack;
  // Data offset, reserved bits and AE share a byte.
  buf[off + F.offsetFlags] = ((doff & 0x0f) << 4) | (((repr.reservedBits ?? 0) & 0x07) << 1) | (bits >>> 8);
  buf[off + F.offsetFlags + 1] = bits;
  buf[off + F.window] = window >>> 8;
  buf[off + F.window + 1] = window;
  buf[off + F.checksum] = 0;
  buf[off + F.checksum + 1] = 0;
  buf[off + F.urgent] = urgentPointer >>> 8;
  buf[off + F.urgent + 1] = urgentPointer;
  if (raw !== undefined) {
    buf.set(raw, off + TCP_MIN_HEADER);
  } else if (optSpace > 0) {
    let p = off + TCP_MIN_HEADER + emitTcpOptions(repr.options, buf, off + TCP_MIN_HEADER);
    while (p < off + hlen) buf[p++] = 0;
  }
  if (repr.payload.length > 0) buf.set(repr.payload, off + hlen);
  const c = overrides?.l4Checksum ?? finishChecksum(pseudoHeaderSum(buf, ipOff, ipVersion, IPPROTO_TCP, len) + onesSum(buf, off, off + len));
  buf[off + F.checksum] = c >>> 8;
  buf[off + F.checksum + 1] = c;
  return len;
}
