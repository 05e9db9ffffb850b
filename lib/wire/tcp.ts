/**
 * TCP header (RFC 9293 §3.1; AE bit RFC 9768): a zero-copy view, flag-bit conversions, and the
 * parse / emit / length triple over `TcpRepr`.
 */
import { finishChecksum, onesSum, pseudoHeaderSum } from "./checksum";
import { DecodeError } from "./errors";
import type { Seq } from "./seq";
import { emitTcpOptions, MAX_TCP_OPTION_BYTES, paddedTcpOptionsLength, parseTcpOptions, tcpOptionsLength } from "./tcp-options";
import type { EncodeOverrides, IpVersion, TcpFlags, TcpOption, TcpRepr } from "./types";

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

/** Parses the segment in buf[off..end) (end = end of the IP payload). */
export function parseTcp(buf: Uint8Array, off: number, end: number): TcpRepr {
  if (end - off < TCP_MIN_HEADER) throw new DecodeError("truncated-tcp-header", off, `${end - off} bytes`);
  const h = new TcpHeader(buf, off);
  const hlen = h.headerLength;
  if (hlen < TCP_MIN_HEADER) throw new DecodeError("bad-data-offset", off + F.offsetFlags, `data offset ${h.dataOffset}`);
  if (hlen > end - off) throw new DecodeError("bad-data-offset", off + F.offsetFlags, `data offset ${h.dataOffset} but segment is ${end - off} bytes`);
  const reserved = h.reservedBits;
  const repr: TcpRepr = {
    srcPort: h.srcPort,
    dstPort: h.dstPort,
    seq: h.seq,
    ack: h.ack,
    flags: h.flags,
    window: h.window,
    urgentPointer: h.urgentPointer,
    options: hlen === TCP_MIN_HEADER ? NO_OPTIONS : parseTcpOptions(buf, off + TCP_MIN_HEADER, off + hlen),
    payload: buf.subarray(off + hlen, end),
  };
  return reserved === 0 ? repr : { ...repr, reservedBits: reserved };
}

function optionSpace(repr: TcpRepr, overrides: EncodeOverrides | undefined): number {
  const raw = overrides?.tcpRawOptions;
  if (raw !== undefined) return raw.length;
  const n = paddedTcpOptionsLength(repr.options);
  if (n > MAX_TCP_OPTION_BYTES) throw new RangeError(`TCP options take ${tcpOptionsLength(repr.options)} bytes, at most ${MAX_TCP_OPTION_BYTES} fit`);
  return n;
}

/** Bytes of the whole segment (header, options, payload). */
export function tcpSegmentLength(repr: TcpRepr, overrides?: EncodeOverrides): number {
  return TCP_MIN_HEADER + optionSpace(repr, overrides) + repr.payload.length;
}

/**
 * Writes the segment at `off` with its checksum; the IP header (at `ipOff`, version `ipVersion`)
 * must already hold the addresses, which the pseudo-header reads from there.
 */
export function emitTcp(
  repr: TcpRepr,
  buf: Uint8Array,
  off: number,
  ipOff: number,
  ipVersion: IpVersion,
  overrides: EncodeOverrides | undefined,
): number {
  const raw = overrides?.tcpRawOptions;
  const optLen = optionSpace(repr, overrides);
  const hlen = TCP_MIN_HEADER + optLen;
  const h = new TcpHeader(buf, off);
  h.srcPort = repr.srcPort;
  h.dstPort = repr.dstPort;
  h.seq = repr.seq;
  h.ack = repr.ack;
  // Data offset, reserved bits and AE share a byte: write it whole.
  const doff = overrides?.tcpDataOffset ?? (hlen + 3) >>> 2;
  const bits = tcpFlagBits(repr.flags);
  buf[off + F.offsetFlags] = ((doff & 0x0f) << 4) | (((repr.reservedBits ?? 0) & 0x07) << 1) | (bits >>> 8);
  buf[off + F.offsetFlags + 1] = bits;
  h.window = repr.window;
  h.checksum = 0;
  h.urgentPointer = repr.urgentPointer;
  if (raw !== undefined) {
    buf.set(raw, off + TCP_MIN_HEADER);
  } else if (optLen > 0) {
    const written = emitTcpOptions(repr.options, buf, off + TCP_MIN_HEADER);
    buf.fill(0, off + TCP_MIN_HEADER + written, off + hlen);
  }
  buf.set(repr.payload, off + hlen);
  const len = hlen + repr.payload.length;
  h.checksum = overrides?.l4Checksum ?? finishChecksum(pseudoHeaderSum(buf, ipOff, ipVersion, IPPROTO_TCP, len) + onesSum(buf, off, off + len));
  return len;
}
