/**
 * A deliberately tiny IPv4/IPv6 + TCP encoder/decoder for the sandbox specs, independent of
 * lib/wire so these specs test the sandbox and nothing else. Checksums per RFC 1071 over the
 * RFC 9293 §3.1 / RFC 8200 §8.1 pseudo-headers.
 */
import { addressToBytes, addressFromBytes } from "../../../../lib/wire/address";

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export interface Segment {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  /** Raw option bytes (padded to 4 by the encoder). */
  readonly options?: Uint8Array;
  readonly payload?: Uint8Array;
}

export interface Parsed extends Segment {
  readonly version: 4 | 6;
  readonly options: Uint8Array;
  readonly payload: Uint8Array;
  /** The TCP checksum as received and whether it verifies. */
  readonly checksumOk: boolean;
  readonly ipChecksumOk: boolean;
  readonly totalLength: number;
}

function sum16(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2 === 1) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

function pseudoSum(src: Uint8Array, dst: Uint8Array, length: number): number {
  const p = new Uint8Array(src.length * 2 + (src.length === 4 ? 4 : 8));
  p.set(src, 0);
  p.set(dst, src.length);
  const view = new DataView(p.buffer);
  if (src.length === 4) {
    view.setUint8(9, 6);
    view.setUint16(10, length);
  } else {
    view.setUint32(32, length);
    view.setUint8(39, 6);
  }
  return sum16(p);
}

export function encodeSegment(s: Segment): Uint8Array {
  const options = s.options ?? new Uint8Array(0);
  const optLen = (options.length + 3) & ~3;
  const payload = s.payload ?? new Uint8Array(0);
  const tcp = new Uint8Array(20 + optLen + payload.length);
  const tv = new DataView(tcp.buffer);
  tv.setUint16(0, s.srcPort);
  tv.setUint16(2, s.dstPort);
  tv.setUint32(4, s.seq >>> 0);
  tv.setUint32(8, s.ack >>> 0);
  tv.setUint8(12, ((20 + optLen) / 4) << 4);
  tv.setUint8(13, s.flags);
  tv.setUint16(14, s.window);
  tcp.set(options, 20);
  tcp.set(payload, 20 + optLen);
  const src = addressToBytes(s.src);
  const dst = addressToBytes(s.dst);
  tv.setUint16(16, ~sum16(tcp, pseudoSum(src, dst, tcp.length)) & 0xffff);
  if (src.length === 4) {
    const ip = new Uint8Array(20 + tcp.length);
    const iv = new DataView(ip.buffer);
    iv.setUint8(0, 0x45);
    iv.setUint16(2, ip.length);
    iv.setUint16(6, 0x4000);
    iv.setUint8(8, 64);
    iv.setUint8(9, 6);
    ip.set(src, 12);
    ip.set(dst, 16);
    iv.setUint16(10, ~sum16(ip.subarray(0, 20)) & 0xffff);
    ip.set(tcp, 20);
    return ip;
  }
  const ip = new Uint8Array(40 + tcp.length);
  const iv = new DataView(ip.buffer);
  iv.setUint32(0, 0x60000000);
  iv.setUint16(4, tcp.length);
  iv.setUint8(6, 6);
  iv.setUint8(7, 64);
  ip.set(src, 8);
  ip.set(dst, 24);
  ip.set(tcp, 40);
  return ip;
}

/** Decodes an IPv4/IPv6 TCP packet (no extension headers); undefined for anything else. */
export function decodeSegment(bytes: Uint8Array): Parsed | undefined {
  const version = bytes[0]! >> 4;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let ihl: number;
  let src: Uint8Array;
  let dst: Uint8Array;
  let totalLength: number;
  let ipChecksumOk = true;
  if (version === 4) {
    ihl = (bytes[0]! & 0x0f) * 4;
    if (bytes[9] !== 6) return undefined;
    src = bytes.subarray(12, 16);
    dst = bytes.subarray(16, 20);
    totalLength = view.getUint16(2);
    ipChecksumOk = sum16(bytes.subarray(0, ihl)) === 0xffff;
  } else if (version === 6) {
    ihl = 40;
    if (bytes[6] !== 6) return undefined;
    src = bytes.subarray(8, 24);
    dst = bytes.subarray(24, 40);
    totalLength = 40 + view.getUint16(4);
  } else {
    return undefined;
  }
  const tcp = bytes.subarray(ihl, totalLength);
  const tv = new DataView(tcp.buffer, tcp.byteOffset, tcp.length);
  const off = (tcp[12]! >> 4) * 4;
  return {
    version,
    src: addressFromBytes(src),
    dst: addressFromBytes(dst),
    srcPort: tv.getUint16(0),
    dstPort: tv.getUint16(2),
    seq: tv.getUint32(4),
    ack: tv.getUint32(8),
    flags: tcp[13]!,
    window: tv.getUint16(14),
    options: tcp.slice(20, off),
    payload: tcp.slice(off),
    checksumOk: sum16(tcp, pseudoSum(src, dst, tcp.length)) === 0xffff,
    ipChecksumOk,
    totalLength,
  };
}

/** MSS option, and optionally window scale, as a SYN or SYN-ACK would carry them. */
export function synOptions(mss: number, wscale?: number): Uint8Array {
  const out = [2, 4, mss >> 8, mss & 0xff];
  if (wscale !== undefined) out.push(1, 3, 3, wscale);
  return new Uint8Array(out);
}
