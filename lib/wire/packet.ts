/**
 * Whole datagrams: `decodePacket` / `encodePacket` / `packetLength` (the dns-packet triple) and
 * `checkChecksums`. Input to `decodePacket` is untrusted; it throws `DecodeError` and nothing else.
 *
 * A decoded `PacketRepr` is a view: its payloads, option cookies and IPv4 options are subarrays
 * of the input. Copy the input first if its buffer will be reused (e.g. a TUN read buffer).
 */
import { finishChecksum, onesSum, pseudoHeaderSum } from "./checksum";
import { DecodeError } from "./errors";
import { emitIcmp, icmpChecksumSum, icmpMessageLength, IPPROTO_ICMP, IPPROTO_ICMPV6, ICMP_HEADER, parseIcmp } from "./icmp";
import { emitIpv4, ipv4HeaderLength, parseIpv4, type Ipv4Layout } from "./ipv4";
import { emitIpv6, ipv6HeaderLength, parseIpv6, type Ipv6Layout } from "./ipv6";
import { emitTcp, IPPROTO_TCP, parseTcp, TCP_MIN_HEADER, tcpSegmentLength } from "./tcp";
import { emitUdp, IPPROTO_UDP, parseUdp, UDP_HEADER, udpDatagramLength } from "./udp";
import type { EncodeOverrides, IpRepr, IpVersion, L4Repr, PacketRepr } from "./types";
import { assertNever } from "../util/assert-never";

const MAX_DATAGRAM = 0xffff;

// Reused between calls (decoding is synchronous and never re-entered).
const v4Layout: Ipv4Layout = { headerEnd: 0, payloadEnd: 0 };
const v6Layout: Ipv6Layout = { headerEnd: 0, payloadEnd: 0, fragment: false };

interface Located {
  ip: IpRepr;
  l4Start: number;
  l4End: number;
  /** No complete upper-layer header: a non-first fragment, or one with more to follow. */
  fragment: boolean;
}

function locate(bytes: Uint8Array): Located {
  if (bytes.length < 1) throw new DecodeError("truncated-ip-header", 0, "empty buffer");
  const version = bytes[0]! >>> 4;
  if (version === 4) {
    const ip = parseIpv4(bytes, 0, bytes.length, v4Layout);
    return { ip, l4Start: v4Layout.headerEnd, l4End: v4Layout.payloadEnd, fragment: ip.moreFragments || ip.fragmentOffset !== 0 };
  }
  if (version === 6) {
    const ip = parseIpv6(bytes, 0, bytes.length, v6Layout);
    return { ip, l4Start: v6Layout.headerEnd, l4End: v6Layout.payloadEnd, fragment: v6Layout.fragment };
  }
  throw new DecodeError("bad-ip-version", 0, `version ${version}`);
}

/** Which upper-layer codec applies, if any. */
function l4Kind(protocol: number, version: IpVersion, fragment: boolean): "tcp" | "udp" | "icmp" | "other" {
  if (fragment) return "other";
  if (protocol === IPPROTO_TCP) return "tcp";
  if (protocol === IPPROTO_UDP) return "udp";
  if ((protocol === IPPROTO_ICMP && version === 4) || (protocol === IPPROTO_ICMPV6 && version === 6)) return "icmp";
  return "other";
}

/** Decodes an IP datagram (no link-layer header). Throws only `DecodeError`. */
export function decodePacket(bytes: Uint8Array): PacketRepr {
  const { ip, l4Start, l4End, fragment } = locate(bytes);
  let l4: L4Repr;
  switch (l4Kind(ip.protocol, ip.version, fragment)) {
    case "tcp":
      l4 = { protocol: "tcp", tcp: parseTcp(bytes, l4Start, l4End) };
      break;
    case "udp":
      l4 = { protocol: "udp", udp: parseUdp(bytes, l4Start, l4End) };
      break;
    case "icmp":
      l4 = { protocol: "icmp", icmp: parseIcmp(bytes, l4Start, l4End, ip.version) };
      break;
    case "other":
      l4 = { protocol: "other", number: ip.protocol, payload: bytes.subarray(l4Start, l4End) };
      break;
  }
  return { ip, l4 };
}

