/**
 * Whole datagrams: `decodePacket` / `encodePacket` / `packetLength` (the dns-packet triple) and
 * `checkChecksums`. Input to `decodePacket` is untrusted; it throws `DecodeError` and nothing else.
 *
 * A decoded `PacketRepr` is a view: its payloads, option cookies and IPv4 options are subarrays
 * of the input. Copy the input first if its buffer will be reused (e.g. a TUN read buffer).
 */
import * as checksumModule from "./checksum";
import * as errorsModule from "./errors";
import * as icmpModule from "./icmp";
import * as ipv4Module from "./ipv4";
import type { Ipv4Layout } from "./ipv4";
import * as ipv6Module from "./ipv6";
import type { Ipv6Layout } from "./ipv6";
import * as tcpModule from "./tcp";
import * as udpModule from "./udp";
import type { EncodeOverrides, IpRepr, IpVersion, L4Repr, PacketRepr } from "./types";
import * as assertNeverModule from "../util/assert-never";

// Per-packet code: tsx (esbuild, CommonJS) turns every use of a named import into getter calls
// that V8 does not reliably inline (about 100 ns a packet, measured), so bind imports once.
const { finishChecksum, onesSum, pseudoHeaderSum } = checksumModule;
const { DecodeError } = errorsModule;
const { emitIcmp, icmpChecksumSum, icmpMessageLength, IPPROTO_ICMP, IPPROTO_ICMPV6, ICMP_HEADER, parseIcmp } = icmpModule;
const { emitIpv4, ipv4HeaderLength, IPV4_MIN_HEADER, parseIpv4 } = ipv4Module;
const { emitIpv6, ipv6HeaderLength, parseIpv6, walkIpv6 } = ipv6Module;
const { emitTcp, IPPROTO_TCP, parseTcp, TCP_MIN_HEADER, tcpOptionSpace } = tcpModule;
const { emitUdp, IPPROTO_UDP, parseUdp, UDP_HEADER, udpDatagramLength } = udpModule;
const { assertNever } = assertNeverModule;

const MAX_DATAGRAM = 0xffff;

// Scratch layouts, reused between calls (decoding is synchronous and never re-entered).
const v4Layout: Ipv4Layout = { headerEnd: 0, payloadEnd: 0 };
const v6Layout: Ipv6Layout = { headerEnd: 0, payloadEnd: 0, protocol: 0, fragment: false };

type L4Kind = "tcp" | "udp" | "icmp" | "other";

/** Which upper-layer codec applies, if any. */
function l4Kind(protocol: number, version: IpVersion, fragment: boolean): L4Kind {
  if (fragment) return "other";
  if (protocol === IPPROTO_TCP) return "tcp";
  if (protocol === IPPROTO_UDP) return "udp";
  if ((protocol === IPPROTO_ICMP && version === 4) || (protocol === IPPROTO_ICMPV6 && version === 6)) return "icmp";
  return "other";
}

function versionOf(bytes: Uint8Array): IpVersion {
  if (bytes.length < 1) throw new DecodeError("truncated-ip-header", 0, "empty buffer");
  const version = bytes[0]! >>> 4;
  if (version !== 4 && version !== 6) throw new DecodeError("bad-ip-version", 0, `version ${version}`);
  return version;
}

/** Decodes an IP datagram (no link-layer header). Throws only `DecodeError`. */
export function decodePacket(bytes: Uint8Array): PacketRepr {
  let ip: IpRepr;
  let start: number;
  let end: number;
  let fragment: boolean;
  if (versionOf(bytes) === 4) {
    const v4 = parseIpv4(bytes, 0, bytes.length, v4Layout);
    ip = v4;
    start = v4Layout.headerEnd;
    end = v4Layout.payloadEnd;
    fragment = v4.moreFragments || v4.fragmentOffset !== 0;
  } else {
    ip = parseIpv6(bytes, 0, bytes.length, v6Layout);
    start = v6Layout.headerEnd;
    end = v6Layout.payloadEnd;
    fragment = v6Layout.fragment;
  }
  let l4: L4Repr;
  const kind = l4Kind(ip.protocol, ip.version, fragment);
  switch (kind) {
    case "tcp":
      l4 = { protocol: "tcp", tcp: parseTcp(bytes, start, end) };
      break;
    case "udp":
      l4 = { protocol: "udp", udp: parseUdp(bytes, start, end) };
      break;
    case "icmp":
      l4 = { protocol: "icmp", icmp: parseIcmp(bytes, start, end, ip.version) };
      break;
    case "other":
      l4 = { protocol: "other", number: ip.protocol, payload: bytes.subarray(start, end) };
      break;
    default:
      return assertNever(kind, "L4 kind");
  }
  return { ip, l4 };
}

/**
 * Verifies the checksums of a datagram: `ip` is the IPv4 header checksum (null for IPv6), `l4`
 * the TCP/UDP/ICMP checksum (null for other protocols and fragments). A UDP-over-IPv4 checksum
 * of 0 means "none" (RFC 768) and counts as valid; over IPv6 it is invalid (RFC 8200 §8.1).
 * Throws `DecodeError` when the headers cannot be located, as `decodePacket` would.
 */
