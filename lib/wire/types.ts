/**
 * What a packet *means*: plain, serialisable values (smoltcp's `Repr`). The zero-copy views over
 * bytes live beside the codecs; everything else in tcpdrill (runner, model, matcher, formatter,
 * reports) speaks these types.
 *
 * Conventions:
 * - Addresses are strings in canonical text form ("192.0.2.1", "fd3d:fa7b:d17d::1").
 * - Sequence and acknowledgment numbers are `Seq` (wrap-safe, see seq.ts).
 * - Optional fields that the wire derives (lengths, checksums) are computed on encode unless an
 *   `EncodeOverrides` value forces them, so malformed packets can be produced on purpose.
 */
import type { Seq } from "./seq";

export type IpVersion = 4 | 6;

export interface Ipv4Repr {
  readonly version: 4;
  readonly src: string;
  readonly dst: string;
  /** IP protocol number of the payload (6 TCP, 17 UDP, 1 ICMP). */
  readonly protocol: number;
  readonly ttl: number;
  /** The whole TOS byte: DSCP << 2 | ECN. */
  readonly tos: number;
  readonly id: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** The 13-bit fragment offset field: in 8-byte units, as on the wire. */
  readonly fragmentOffset: number;
  /** Raw IPv4 option bytes (header length = 20 + options.length, padded to 4). */
  readonly options: Uint8Array;
}

export interface Ipv6Repr {
  readonly version: 6;
  readonly src: string;
  readonly dst: string;
  /** Upper-layer protocol after skipping extension headers (6 TCP, 17 UDP, 58 ICMPv6). */
  readonly protocol: number;
  readonly hopLimit: number;
  /** Traffic class byte: DSCP << 2 | ECN. */
  readonly trafficClass: number;
  readonly flowLabel: number;
  /** Extension headers kept as raw bytes in wire order, so they round-trip. */
  readonly extensionHeaders: readonly Ipv6ExtensionHeader[];
}

export interface Ipv6ExtensionHeader {
  /** The header type (0 hop-by-hop, 60 destination options, 43 routing, 44 fragment). */
  readonly type: number;
  /**
   * The header's bytes after the next-header byte and length byte (for the fragment header,
   * after its reserved byte, which must be zero: 6 bytes).
   */
  readonly body: Uint8Array;
}

export type IpRepr = Ipv4Repr | Ipv6Repr;

/** TCP header flags as they appear in the header (RFC 9293 §3.1, RFC 3168, RFC 9768 AE). */
export interface TcpFlags {
  readonly fin: boolean;
  readonly syn: boolean;
  readonly rst: boolean;
  readonly psh: boolean;
  readonly ack: boolean;
  readonly urg: boolean;
  readonly ece: boolean;
  readonly cwr: boolean;
  /** AccECN "AE" bit (formerly NS), header bit 8. */
  readonly ae: boolean;
}

/** TCP options in wire order. Unknown kinds keep their raw bytes so they round-trip. */
export type TcpOption =
  | { readonly kind: "eol" }
  | { readonly kind: "nop" }
  | { readonly kind: "mss"; readonly mss: number }
  | { readonly kind: "wscale"; readonly shift: number }
  | { readonly kind: "sackOK" }
  | { readonly kind: "sack"; readonly blocks: readonly { readonly left: Seq; readonly right: Seq }[] }
  | { readonly kind: "timestamp"; readonly val: number; readonly ecr: number }
  /** TCP MD5 signature (RFC 2385), kind 19: 16-byte digest. */
  | { readonly kind: "md5"; readonly digest: Uint8Array }
  /** TCP Fast Open (RFC 7413), kind 34; an empty cookie is a cookie request. */
  | { readonly kind: "fastopen"; readonly cookie: Uint8Array }
  /** Experimental Fast Open, kind 254 with magic 0xF989. */
  | { readonly kind: "fastopenExp"; readonly cookie: Uint8Array }
  /** AccECN option 0 (kind 172) and 1 (kind 174): up to three 24-bit byte counters, order per kind. */
  | { readonly kind: "accecn"; readonly order: 0 | 1; readonly counters: readonly number[] }
  /** Any other kind (or a malformed known kind), kept verbatim: `data` excludes kind and length. */
  | { readonly kind: "unknown"; readonly type: number; readonly data: Uint8Array };

export interface TcpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: Seq;
  /** The acknowledgment field as on the wire (meaningful when flags.ack). */
  readonly ack: Seq;
  readonly flags: TcpFlags;
  /** The raw 16-bit window field (not scaled). */
  readonly window: number;
  readonly urgentPointer: number;
  readonly options: readonly TcpOption[];
  readonly payload: Uint8Array;
  /**
   * The three reserved header bits (between data offset and AE), when not zero. Absent means 0;
   * the decoder sets it only for segments that carry them, so they round-trip.
   */
  readonly reservedBits?: number;
}

export interface UdpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/** ICMPv4 (RFC 792) or ICMPv6 (RFC 4443); `version` tells which numbering `type`/`code` use. */
export interface IcmpRepr {
  readonly version: IpVersion;
  readonly type: number;
  readonly code: number;
  /** The 4 bytes after the checksum (e.g. next-hop MTU for "fragmentation needed"/"packet too big"). */
  readonly rest: number;
  /** The rest of the message: for errors, the quoted original datagram. */
  readonly payload: Uint8Array;
}

export type L4Repr =
  | { readonly protocol: "tcp"; readonly tcp: TcpRepr }
  | { readonly protocol: "udp"; readonly udp: UdpRepr }
  | { readonly protocol: "icmp"; readonly icmp: IcmpRepr }
  | { readonly protocol: "other"; readonly number: number; readonly payload: Uint8Array };

/** A whole IP datagram as tcpdrill sees it on the TUN device (no link-layer header). */
export interface PacketRepr {
  readonly ip: IpRepr;
  readonly l4: L4Repr;
}

/** Deliberate malformations the harness may inject; unset fields are computed correctly. */
export interface EncodeOverrides {
  /** Force the TCP/UDP/ICMP checksum to this value instead of the correct one. */
  readonly l4Checksum?: number;
  /** Force the IPv4 header checksum. */
  readonly ipChecksum?: number;
  /** Force the TCP data offset (header length in 32-bit words). */
  readonly tcpDataOffset?: number;
  /** Replace the encoded TCP options with these raw bytes (padding is not added). */
  readonly tcpRawOptions?: Uint8Array;
  /** Force the IPv4 total length / IPv6 payload length. */
  readonly ipLength?: number;
}
