/**
 * lib/wire: the segment codec. Views over bytes (Ipv4Header, Ipv6Header, TcpHeader, UdpHeader,
 * IcmpHeader), the meaning of a packet (types.ts), the decode / encode / length triple, checksums,
 * builders, the script-notation formatter and pcap framing.
 */
export * from "./types";
export * from "./seq";
export { DecodeError, type DecodeErrorCode } from "./errors";
export { Reader, Writer } from "./cursor";
export { internetChecksum, onesSum, finishChecksum, pseudoHeaderSum } from "./checksum";
export { parseIpv4 as parseIpv4Address, parseIpv6 as parseIpv6Address, formatIpv4, formatIpv6, addressToBytes, addressFromBytes, canonicalAddress } from "./address";
export { Ipv4Header, ipv4HeaderLength } from "./ipv4";
export { Ipv6Header, ipv6HeaderLength } from "./ipv6";
export { TcpHeader, tcpFlagBits, tcpFlagsFromBits, tcpSegmentLength } from "./tcp";
export { UdpHeader } from "./udp";
export { IcmpHeader } from "./icmp";
export {
  decodeTcpOptions,
  encodeTcpOptions,
  tcpOptionLength,
  tcpOptionsLength,
  paddedTcpOptionsLength,
  TCPOPT_FASTOPEN_MAGIC,
} from "./tcp-options";
export { decodePacket, encodePacket, encodePacketInto, packetLength, checkChecksums } from "./packet";
export { tcpFlags, ipv4, ipv6, ipFor, tcp, udp, icmp, tcpPacket, udpPacket, icmpPacket } from "./build";
export { hex, formatPacket, formatWire, formatTcpFlags, formatTcpOption, formatTcpOptions, type Direction, type FormatOptions } from "./format";
export { pcapFileHeader, pcapRecord } from "./pcap";