export function checkChecksums(bytes: Uint8Array): { ip: boolean | null; l4: boolean | null } {
  const version = versionOf(bytes);
  let start: number;
  let end: number;
  let protocol: number;
  let fragment: boolean;
  let ipOk: boolean | null;
  if (version === 4) {
    // Only the layout is needed here, not the repr; parseIpv4 does the same validation.
    if (bytes.length < IPV4_MIN_HEADER) throw new DecodeError("truncated-ip-header", 0, `${bytes.length} bytes`);
    const hlen = (bytes[0]! & 0x0f) * 4;
    const total = (bytes[2]! << 8) | bytes[3]!;
    if (hlen < IPV4_MIN_HEADER || bytes.length < hlen || total < hlen || total > bytes.length) parseIpv4(bytes, 0, bytes.length, v4Layout);
    start = hlen;
    end = total;
    protocol = bytes[9]!;
    fragment = (((bytes[6]! << 8) | bytes[7]!) & 0x3fff) !== 0;
    ipOk = finishChecksum(onesSum(bytes, 0, hlen)) === 0;
  } else {
    walkIpv6(bytes, 0, bytes.length, v6Layout, undefined);
    start = v6Layout.headerEnd;
    end = v6Layout.payloadEnd;
    protocol = v6Layout.protocol;
    fragment = v6Layout.fragment;
    ipOk = null;
  }
  const len = end - start;
  const kind = l4Kind(protocol, version, fragment);
  switch (kind) {
    case "tcp":
      if (len < TCP_MIN_HEADER) throw new DecodeError("truncated-tcp-header", start, `${len} bytes`);
      return { ip: ipOk, l4: finishChecksum(pseudoHeaderSum(bytes, 0, version, IPPROTO_TCP, len) + onesSum(bytes, start, end)) === 0 };
    case "udp": {
      if (len < UDP_HEADER) throw new DecodeError("truncated-udp-header", start, `${len} bytes`);
      const field = (bytes[start + 6]! << 8) | bytes[start + 7]!;
      if (field === 0) return { ip: ipOk, l4: version === 4 };
      return { ip: ipOk, l4: finishChecksum(pseudoHeaderSum(bytes, 0, version, IPPROTO_UDP, len) + onesSum(bytes, start, end)) === 0 };
    }
    case "icmp":
      if (len < ICMP_HEADER) throw new DecodeError("truncated-icmp-header", start, `${len} bytes`);
      return { ip: ipOk, l4: finishChecksum(icmpChecksumSum(bytes, start, len, version, 0, version)) === 0 };
    case "other":
      return { ip: ipOk, l4: null };
    default:
      return assertNever(kind, "L4 kind");
  }
}

/** Upper-layer bytes; for TCP, `tcpOptionSpace` is passed in so it is computed once. */
function l4Length(l4: L4Repr, tcpOptSpace: number): number {
  switch (l4.protocol) {
    case "tcp":
      return TCP_MIN_HEADER + tcpOptSpace + l4.tcp.payload.length;
    case "udp":
      return udpDatagramLength(l4.udp);
    case "icmp":
      return icmpMessageLength(l4.icmp);
    case "other":
      return l4.payload.length;
    default:
      return assertNever(l4, "L4 repr");
  }
}

function ipHeaderLength(ip: IpRepr): number {
  return ip.version === 4 ? ipv4HeaderLength(ip) : ipv6HeaderLength(ip);
}

/** Bytes `encodePacket(p, overrides)` produces. */
export function packetLength(p: PacketRepr, overrides?: EncodeOverrides): number {
  const optSpace = p.l4.protocol === "tcp" ? tcpOptionSpace(p.l4.tcp, overrides) : 0;
  return ipHeaderLength(p.ip) + l4Length(p.l4, optSpace);
}

/**
 * Encodes `p` into `buf` at `offset`; returns the number of bytes written. Lengths and checksums
 * are computed unless `overrides` forces them. Throws RangeError for a repr that cannot be
 * encoded (bad address text, too many option bytes, no room in `buf`).
 */
export function encodePacketInto(p: PacketRepr, buf: Uint8Array, offset: number, overrides?: EncodeOverrides): number {
  const ip = p.ip;
  const l4 = p.l4;
  const optSpace = l4.protocol === "tcp" ? tcpOptionSpace(l4.tcp, overrides) : 0;
  const hlen = ipHeaderLength(ip);
  const l4len = l4Length(l4, optSpace);
  const total = hlen + l4len;
  if (!(offset >= 0) || buf.length - offset < total) throw new RangeError(`need ${total} bytes at offset ${offset}, buffer has ${buf.length}`);
  if ((ip.version === 4 ? total : total - 40) > MAX_DATAGRAM) throw new RangeError(`datagram too long: ${total} bytes`);
  if (ip.version === 4) emitIpv4(ip, buf, offset, l4len, overrides?.ipLength, overrides?.ipChecksum);
  else emitIpv6(ip, buf, offset, l4len, overrides?.ipLength);
  const at = offset + hlen;
  switch (l4.protocol) {
    case "tcp":
      emitTcp(l4.tcp, buf, at, offset, ip.version, optSpace, overrides);
      break;
    case "udp":
      emitUdp(l4.udp, buf, at, offset, ip.version, overrides?.l4Checksum);
      break;
    case "icmp":
      emitIcmp(l4.icmp, buf, at, offset, ip.version, overrides?.l4Checksum);
      break;
    case "other":
      buf.set(l4.payload, at);
      break;
    default:
      assertNever(l4, "L4 repr");
  }
  return total;
}

export function encodePacket(p: PacketRepr, overrides?: EncodeOverrides): Uint8Array {
  const out = new Uint8Array(packetLength(p, overrides));
  encodePacketInto(p, out, 0, overrides);
  return out;
}