/**
 * Verifies the checksums of a datagram: `ip` is the IPv4 header checksum (null for IPv6), `l4`
 * the TCP/UDP/ICMP checksum (null for other protocols and fragments). A UDP-over-IPv4 checksum
 * of 0 means "none" (RFC 768) and counts as valid; over IPv6 it is invalid (RFC 8200 §8.1).
 * Throws `DecodeError` when the headers cannot be located.
 */
export function checkChecksums(bytes: Uint8Array): { ip: boolean | null; l4: boolean | null } {
  const { ip, l4Start, l4End, fragment } = locate(bytes);
  // For IPv4 the upper layer starts right after the header.
  const ipOk = ip.version === 4 ? finishChecksum(onesSum(bytes, 0, l4Start)) === 0 : null;
  const len = l4End - l4Start;
  const kind = l4Kind(ip.protocol, ip.version, fragment);
  switch (kind) {
    case "tcp":
      if (len < TCP_MIN_HEADER) throw new DecodeError("truncated-tcp-header", l4Start, `${len} bytes`);
      return { ip: ipOk, l4: finishChecksum(pseudoHeaderSum(bytes, 0, ip.version, IPPROTO_TCP, len) + onesSum(bytes, l4Start, l4End)) === 0 };
    case "udp": {
      if (len < UDP_HEADER) throw new DecodeError("truncated-udp-header", l4Start, `${len} bytes`);
      const field = (bytes[l4Start + 6]! << 8) | bytes[l4Start + 7]!;
      if (field === 0) return { ip: ipOk, l4: ip.version === 4 };
      return { ip: ipOk, l4: finishChecksum(pseudoHeaderSum(bytes, 0, ip.version, IPPROTO_UDP, len) + onesSum(bytes, l4Start, l4End)) === 0 };
    }
    case "icmp":
      if (len < ICMP_HEADER) throw new DecodeError("truncated-icmp-header", l4Start, `${len} bytes`);
      return { ip: ipOk, l4: finishChecksum(icmpChecksumSum(bytes, l4Start, len, ip.version, 0, ip.version)) === 0 };
    case "other":
      return { ip: ipOk, l4: null };
    default:
      return assertNever(kind, "L4 kind");
  }
}

function l4Length(l4: L4Repr, overrides: EncodeOverrides | undefined): number {
  switch (l4.protocol) {
    case "tcp":
      return tcpSegmentLength(l4.tcp, overrides);
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
  return ipHeaderLength(p.ip) + l4Length(p.l4, overrides);
}

/**
 * Encodes `p` into `buf` at `offset`; returns the number of bytes written. Lengths and checksums
 * are computed unless `overrides` forces them. Throws RangeError for a repr that cannot be
 * encoded (bad address text, too many option bytes, no room in `buf`).
 */
export function encodePacketInto(p: PacketRepr, buf: Uint8Array, offset: number, overrides?: EncodeOverrides): number {
  const ip = p.ip;
  const l4 = p.l4;
  const hlen = ipHeaderLength(ip);
  const l4len = l4Length(l4, overrides);
  const total = hlen + l4len;
  if (offset < 0 || buf.length - offset < total) throw new RangeError(`need ${total} bytes at offset ${offset}, buffer has ${buf.length}`);
  if ((ip.version === 4 ? total : total - 40) > MAX_DATAGRAM) throw new RangeError(`datagram too long: ${total} bytes`);
  if (ip.version === 4) emitIpv4(ip, buf, offset, l4len, overrides?.ipLength, overrides?.ipChecksum);
  else emitIpv6(ip, buf, offset, l4len, overrides?.ipLength);
  const at = offset + hlen;
  switch (l4.protocol) {
    case "tcp":
      emitTcp(l4.tcp, buf, at, offset, ip.version, overrides);
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
